"""The API's enums are written once, in limits.py: the runtime, the run
commands and the simulated server import them instead of respelling them,
and limits.py's run statuses are the ones the official SDK knows."""

from __future__ import annotations

import re

import pytest

from maestro_spec.compiler import limits as L

from .conftest import ROOT


_ENUM_LITERALS = {
    "maestro_spec/runtime": L.RUN_STATUSES,
    "maestro_spec/commands/run.py": L.RUN_STATUSES,
    "maestro_spec/commands/runs.py": L.RUN_STATUSES,
    "maestro_spec/server/simulate.py": L.TOOL_TYPES + L.INCLUDE_FIELDS,
}


@pytest.mark.parametrize("where", sorted(_ENUM_LITERALS))
def test_api_enums_are_imported_not_respelled(where):
    path = ROOT / where
    files = sorted(path.glob("*.py")) if path.is_dir() else [path]
    pattern = re.compile("|".join(rf"""(?<![\w'])["']{re.escape(v)}["']""" for v in _ENUM_LITERALS[where]))
    found = [f"{f.name}:{n}: {line.strip()}" for f in files for n, line in enumerate(f.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


def test_run_statuses_are_the_ones_the_official_sdk_knows():
    """limits.py's statuses against a witness that does not read limits.py:
    the ai21 SDK's own types (the client we are wire-compatible with)."""
    from typing import get_args

    from ai21.models.maestro.run import TERMINATED_RUN_STATUSES, RunStatus

    assert (L.IN_PROGRESS, L.COMPLETED, L.FAILED, L.REQUIRES_ACTION) == ("in_progress", "completed", "failed", "requires_action")
    assert sorted(L.RUN_STATUSES) == sorted(get_args(RunStatus))
    assert L.TERMINAL_STATUSES == TERMINATED_RUN_STATUSES
