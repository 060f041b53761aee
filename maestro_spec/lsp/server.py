"""The language server: pygls wiring for the features in this package.

Diagnostics are computed off the event loop (a worker thread) and coalesced:
while a document is being checked, further edits only mark it stale, and it
is checked once more with the newest text when the first check ends. So a
burst of keystrokes, or a huge document, never queues a check per edit, and
requests (completion, hover) are answered meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from lsprotocol import types as lsp
from pygls.exceptions import FeatureRequestError, JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..compiler.fmt import FormatError, format_text
from ..compiler.params import Vars, load_vars, value_files
from ..varargs import VarUsageError, parse_var_args
from . import completion, fixes, hover, navigation
from .analysis import Analysis, analyse, is_json, lsp_diagnostics
from .textpos import Text

log = logging.getLogger("maestro_spec.lsp")

# How often the server checks that the editor that started it is alive.
PARENT_POLL_SECONDS = 1.0


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was understood but cannot be done."""

    CODE = -32803
    MESSAGE = "request failed"


class _AnswersAreNotErrors(logging.Filter):
    """pygls logs every error answer with a traceback; a refused formatting
    or rename is an answer to the user, not a fault worth one."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, (RequestFailed, JsonRpcInvalidParams))


logging.getLogger("pygls.protocol.json_rpc").addFilter(_AnswersAreNotErrors())


_SAFE_ARG = re.compile(r"[\w./$:-]{0,64}")


class NoDocumentText(logging.Filter):
    """pygls logs protocol messages at info and debug ("Sending data: ...",
    a failed notification's params): they hold document text, which may hold
    a tool's literal header value. Only ids, method names and numbers pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("pygls") and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                a if isinstance(a, (int, float)) or (isinstance(a, str) and _SAFE_ARG.fullmatch(a)) else "<not logged>" for a in args
            )
        return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


