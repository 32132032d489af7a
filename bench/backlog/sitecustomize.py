"""Loaded by `chalice local` in the latency bench's stacks (bench/latency.py puts this folder on its
PYTHONPATH): the server's listen backlog is raised from socketserver's 5 to 1024, so that 350 agents
connecting at once are queued rather than dropped into TCP's one-second SYN retry (API Gateway has no such
limit; without this the p95 measured the kernel's retry timer). Inert elsewhere."""

import socketserver

socketserver.TCPServer.request_queue_size = 1024
