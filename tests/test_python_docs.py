"""docs/python.md runs: its python blocks, in order, in one namespace, from the
repository root, against a real local server where the page says `maestro
serve` listens; a ```text block right after one is what it must print."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

import maestro_spec

from .conftest import ROOT
from .runtime_support import server

DOC = ROOT / "docs" / "python.md"
SERVE_ROOT = "http://127.0.0.1:8021"  # where the page says `maestro serve` listens
_BLOCK_RE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(line, python code, the text it prints or None) for each python block."""
    found = list(_BLOCK_RE.finditer(text))
    out = []
    for i, m in enumerate(found):
        if m.group(1) != "python":
            continue
        after = found[i + 1] if i + 1 < len(found) else None
        printed = None
        if after is not None and after.group(1) == "text" and text[m.end() : after.start()].strip() == "":
            printed = after.group(2)
        out.append((text.count("\n", 0, m.start()) + 2, m.group(2), printed))
    return out


def test_the_page_has_examples_with_their_output():
    found = blocks(DOC.read_text(encoding="utf-8"))
    assert len(found) >= 8 and sum(p is not None for _, _, p in found) == len(found)


@pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")  # the SDK's own httpx call
def test_every_python_example_runs_and_prints_what_the_page_shows(in_repo, tmp_path, monkeypatch):
    pytest.importorskip("ai21", reason="the official SDK is in the dev extra")
    monkeypatch.setenv("MAESTRO_HOME", str(tmp_path))
    monkeypatch.delenv("AI21_API_KEY", raising=False)
    monkeypatch.delenv("AI21_API_HOST", raising=False)
    namespace: dict = {}
    with server(run_seconds=0.2) as s:
        for line, code, printed in blocks(DOC.read_text(encoding="utf-8")):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code.replace(SERVE_ROOT, s.root_url), f"docs/python.md:{line}", "exec"), namespace)
            if printed is not None:
                assert out.getvalue() == printed, f"docs/python.md:{line} prints otherwise"


def test_every_public_name_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    missing = [name for name in maestro_spec.__all__ if not name.startswith("_") and not re.search(rf"`(maestro_spec\.)?{name}\b", doc)]
    assert missing == []


def test_the_readme_example_runs(in_repo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MAESTRO_HOME", str(tmp_path))
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## From Python", 1)[1].split("\n## ", 1)[0]
    ((line, code, _),) = blocks(section)
    exec(compile(code, "README.md (From Python)", "exec"), {})
    assert capsys.readouterr().out == "completed 0\n"