class MaestroServer(LanguageServer):
    def __init__(self, var_args=(), var_files=(), ppid: int | None = None):
        super().__init__("maestro-lsp", __version__)
        self.var_args = parse_var_args(var_args)  # NAME=VALUE strings or VarArgs
        self.var_files = tuple(var_files)
        self.analyses: dict[str, Analysis] = {}
        self._stale: set[str] = set()
        self._checking: set[str] = set()
        # Two workers: a request about one document need not wait for the check
        # of a huge other one (the GIL still interleaves them).
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="maestro-check")
        self._watched: set[int] = set()
        self.watch_parent(ppid)
        self.watch_parent(os.getppid())

    # ------------------------------------------------------------ robustness

    def report_server_error(self, error: Exception, source) -> None:
        """Every handler error goes to the client's log, with its traceback;
        a request is also answered with the error (pygls does that)."""
        if isinstance(error, RequestFailed) or isinstance(error, JsonRpcInvalidParams):
            return  # an answer, not a bug
        detail = "".join(traceback.format_exception(error)).rstrip()
        data = getattr(error, "data", None)
        if isinstance(data, dict) and data.get("traceback"):
            detail += "\n" + "".join(data["traceback"]).rstrip()
        where = "request" if source is FeatureRequestError else "notification"
        try:
            self.window_log_message(lsp.LogMessageParams(lsp.MessageType.Error, f"maestro lsp: error in a {where} handler: {detail}"))
        except Exception:  # the client is gone; stderr still has it
            log.exception("cannot report an error to the client")

    def watch_parent(self, pid: int | None, *, only_if_alive: bool = False) -> None:
        """Exit when the editor process that started us dies (an editor that
        crashes does not always close our stdin).

        only_if_alive: for initialize's processId, which an editor outside
        our PID namespace (a container) sends as a number meaningless here."""
        if not pid or pid <= 1 or pid in self._watched or (only_if_alive and not pid_alive(pid)):
            return
        self._watched.add(pid)

        def watch() -> None:
            while pid_alive(pid):
                time.sleep(PARENT_POLL_SECONDS)
            log.warning("maestro lsp: the editor (pid %s) is gone; exiting", pid)
            os._exit(0)

        # Checked at once too: an editor may die before we get this far.
        threading.Thread(target=watch, name=f"maestro-parent-{pid}", daemon=True).start()

    # ------------------------------------------------------------ documents

    def vars(self) -> Vars:
        return load_vars(self.var_args, self.var_files)

    def units(self):
        enc = self.workspace.position_encoding
        if enc == lsp.PositionEncodingKind.Utf32:
            return len
        if enc == lsp.PositionEncodingKind.Utf8:
            return lambda s: len(s.encode("utf-8"))
        return None  # UTF-16, Text's default

    def _analyse(self, uri: str, source: str, version, language_id) -> Analysis:
        a = analyse(uri, source, self.vars(), json_body=is_json(uri, language_id), units=self.units())
        a.version = version
        return a

    async def current(self, uri: str) -> Analysis:
        """The analysis of a document's text as it is now (a request may
        arrive before the check of the latest edit has finished); computed
        on the worker thread, so the loop keeps reading messages."""
        doc = self.workspace.get_text_document(uri)
        source = doc.source
        a = self.analyses.get(uri)
        if a is None or a.version != doc.version or a.text.text != source:
            loop = asyncio.get_running_loop()
            a = await loop.run_in_executor(self._pool, self._analyse, uri, source, doc.version, doc.language_id)
            if uri in self.workspace.text_documents:
                self.analyses[uri] = a
        return a

    async def refresh(self, uri: str) -> None:
        if uri in self._checking:
            self._stale.add(uri)
            return
        self._checking.add(uri)
        loop = asyncio.get_running_loop()
        try:
            while True:
                self._stale.discard(uri)
                doc = self.workspace.text_documents.get(uri)
                if doc is None:
                    return
                try:
                    a = await loop.run_in_executor(self._pool, self._analyse, uri, doc.source, doc.version, doc.language_id)
                except Exception as e:  # a bug in the compiler: say so where the author looks
                    self.report_server_error(e, None)
                    failed = lsp.Diagnostic(
                        lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                        f"maestro lsp could not check this file ({type(e).__name__}: {e}); this is a bug, the editor's log has the details",
                        severity=lsp.DiagnosticSeverity.Error,
                        source="maestro",
                    )
                    self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, [failed], doc.version))
                    return
                if uri not in self.workspace.text_documents:
                    return  # closed while being checked
                self.analyses[uri] = a
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, lsp_diagnostics(a), a.version))
                if uri not in self._stale:
                    return
        finally:
            self._checking.discard(uri)

    def var_paths(self) -> list[str]:
        """The files param values are read from (--var-file, --var NAME=@FILE)."""
        return [str(p.resolve()) for p in value_files(self.var_args, self.var_files)]

    async def watch_var_files(self) -> None:
        """Ask the editor to tell us when a var file changes (its values and
        its problems show in every spec), where the editor can."""
        caps = self.client_capabilities.workspace
        watched = caps and caps.did_change_watched_files
        paths = self.var_paths()
        if not paths or not (watched and watched.dynamic_registration):
            return
        options = lsp.DidChangeWatchedFilesRegistrationOptions([lsp.FileSystemWatcher(glob_pattern=p) for p in paths])
        registration = lsp.Registration("maestro-var-files", lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, options)
        try:
            await self.client_register_capability_async(lsp.RegistrationParams([registration]))
        except Exception as e:  # the editor said no: values are still re-read on every change
            log.info("var files not watched: %s", e)

    async def refresh_all(self) -> None:
        await asyncio.gather(*(self.refresh(uri) for uri in list(self.workspace.text_documents)))

    def close(self, uri: str) -> None:
        self.analyses.pop(uri, None)
        self._stale.discard(uri)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))


def _offset(a: Analysis, pos: lsp.Position) -> int:
    return a.text.offset(pos)


def _syntax_summary(diagnostics) -> str:
    shown = [f"{d.span.line}:{d.span.column} {d.code} {d.message}" if d.span else f"{d.code} {d.message}" for d in diagnostics if d.is_error]
    return "; ".join(shown[:3])


