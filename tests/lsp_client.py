"""A synchronous LSP client for tests: pygls's LanguageClient talking to a real
`maestro lsp` subprocess over stdio, its event loop on a background thread,
every wait bounded."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

WAIT = 10.0  # seconds: the bound on every answer and notification


class Client:
    def __init__(self, *args: str, cwd: str | Path | None = None, init_options=None, encoding=None, process_id: int | None = None, watch_files: bool = False):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lc = LanguageClient("maestro-tests", "1")
        self.diagnostics: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
        self.logs: list[str] = []
        self.messages: list[str] = []
        self._published = threading.Condition()

        @self.lc.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(ls, params: lsp.PublishDiagnosticsParams):
            with self._published:
                self.diagnostics.setdefault(params.uri, []).append(params)
                self._published.notify_all()

        @self.lc.feature(lsp.WINDOW_LOG_MESSAGE)
        def _log(ls, params: lsp.LogMessageParams):
            self.logs.append(params.message)

        @self.lc.feature(lsp.WINDOW_SHOW_MESSAGE)
        def _show(ls, params: lsp.ShowMessageParams):
            self.messages.append(params.message)

        self.registrations: list[lsp.Registration] = []

        @self.lc.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def _register(ls, params: lsp.RegistrationParams):
            self.registrations += params.registrations
            return None

        self.run(self.lc.start_io(sys.executable, "-m", "maestro_spec.cli", "lsp", *args, cwd=str(cwd) if cwd else None))
        caps = lsp.ClientCapabilities(
            general=lsp.GeneralClientCapabilities(position_encodings=encoding) if encoding else None,
            workspace=lsp.WorkspaceClientCapabilities(
                did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)
            )
            if watch_files
            else None,
        )
        self.init = self.run(self.lc.initialize_async(lsp.InitializeParams(capabilities=caps, process_id=process_id, initialization_options=init_options)))
        self.lc.initialized(lsp.InitializedParams())
        self.versions: dict[str, int] = {}

    @property
    def process(self):
        return self.lc._server

    def run(self, coro, timeout: float = WAIT):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, method: str, params):
        """A request by name (the LanguageClient's *_async methods)."""
        return self.run(getattr(self.lc, method)(params))

    # -------------------------------------------------------- documents

    def open(self, uri: str, text: str, language: str = "maestro") -> list[lsp.Diagnostic]:
        self.versions[uri] = 1
        count = len(self.diagnostics.get(uri, []))
        self.lc.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, language, 1, text)))
        return self.wait_diagnostics(uri, count, 1)

    def change(self, uri: str, text: str, range: lsp.Range | None = None) -> list[lsp.Diagnostic]:
        """A full change, or an incremental one when range is given."""
        self.versions[uri] += 1
        version = self.versions[uri]
        change = (
            lsp.TextDocumentContentChangeWholeDocument(text)
            if range is None
            else lsp.TextDocumentContentChangePartial(range=range, text=text)
        )
        count = len(self.diagnostics.get(uri, []))
        self.lc.text_document_did_change(lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
        return self.wait_diagnostics(uri, count, version)

    def wait_diagnostics(self, uri: str, after: int, version: int | None) -> list[lsp.Diagnostic]:
        """The first diagnostics published for `version` after the `after`-th."""
        with self._published:
            ok = self._published.wait_for(
                lambda: any(p.version == version for p in self.diagnostics.get(uri, [])[after:]), WAIT
            )
            assert ok, f"no diagnostics for {uri} version {version} within {WAIT}s"
            return list([p for p in self.diagnostics[uri][after:] if p.version == version][0].diagnostics)

    def wait_for(self, predicate, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not predicate():
            assert time.monotonic() < deadline, f"{what}: not within {WAIT}s"
            time.sleep(0.02)

    def close(self, uri: str) -> None:
        self.lc.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))

    # -------------------------------------------------------- requests

    def doc(self, uri: str) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(uri)

    def completion(self, uri: str, line: int, character: int) -> list[lsp.CompletionItem]:
        result = self.call("text_document_completion_async", lsp.CompletionParams(self.doc(uri), lsp.Position(line, character)))
        return list(result.items) if result else []

    def hover(self, uri: str, line: int, character: int) -> str | None:
        result = self.call("text_document_hover_async", lsp.HoverParams(self.doc(uri), lsp.Position(line, character)))
        return result.contents.value if result else None

    def code_actions(self, uri: str, rng: lsp.Range) -> list[lsp.CodeAction]:
        params = lsp.CodeActionParams(self.doc(uri), rng, lsp.CodeActionContext([]))
        return list(self.call("text_document_code_action_async", params) or [])

    def formatting(self, uri: str):
        params = lsp.DocumentFormattingParams(self.doc(uri), lsp.FormattingOptions(4, True))
        return self.call("text_document_formatting_async", params)

    def shutdown(self, timeout: float = WAIT) -> int | None:
        """shutdown + exit; the server's exit code."""
        proc = self.process
        try:
            self.run(self.lc.shutdown_async(None))
            self.lc.exit(None)
            self.run(asyncio.wait_for(proc.wait(), timeout), timeout + 1)
        finally:
            self.stop()
        return proc.returncode

    def stop(self) -> None:
        proc = self.process
        if proc is not None and proc.returncode is None:
            proc.kill()
        try:
            self.run(self.lc.stop(), 5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def apply_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (ASCII text: characters are code units)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def off(p: lsp.Position) -> int:
        return starts[min(p.line, len(lines))] + p.character if p.line < len(lines) else len(text)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: off(e.range.start)] + e.new_text + text[off(e.range.end) :]
    return text
