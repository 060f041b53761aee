"""The runtime's defaults and option ranges, as the command line shows them in --help.

Standard library only, and nothing else imported: `maestro run --help` and
`maestro watch --help` read these without loading httpx, rich or pydantic.
The modules that use them (policy, batch, maestro_spec/watch/loop.py), the
click options (commands/options.py) and the Python API (api_run.py) import
them from here, so an option's range is written once.
"""

from __future__ import annotations

MAX_RETRIES = 5  # retries after the first attempt, per HTTP call (policy.py)
MAX_RETRIES_LIMIT = 20  # --max-retries and max_retries= accept 0 .. this
DEFAULT_RUN_TIMEOUT = 600.0  # seconds a command waits for one run to end (any number above 0)
# A fixed --poll-interval / poll_interval= (seconds); the default is the adaptive schedule.
MIN_POLL_INTERVAL = 0.01
MAX_POLL_INTERVAL = 600.0
MIN_SCORE_RANGE = (0.0, 1.0)  # --min-score / min_score=: a requirements score
DEFAULT_JOBS = 4  # runs at once when `maestro run` is given several specs
# Runs at once in a batch, at most (batch.py). Runs share batch.MAX_POOL_CONNECTIONS
# connections, so -j costs no sockets: a waiting run is a few KiB and a timer.
# 1000 runs of 2 s at -j 1000 take 3x less wall time than at 256 for the same CPU;
# the cap only stops a typo (-j 100000) from flooding a server.
MAX_CONCURRENCY = 1024

# Watch mode (maestro_spec/watch/): runs per session, and seconds a changed request
# must stay unchanged before it is submitted (a burst of saves is one run).
DEFAULT_MAX_RUNS = 10
DEFAULT_SETTLE = 0.3
