"""The runtime's defaults that the command line shows in --help.

Standard library only, and nothing else imported: `maestro run --help` and
`maestro watch --help` read these without loading httpx, rich or pydantic.
The modules that use them (policy, batch, and maestro_spec/watch/loop.py)
import them from here.
"""

from __future__ import annotations

MAX_RETRIES = 5  # retries after the first attempt, per HTTP call (policy.py)
DEFAULT_RUN_TIMEOUT = 600.0  # seconds a command waits for one run to end
# Runs at once in a batch, at most (batch.py). Runs share batch.MAX_POOL_CONNECTIONS
# connections, so -j costs no sockets: a waiting run is a few KiB and a timer.
# 1000 runs of 2 s at -j 1000 take 3x less wall time than at 256 for the same CPU;
# the cap only stops a typo (-j 100000) from flooding a server.
MAX_CONCURRENCY = 1024

# Watch mode (maestro_spec/watch/): runs per session, and seconds a changed request
# must stay unchanged before it is submitted (a burst of saves is one run).
DEFAULT_MAX_RUNS = 10
DEFAULT_SETTLE = 0.3
