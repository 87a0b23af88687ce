"""The Rasa side of Kefu: NLU components, the gateway channel and custom actions."""
