"""The suite's instrumentation: the recording of AWS calls per route (calls_recording.py, aws_calls.py),
the Scan guard, and its twin loaded into the local server (scan_guard/sitecustomize.py)."""