def build_server(var_args=(), var_files=(), ppid: int | None = None) -> MaestroServer:
    server = MaestroServer(var_args, var_files, ppid)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: MaestroServer, params: lsp.InitializeParams):
        ls.watch_parent(params.process_id, only_if_alive=True)
        # An editor may give param values too: {"vars": ["NAME=VALUE"], "varFiles": ["vars.json"]},
        # added to the command line's.
        options = params.initialization_options
        if isinstance(options, dict) and (options.get("vars") or options.get("varFiles")):
            try:
                var_args = parse_var_args(str(v) for v in options.get("vars") or ())  # a malformed one is said once, here
                var_files = tuple(str(f) for f in options.get("varFiles") or ())
            except (VarUsageError, TypeError) as e:
                ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error, f"maestro lsp: initializationOptions ignored: {e}"))
            else:
                ls.var_args += var_args
                ls.var_files += var_files

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: MaestroServer, params: lsp.InitializedParams):
        await ls.watch_var_files()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def var_file_changed(ls: MaestroServer, params: lsp.DidChangeWatchedFilesParams):
        await ls.refresh_all()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: MaestroServer, params: lsp.DidOpenTextDocumentParams):
        await ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: MaestroServer, params: lsp.DidChangeTextDocumentParams):
        await ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: MaestroServer, params: lsp.DidSaveTextDocumentParams):
        await ls.refresh(params.text_document.uri)  # var files may have changed

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MaestroServer, params: lsp.DidCloseTextDocumentParams):
        ls.close(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["{", ","]))
    def complete(ls: MaestroServer, params: lsp.CompletionParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)
        if is_json(doc.uri, doc.language_id):
            return None
        units = ls.units()
        text = Text(doc.source, units) if units else Text(doc.source)
        known = ls.analyses.get(doc.uri)
        params_known = known.params if known is not None and known.spec is not None else None
        items = completion.complete(text, text.offset(params.position), params_known)
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: MaestroServer, params: lsp.HoverParams):
        a = await ls.current(params.text_document.uri)
        return hover.hover(a, _offset(a, params.position))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    async def on_definition(ls: MaestroServer, params: lsp.DefinitionParams):
        a = await ls.current(params.text_document.uri)
        return navigation.definition(a, _offset(a, params.position))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    async def on_references(ls: MaestroServer, params: lsp.ReferenceParams):
        a = await ls.current(params.text_document.uri)
        return navigation.references(a, _offset(a, params.position), params.context.include_declaration)

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    async def on_prepare_rename(ls: MaestroServer, params: lsp.PrepareRenameParams):
        a = await ls.current(params.text_document.uri)
        return navigation.prepare_rename(a, _offset(a, params.position))

    @server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))
    async def on_rename(ls: MaestroServer, params: lsp.RenameParams):
        a = await ls.current(params.text_document.uri)
        try:
            return navigation.rename(a, _offset(a, params.position), params.new_name)
        except navigation.RenameError as e:
            raise JsonRpcInvalidParams(str(e)) from None

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def on_symbols(ls: MaestroServer, params: lsp.DocumentSymbolParams):
        return navigation.symbols(await ls.current(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    async def on_code_action(ls: MaestroServer, params: lsp.CodeActionParams):
        a = await ls.current(params.text_document.uri)
        return fixes.code_actions(a, _offset(a, params.range.start), _offset(a, params.range.end))

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    async def on_formatting(ls: MaestroServer, params: lsp.DocumentFormattingParams):
        a = await ls.current(params.text_document.uri)
        if a.json:
            return None  # JSON bodies are the JSON formatter's (format-on-save stays quiet)
        try:
            result = format_text(a.text.text)
        except FormatError as e:
            raise RequestFailed(f"not formatted: {e}") from None
        if result.text is None:
            raise RequestFailed("not formatted: fix the syntax errors first: " + _syntax_summary(result.diagnostics))
        if not result.changed:
            return []
        return [lsp.TextEdit(a.text.range(0, len(a.text.text)), result.text)]

    return server
