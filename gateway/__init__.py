"""The FastAPI gateway: customer sessions, bot/human routing, agent and admin APIs."""
