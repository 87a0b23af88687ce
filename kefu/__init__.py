"""Kefu: a Chinese customer-service bot with human handoff."""
