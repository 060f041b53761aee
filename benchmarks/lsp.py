"""The language server: how soon an edit shows its diagnostics.

    python benchmarks/lsp.py [--edits 40]

Goal (issue 13): from `didChange` sent to `publishDiagnostics` received,
median under 20 ms for a typical spec; also timed for a 1 MB spec, beside a
cold `maestro check` process on the same typical file (what an editor that
shells out on every save would pay) and on the 1 MB one, all in the same run.

A real `maestro lsp` subprocess over stdio, driven by pygls's LSP client;
each edit alternates a budget between a valid value and a typo, so every
edit changes the diagnostics.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsprotocol import types as lsp  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

WAIT = 60.0
TYPICAL = (ROOT / "examples" / "invoice.maestro").read_text(encoding="utf-8") + "budget low\n"


def one_megabyte() -> str:
    # A long prompt and many requirements-sized params: the size an author
    # might paste in, with one finding per param (never used).
    prompt = "input \"\"\"\n" + ("    Summarise the quarterly report in plain words. " * 12000) + '\n    """\n'
    params = "".join(f'param p{i} = "{"x" * 40}"\n' for i in range(8000))
    text = prompt + params + "budget low\n"
    return text


async def session(text: str, edits: int) -> list[float]:
    client = LanguageClient("maestro-bench", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _published(ls, params):
        published.put_nowait((time.perf_counter(), params))

    await client.start_io(sys.executable, "-m", "maestro_spec.cli", "lsp", cwd=str(ROOT))
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), process_id=None))
    client.initialized(lsp.InitializedParams())
    uri = "file:///bench/spec.maestro"
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "maestro", 1, text)))
    await asyncio.wait_for(published.get(), WAIT)
    line = text.count("\n", 0, text.rindex("budget low"))
    times = []
    value = "low"
    for i in range(edits):
        new = "hihg" if value == "low" else "low"
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(lsp.Position(line, 7), lsp.Position(line, 7 + len(value))), text=new
        )
        value = new
        start = time.perf_counter()
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=uri, version=i + 2), [change])
        )
        while True:
            at, params = await asyncio.wait_for(published.get(), WAIT)
            if params.version == i + 2:
                break
        codes = {d.code for d in params.diagnostics}
        assert ("E240" in codes) == (value == "hihg"), codes
        times.append((at - start) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def cold_check(path: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "maestro_spec.cli", "check", str(path)], capture_output=True, check=False)
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=20) if len(ms) >= 2 else ms * 19
    return f"{name:<44} median {statistics.median(ms):8.1f} ms   p95 {q[-1]:8.1f} ms   (n={len(ms)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=40)
    args = ap.parse_args()
    big = one_megabyte()
    typical = asyncio.run(session(TYPICAL, args.edits))
    huge = asyncio.run(session(big, max(6, args.edits // 5)))
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "invoice.maestro"
        spec.write_text(TYPICAL, encoding="utf-8")
        cold = cold_check(spec, 5)
        big_spec = Path(tmp) / "big.maestro"
        big_spec.write_text(big, encoding="utf-8")
        cold_big = cold_check(big_spec, 3)
    print(summary(f"didChange -> diagnostics, typical ({len(TYPICAL)} B)", typical))
    print(summary(f"didChange -> diagnostics, 1 MB ({len(big):,} B)", huge))
    print(summary("cold `maestro check` process, typical", cold))
    print(summary("cold `maestro check` process, 1 MB", cold_big))
    verdict = "met" if statistics.median(typical) < 20 else "NOT met"
    print(f"goal: typical median < 20 ms: {verdict}")


if __name__ == "__main__":
    main()
