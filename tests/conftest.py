"""Shared test fixtures: the repo root and golden-file comparison."""

from __future__ import annotations

import difflib
import os
import signal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"

# MAESTRO_UPDATE_GOLDEN=1 rewrites golden files instead of comparing.
UPDATE_GOLDEN = os.environ.get("MAESTRO_UPDATE_GOLDEN") == "1"


def assert_golden(actual: str, golden: Path) -> None:
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        return
    assert golden.exists(), f"no golden file {golden}; create it with MAESTRO_UPDATE_GOLDEN=1"
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"{golden.relative_to(ROOT)} (expected)",
                tofile="actual",
            )
        )
        pytest.fail(f"output differs from {golden.name} (MAESTRO_UPDATE_GOLDEN=1 to accept):\n{diff}", pytrace=False)


@pytest.fixture
def in_repo(monkeypatch):
    """Run with the repo root as cwd, so example paths read as in the README."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture(autouse=True)
def _sigint_restored():
    """`maestro run` in-process stops Ctrl-C once a result is known (on purpose,
    for the rest of a real process); the test process gets its handler back."""
    previous = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, previous)
