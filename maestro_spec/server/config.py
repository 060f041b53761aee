"""The local server's settings, one dataclass shared by `maestro serve` and LocalServer."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..compiler.limits import BUDGETS

# Simulated duration multiplier per budget (low x1, medium x2, high x4): a
# larger budget buys the real service more rounds, so it takes longer.
BUDGET_SCALE = dict(zip(BUDGETS, (1.0, 2.0, 4.0), strict=True))

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8021
DEFAULT_MAX_RUNS = 10000
# What the stored runs may hold in all, counted as the JSON bytes of each
# finished Run: the bound on memory, whatever the size of each run.
DEFAULT_MAX_STORE_BYTES = 256 * 1024 * 1024

# Seconds options: finite and not negative; NaN or infinity would break
# every call (a sleep of inf, a Retry-After of "nan").
SECONDS_FIELDS = ("run_seconds", "retry_after", "latency", "header_timeout", "tool_timeout")
RATE_FIELDS = ("fail_rate", "requires_action_rate", "rate_limit_rate", "error_rate", "drop_rate", "unmet_rate")


@dataclass(frozen=True)
class ServerConfig:
    """How the simulation behaves. Rates are fractions in [0, 1]."""

    run_seconds: float = 1.0
    seed: int = 0
    fail_rate: float = 0.0
    requires_action_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: float = 1.0
    error_rate: float = 0.0
    latency: float = 0.0
    drop_rate: float = 0.0
    require_key: str | None = None
    max_runs: int = DEFAULT_MAX_RUNS
    max_store_bytes: int = DEFAULT_MAX_STORE_BYTES
    # Fraction of requirements that score below 1 (which ones: a hash of the
    # request decides). 0 by default so specs "pass" locally unless asked.
    unmet_rate: float = 0.0
    # A connection must send a whole request head within this many seconds
    # of connecting (or of its previous response), or it is closed.
    header_timeout: float = 10.0
    # Really POST each http tool's arguments to its endpoint when that is on
    # loopback (calltools.py); otherwise tool calls are simulated.
    call_tools: bool = False
    tool_timeout: float = 5.0

    def __post_init__(self) -> None:
        for name in RATE_FIELDS:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:  # False for NaN too
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.fail_rate + self.requires_action_rate > 1.0:
            raise ValueError("fail_rate + requires_action_rate must not exceed 1")
        if self.rate_limit_rate + self.error_rate + self.drop_rate > 1.0:
            raise ValueError("rate_limit_rate + error_rate + drop_rate must not exceed 1")
        for name in SECONDS_FIELDS:
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number of seconds, not negative, got {value}")
        for name in ("header_timeout", "tool_timeout"):
            if getattr(self, name) == 0:
                raise ValueError(f"{name} must be more than 0 seconds")
        if self.max_runs < 1:
            raise ValueError("max_runs must be at least 1")
        if self.max_store_bytes < 1024 * 1024:
            raise ValueError("max_store_bytes must be at least 1 MiB (1048576)")

    def __repr__(self) -> str:
        # The key is a secret: never let it reach a log line or a traceback.
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        if shown["require_key"] is not None:
            shown["require_key"] = "***"
        return "ServerConfig(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"
