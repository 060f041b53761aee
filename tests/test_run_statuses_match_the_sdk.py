"""limits.py's run statuses are the ones the official SDK knows (that no
enum is respelled outside limits.py is test_literals_have_one_home.py's)."""

from __future__ import annotations

from maestro_spec.compiler import limits as L


def test_run_statuses_are_the_ones_the_official_sdk_knows():
    """limits.py's statuses against a witness that does not read limits.py:
    the ai21 SDK's own types (the client we are wire-compatible with)."""
    from typing import get_args

    from ai21.models.maestro.run import TERMINATED_RUN_STATUSES, RunStatus

    assert (L.IN_PROGRESS, L.COMPLETED, L.FAILED, L.REQUIRES_ACTION) == ("in_progress", "completed", "failed", "requires_action")
    assert sorted(L.RUN_STATUSES) == sorted(get_args(RunStatus))
    assert L.TERMINAL_STATUSES == TERMINATED_RUN_STATUSES
