"""Custom actions, run by the rasa_sdk action server in the app env.

Every piece of conversation state (pending rating, misses in a row) lives in slots, so a
restarted action server loses nothing.
"""

import multiprocessing

from kb_index.service import get_store

# Load the encoder and the index when the server starts, not on the first customer's turn.
# rasa_sdk's Sanic supervisor imports this package too, but only the worker it spawns
# serves requests. Warming up there alone saves the memory of a second copy, and leaves
# the supervisor's multiprocessing start method alone (loading the index creates a lock
# that would fix it to "fork", and Sanic then refuses to spawn its worker).
if multiprocessing.parent_process() is not None:
    get_store().current()
