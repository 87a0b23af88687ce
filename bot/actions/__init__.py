"""Custom actions, run by the rasa_sdk action server in the app env.

Every piece of conversation state (pending rating, misses in a row) lives in slots, so a
restarted action server loses nothing.
"""

import os

from kb_index.service import lookup

# Load the encoder, the index and jieba's dictionary (seconds each) when the server starts,
# not on the first customer's turn, which would then miss the gateway's timeout.
# rasa_sdk's Sanic supervisor imports this package too, but only the worker it spawns
# serves requests. Warming up there alone saves the memory of a second copy, and leaves
# the supervisor's multiprocessing start method alone (loading the index creates a lock
# that would fix it to "fork", and Sanic then refuses to spawn its worker). The worker
# imports this package while unpickling its app, before multiprocessing knows it has a
# parent; Sanic's worker name in the environment is already there.
if "SANIC_WORKER_NAME" in os.environ:
    lookup("你好")
