"""Custom actions, run by the rasa_sdk action server in the app env.

Every piece of conversation state (pending rating, misses in a row) lives in slots, so a
restarted action server loses nothing.
"""

from kb_index.service import get_store

# Load the encoder and the index when the server starts, not on the first customer's turn.
get_store().current()
