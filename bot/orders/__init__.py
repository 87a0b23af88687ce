"""The order system the bot looks orders up in, behind a small interface."""
