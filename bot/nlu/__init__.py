"""Custom Rasa components (loaded by the Rasa server, Python 3.10 env)."""
