"""The local server's settings, one dataclass shared by `maestro serve` and LocalServer."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..compiler.limits import BUDGETS

# Simulated duration multiplier per budget (low x1, medium x2, high x4): a
# larger budget buys the real service more rounds, so it takes longer.
BUDGET_SCALE = dict(zip(BUDGETS, (1.0, 2.0, 4.0), strict=True))

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8021


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
    max_runs: int = 10000
    # Fraction of requirements that score below 1 (which ones: a hash of the
    # request decides). 0 by default so specs "pass" locally unless asked.
    unmet_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("fail_rate", "requires_action_rate", "rate_limit_rate", "error_rate", "drop_rate", "unmet_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.fail_rate + self.requires_action_rate > 1.0:
            raise ValueError("fail_rate + requires_action_rate must not exceed 1")
        if self.rate_limit_rate + self.error_rate + self.drop_rate > 1.0:
            raise ValueError("rate_limit_rate + error_rate + drop_rate must not exceed 1")
        for name in ("run_seconds", "retry_after", "latency"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_runs < 1:
            raise ValueError("max_runs must be at least 1")

    def __repr__(self) -> str:
        # The key is a secret: never let it reach a log line or a traceback.
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        if shown["require_key"] is not None:
            shown["require_key"] = "***"
        return "ServerConfig(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"
