"""The benchmarks behind bench/results.md (`make bench` runs `python -m bench`, bench/__main__.py) and
bench/latency.json (`python -m bench.latency`): cold start, DynamoDB calls per route, rotation, the next-call
queue (lease_queue.py), digest reads, peak memory, state scale by simulation, answer tallies, finding a person,
the hot path's latency and a call's cost (latency.py, capacity.py, cost.py), the web client's size. Their
in-process moto account is moto_account.py; probe/ and backlog/ are sitecustomize folders put on the local
API server's PYTHONPATH. Nothing here is deployed."""
