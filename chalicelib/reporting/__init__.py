"""Reporting: the report counters every feature writes with its own writes (activation, calls, relay,
follow-up) and every report reads (progress, campaign overview, relay, board, digests) — below all of
them, so each imports it downward."""
