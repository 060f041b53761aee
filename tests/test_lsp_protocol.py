"""`maestro lsp` as an editor sees it: a real server subprocess over stdio,
driven by pygls's LSP client. Every feature of issue 13, and edits whose
diagnostics come and go."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from lsprotocol import types as lsp

from maestro_spec.compiler import limits as L
from maestro_spec.compiler.params import Vars
from maestro_spec.compiler.parse import STATEMENT_KEYWORDS
from maestro_spec.compiler.report import render_json
from maestro_spec.compiler.sources import compile_path
from maestro_spec.lsp import catalog

from .conftest import EXAMPLES, ROOT
from .lsp_client import Client, apply_edits



@pytest.fixture(scope="module")
def client():
    c = Client(cwd=ROOT)
    yield c
    c.stop()


_n = 0


def new_uri(suffix: str = ".maestro") -> str:
    global _n
    _n += 1
    return f"file:///tmp/maestro-lsp-tests/doc{_n}{suffix}"


def R(l1, c1, l2, c2) -> lsp.Range:
    return lsp.Range(lsp.Position(l1, c1), lsp.Position(l2, c2))


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def _check_json(path) -> list[dict]:
    """What `maestro check --output-format json` prints for path."""
    source = compile_path(str(path), Vars(), require_values=False)
    return [json.loads(line) for line in render_json(str(path), source.compiled.diagnostics).splitlines()]


# ------------------------------------------------------------------ basics


def test_initialize_advertises_every_feature(client):
    caps = client.init.capabilities
    assert caps.text_document_sync.change == lsp.TextDocumentSyncKind.Incremental
    assert caps.completion_provider and caps.hover_provider and caps.definition_provider
    assert caps.references_provider and caps.rename_provider
    assert caps.document_symbol_provider and caps.document_formatting_provider
    assert lsp.CodeActionKind.QuickFix in caps.code_action_provider.code_action_kinds
    assert client.init.server_info.name == "maestro-lsp"


@pytest.mark.parametrize("path", sorted((EXAMPLES / "errors").iterdir()), ids=lambda p: p.name)
def test_diagnostics_are_maestro_checks_own(client, path):
    """Same codes, ranges (0-based), severities, hints and related places as `maestro check`."""
    text = path.read_text(encoding="utf-8")
    uri = new_uri(path.suffix)
    got = client.open(uri, text, "json" if path.suffix == ".json" else "maestro")
    expected = _check_json(path)
    assert expected, "the example should have findings"
    assert len(got) == len(expected)
    for d, e in zip(got, expected):
        assert d.code == e["code"]
        assert d.source == "maestro"
        assert d.severity == (lsp.DiagnosticSeverity.Error if e["severity"] == "error" else lsp.DiagnosticSeverity.Warning)
        first, _, hint = d.message.partition("\nhint: ")
        assert first == e["message"] and (hint or None) == e["hint"]
        r = e["range"]
        if r is not None:
            assert d.range == R(r["start"]["line"] - 1, r["start"]["column"] - 1, r["end"]["line"] - 1, r["end"]["column"] - 1)
        related = [x for x in e["related"] if x["range"]]
        assert len(d.related_information or []) == len(related)
        for info, x in zip(d.related_information or [], related):
            assert info.message == x["message"] and info.location.uri == uri
            assert info.location.range.start == lsp.Position(x["range"]["start"]["line"] - 1, x["range"]["start"]["column"] - 1)
    client.close(uri)


def test_edits_make_diagnostics_come_and_go(client):
    uri = new_uri()
    assert client.open(uri, 'input "Write a haiku."\nbudget high\n') == []
    # incremental: high -> hihg
    d = client.change(uri, "hg", R(1, 9, 1, 11))
    assert codes(d) == ["E240"] and d[0].range == R(1, 7, 1, 11)
    d = client.change(uri, "gh", R(1, 9, 1, 11))
    assert d == []
    d = client.change(uri, 'input "Write a haiku about {{topic}}."\nbudget high\n')
    assert codes(d) == ["E103"]
    d = client.change(uri, "param topic\n", R(0, 0, 0, 0))
    assert d == []  # check leaves a param without a value as {{topic}}
    d = client.change(uri, "", R(1, 0, 2, 0))  # the input line goes
    assert codes(d) == ["E201", "W104"]
    d = client.change(uri, 'input "x {{topic}}"\nbudget', R(1, 0, 1, 11))
    assert codes(d) == ["E003"]  # half-typed: a syntax error, not a crash
    d = client.change(uri, 'param topic\ninput "x {{topic}}"\nbudget low\n')
    assert d == []


def test_burst_of_edits_ends_with_the_last_versions_diagnostics(client):
    uri = new_uri()
    client.open(uri, 'input "x"\n')
    for i in range(30):
        client.versions[uri] += 1
        text = 'input "x"\nbudget ' + ("hihg" if i % 2 == 0 else "high") + "\n"
        client.lc.text_document_did_change(
            lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=uri, version=client.versions[uri]), [lsp.TextDocumentContentChangeWholeDocument(text)])
        )
    last = client.wait_diagnostics(uri, 0, client.versions[uri])
    assert last == []  # the 30th text (i=29) says high


def test_var_file_problems_are_shown(tmp_path):
    spec = 'param topic\ninput "About {{topic}}"\n'
    bad = tmp_path / "vars.json"
    bad.write_text("{not json", encoding="utf-8")
    c = Client("--var-file", str(tmp_path / "missing.json"), "--var-file", str(bad), "--var", "other=1")
    try:
        d = c.open(new_uri(), spec)
    finally:
        c.stop()
    assert codes(d) == ["E107", "E107", "W108"]
    assert "missing.json" in d[0].message and d[0].range.start == lsp.Position(0, 0)


def test_a_changed_var_file_rechecks_open_specs(tmp_path):
    vars_file = tmp_path / "vars.json"
    vars_file.write_text("{not json", encoding="utf-8")
    c = Client("--var-file", str(vars_file), watch_files=True)
    try:
        c.wait_for(lambda: c.registrations, "the server registering its var files")
        (registration,) = c.registrations
        assert registration.method == "workspace/didChangeWatchedFiles"
        assert [w["globPattern"] for w in registration.register_options["watchers"]] == [str(vars_file.resolve())]
        uri = new_uri()
        assert codes(c.open(uri, 'param topic\ninput "About {{topic}}"\n')) == ["E107"]
        vars_file.write_text('{"topic": "tides"}', encoding="utf-8")
        count = len(c.diagnostics[uri])
        c.lc.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams([lsp.FileEvent(vars_file.as_uri(), lsp.FileChangeType.Changed)])
        )
        assert c.wait_diagnostics(uri, count, 1) == []
    finally:
        c.stop()


def test_init_options_give_vars(tmp_path):
    (tmp_path / "topic.txt").write_text("tides\n", encoding="utf-8")
    c = Client(init_options={"vars": [f"topic=@{tmp_path / 'nope.txt'}"]})
    try:
        d = c.open(new_uri(), 'param topic\ninput "About {{topic}}"\n')
    finally:
        c.stop()
    assert codes(d) == ["E107"] and "nope.txt" in d[0].message


def test_json_body_is_checked(client):
    uri = new_uri(".json")
    d = client.open(uri, '{"input": "x", "budget": "hihg", "budgett": 1}', "json")
    assert codes(d) == ["E240", "E206"]
    actions = client.code_actions(uri, d[1].range)
    (fix,) = [a for a in actions if a.title == "Change to 'budget'"]
    fixed = apply_edits('{"input": "x", "budget": "hihg", "budgett": 1}', fix.edit.changes[uri])
    assert fixed == '{"input": "x", "budget": "hihg", "budget": 1}'
    d = client.change(uri, '{"input": "x"}')
    assert d == []


def test_utf16_ranges_after_wide_characters(client):
    uri = new_uri()
    d = client.open(uri, 'input "😀 é"  budget hihg\n')
    # the emoji is two UTF-16 code units, so hihg starts at 21, not 20
    assert d[0].range == R(0, 21, 0, 25)


def test_utf32_ranges_when_the_client_counts_characters():
    c = Client(encoding=[lsp.PositionEncodingKind.Utf32])
    try:
        assert c.init.capabilities.position_encoding == lsp.PositionEncodingKind.Utf32
        uri = new_uri()
        d = c.open(uri, 'input "😀 é"  budget hihg\n')
        assert d[0].range == R(0, 20, 0, 24)
        (fix,) = c.code_actions(uri, d[0].range)
        assert fix.edit.changes[uri][0].range == R(0, 20, 0, 24)
        assert '"budget"' in c.hover(uri, 0, 16)
    finally:
        c.stop()


# -------------------------------------------------------------- completion


def labels(items) -> list[str]:
    return [i.label for i in items]


def test_completion_where_a_statement_starts(client):
    uri = new_uri()
    client.open(uri, 'input "x"\nbud')
    items = client.completion(uri, 1, 3)
    assert set(STATEMENT_KEYWORDS) <= set(labels(items))
    budget = next(i for i in items if i.label == "budget")
    assert budget.text_edit.range == R(1, 0, 1, 3) and budget.text_edit.new_text == "budget"
    snippets = {i.label: i for i in items if i.kind == lsp.CompletionItemKind.Snippet}
    assert "requirement" in snippets and all(f"tool {t}" in snippets for t in L.TOOL_TYPES)
    assert snippets["tool web_search"].insert_text_format == lsp.InsertTextFormat.Snippet
    assert "urls" in snippets["tool web_search"].text_edit.new_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("budget ", L.BUDGETS),
        ("language fr", L.LANGUAGES),
        ("include data_sources, ", L.INCLUDE_FIELDS),
        ("tool ", L.TOOL_TYPES),
        ("model ", L.KNOWN_MODELS),
        ('input {\n    user "hi"\n    ', L.ROLES),
        ("tool file_search {\n    ", catalog.TOOL_FIELDS["file_search"]),
        ('tool web_search {\n    urls ["a.com"]\n    ', catalog.TOOL_FIELDS["web_search"]),
        ("tool file_search {\n    retrieval_strategy ", L.RETRIEVAL_STRATEGIES),
        ("tool file_search {\n    labels_filter_mode ", L.LABELS_FILTER_MODES),
        ("tool http fetch {\n    parameter city ", L.PARAMETER_TYPES),
        ('tool http fetch {\n    parameter city string "The city" ', catalog.TOOL_FIELDS["http"] + ("required",)),
        ('requirement "tone" ', ("mandatory",)),
        ('param topic\nparam tone = "dry"\ninput "On {{ ', ("topic", "tone")),
    ],
)
def test_completion_of_values_fields_and_params(client, text, expected):
    uri = new_uri()
    client.open(uri, text)
    last = text.split("\n")
    assert labels(client.completion(uri, len(last) - 1, len(last[-1]))) == list(expected)


def test_no_completion_inside_strings_and_comments(client):
    uri = new_uri()
    client.open(uri, 'input "budget \n# tool ')
    assert client.completion(uri, 0, 14) == []
    assert client.completion(uri, 1, 7) == []


# ------------------------------------------------------------------- hover


def test_hover_on_keywords_values_fields(client):
    uri = new_uri()
    text = 'input "x"\nbudget medium\ntool web_search {\n    urls ["a.com"]\n}\nlanguage french\n'
    client.open(uri, text)
    h = client.hover(uri, 1, 2)
    assert '"budget"' in h and "low | medium | high" in h
    h = client.hover(uri, 1, 9)
    assert '{"budget": "medium"}' in h
    h = client.hover(uri, 2, 8)
    assert '{"tools": [{"type": "web_search"}]}' in h and "urls" in h
    h = client.hover(uri, 3, 5)
    assert '"urls": "..."' in h and "Limit:" in h and "example.com/page" in h
    h = client.hover(uri, 5, 11)
    assert '"response_language": "french"' in h
    assert client.hover(uri, 0, 8) is None  # inside a string: no hover


def test_hover_on_a_requirement_counts_its_words(client):
    uri = new_uri()
    long = " ".join(["word"] * 130)
    client.open(uri, f'input "x"\nrequirement "short" mandatory "three words here"\nrequirement "long" "{long}"\n')
    h = client.hover(uri, 1, 15)
    assert f"3 of {L.MAX_DESCRIPTION_WORDS} words" in h and "mandatory" in h
    h = client.hover(uri, 2, 30)
    assert f"130 of {L.MAX_DESCRIPTION_WORDS} words (over the limit)" in h
    h = client.hover(uri, 1, 3)  # the keyword: the count and the doc
    assert "3 of" in h and f"at most {L.MAX_REQUIREMENTS} requirements" in h


def test_hover_on_a_placeholder_shows_its_param(client):
    uri = new_uri()
    client.open(uri, 'param tone = "dry"\nparam topic\ninput "A {{ tone }} note on {{topic}}"\n')
    assert 'declared on line 1), default: `"dry"`' in client.hover(uri, 2, 13)
    assert "required" in client.hover(uri, 2, 31)


# ------------------------------------------------------------- quick fixes


def _fix(client, uri, text, rng, title_part):
    actions = client.code_actions(uri, rng)
    chosen = [a for a in actions if title_part in a.title]
    assert chosen, f"no action with {title_part!r} in {[a.title for a in actions]}"
    return apply_edits(text, chosen[0].edit.changes[uri])


@pytest.mark.parametrize(
    "text, rng, title, fixed",
    [
        ("budjet high\ninput \"x\"\n", R(0, 0, 0, 6), "'budget'", "budget high\ninput \"x\"\n"),
        ('input "x"\nbudget hihg\n', R(1, 8, 1, 8), "'high'", 'input "x"\nbudget high\n'),
        ('input "x"\ninclude data_sorces\n', R(1, 9, 1, 9), "'data_sources'", 'input "x"\ninclude data_sources\n'),
        ('input "x"\ntool web_serch\n', R(1, 6, 1, 6), "'web_search'", 'input "x"\ntool web_search\n'),
        ('input "x"\ntool web_search { urlz ["a.com"] }\n', R(1, 19, 1, 19), "'urls'", 'input "x"\ntool web_search { urls ["a.com"] }\n'),
        ('input "x"\ntool web_search { urls "a.com" }\n', R(1, 20, 1, 20), "list", 'input "x"\ntool web_search { urls ["a.com"] }\n'),
        ('input "x"\ntool file_search { retrieval_strategy segmnts }\n', R(1, 20, 1, 20), "'segments'", 'input "x"\ntool file_search { retrieval_strategy segments }\n'),
        ('input "x"\ntool http f {\n    description "d"\n    url "http://api.example.com/f"\n}\n', R(3, 10, 3, 10), "https", 'input "x"\ntool http f {\n    description "d"\n    url "https://api.example.com/f"\n}\n'),
        ('input "x"\nlanguage French\n', R(1, 10, 1, 10), "'french'", 'input "x"\nlanguage french\n'),
        ('input {\n    usr "hi"\n}\n', R(1, 5, 1, 5), "'user'", 'input {\n    user "hi"\n}\n'),
        ('param a\nparam a\ninput "{{a}}"\n', R(1, 2, 1, 2), "Remove this repeated", 'param a\ninput "{{a}}"\n'),
        ('input "x"\nmodel jamba-larg\n', R(1, 7, 1, 7), "'jamba-large'", 'input "x"\nmodel jamba-large\n'),
        ('input "x"\nmodel jamba-larg\n', R(1, 7, 1, 7), "Quote", 'input "x"\nmodel "jamba-larg"\n'),
        ('input "x"\nmodel "jamba-larg"\n', R(1, 7, 1, 7), "'jamba-large'", 'input "x"\nmodel "jamba-large"\n'),
        ('param tone\ninput "x {{tonn}}"\n', R(1, 10, 1, 10), "'tone'", 'param tone\ninput "x {{tone}}"\n'),
        ('input "x {{tone}}"\n', R(0, 10, 0, 10), "Declare", 'param tone\ninput "x {{tone}}"\n'),
        ('input "x"\ntool web_search { urls ["a.com" "b.com"] }\n', R(1, 33, 1, 33), "','", 'input "x"\ntool web_search { urls ["a.com", "b.com"] }\n'),
        ('input "x"\ninclude data_sources,\nbudget low\n', R(1, 20, 1, 21), "trailing", 'input "x"\ninclude data_sources\nbudget low\n'),
        ('input "x\n', R(0, 6, 0, 6), "Close", 'input "x"\n'),
        ('input "x"\nbudget low\nbudget high\n', R(2, 0, 2, 0), "Remove this repeated", 'input "x"\nbudget low\n'),
        ('param a\ninput "x"\n', R(0, 6, 0, 6), "Remove the unused", 'input "x"\n'),
    ],
)
def test_quick_fixes(client, text, rng, title, fixed):
    uri = new_uri()
    before = client.open(uri, text)
    assert before, "the text should have a finding to fix"
    after = _fix(client, uri, text, rng, title)
    assert after == fixed
    remaining = client.change(uri, after)
    assert not set(codes(remaining)) & set(codes(before)) or len(remaining) < len(before)


def test_an_old_shape_json_body_is_rewritten_in_todays(client):
    uri = new_uri(".json")
    old = '{"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": ["a.com"]}}}'
    d = client.open(uri, old, "json")
    w225 = next(x for x in d if x.code == "W225")
    (fix,) = [a for a in client.code_actions(uri, w225.range) if "today's shape" in a.title]
    new = apply_edits(old, fix.edit.changes[uri])
    assert json.loads(new) == {"input": "x", "tools": [{"type": "web_search", "urls": ["a.com"]}]}
    assert client.change(uri, new) == []


def test_a_fix_names_the_diagnostic_it_fixes(client):
    uri = new_uri()
    (d,) = client.open(uri, 'input "x"\nbudget hihg\n')
    (action,) = client.code_actions(uri, d.range)
    assert action.kind == lsp.CodeActionKind.QuickFix and action.is_preferred
    assert action.diagnostics[0].code == "E240" and action.diagnostics[0].range == d.range


# -------------------------------------------------------------- formatting


def test_formatting_gives_maestro_fmts_text(client):
    uri = new_uri()
    text = 'input   "x"   budget high\n\n\n\nparam  a = "b"  # note\n'
    client.open(uri, text)
    edits = client.formatting(uri)
    from maestro_spec.compiler.fmt import format_text

    assert apply_edits(text, edits) == format_text(text).text
    client.change(uri, format_text(text).text)
    assert not client.formatting(uri)


def test_formatting_refuses_with_syntax_errors(client):
    uri = new_uri()
    client.open(uri, 'input "x"\nbudjet high\n')
    with pytest.raises(Exception) as e:
        client.formatting(uri)
    assert "fix the syntax errors first" in str(e.value) and "E001" in str(e.value)


# -------------------------------------------------- params: navigation, rename

PARAMS = 'param tone = "dry"\nparam topic\ninput "A {{ tone }} note on {{topic}}, {{tone}} again"\n'


def test_definition_and_references(client):
    uri = new_uri()
    client.open(uri, PARAMS)
    loc = client.call("text_document_definition_async", lsp.DefinitionParams(client.doc(uri), lsp.Position(2, 13)))
    assert loc.range == R(0, 6, 0, 10)
    refs = client.call("text_document_references_async", lsp.ReferenceParams(lsp.ReferenceContext(True), client.doc(uri), lsp.Position(0, 7)))
    assert sorted((r.range.start.line, r.range.start.character) for r in refs) == [(0, 6), (2, 12), (2, 41)]
    refs = client.call("text_document_references_async", lsp.ReferenceParams(lsp.ReferenceContext(False), client.doc(uri), lsp.Position(0, 7)))
    assert len(refs) == 2


def test_rename_a_param_and_its_placeholders(client):
    uri = new_uri()
    client.open(uri, PARAMS)
    rng = client.call("text_document_prepare_rename_async", lsp.PrepareRenameParams(client.doc(uri), lsp.Position(2, 31)))
    assert rng == R(2, 30, 2, 35)
    edit = client.call("text_document_rename_async", lsp.RenameParams(client.doc(uri), lsp.Position(2, 13), "voice"))
    renamed = apply_edits(PARAMS, edit.changes[uri])
    assert renamed == 'param voice = "dry"\nparam topic\ninput "A {{ voice }} note on {{topic}}, {{voice}} again"\n'
    assert client.change(uri, renamed) == []
    with pytest.raises(Exception, match="already declared"):
        client.call("text_document_rename_async", lsp.RenameParams(client.doc(uri), lsp.Position(0, 7), "topic"))
    with pytest.raises(Exception, match="not a param name"):
        client.call("text_document_rename_async", lsp.RenameParams(client.doc(uri), lsp.Position(0, 7), "two words"))
    assert client.call("text_document_prepare_rename_async", lsp.PrepareRenameParams(client.doc(uri), lsp.Position(2, 2))) is None


def test_hover_on_an_env_placeholder_never_shows_its_value(client, monkeypatch):
    uri = new_uri()
    text = 'input "x"\ntool mcp github {\n    url "https://mcp.example.com/"\n    headers { Authorization "Bearer {{env.HOME}}" }\n}\n'
    client.open(uri, text)
    h = client.hover(uri, 3, 40)
    import os

    assert "environment variable `HOME`" in h and os.environ["HOME"] not in h


def test_new_tool_kinds_in_the_outline(client):
    uri = new_uri()
    client.open(uri, (EXAMPLES / "weather-http.maestro").read_text(encoding="utf-8"))
    symbols = client.call("text_document_document_symbol_async", lsp.DocumentSymbolParams(client.doc(uri)))
    assert "http get_forecast" in [s.name for s in symbols]
    h = client.hover(uri, 8, 6)  # description
    assert "What the function does" in h and "required" in h


def test_document_symbols(client):
    uri = new_uri()
    client.open(uri, (EXAMPLES / "web-research.maestro").read_text(encoding="utf-8") + 'param p = "x"\n')
    symbols = client.call("text_document_document_symbol_async", lsp.DocumentSymbolParams(client.doc(uri)))
    names = [s.name for s in symbols]
    assert names == ["input", "web_search", "budget medium", "include data_sources", "p"]
    tool = symbols[1]
    assert tool.kind == lsp.SymbolKind.Module and [c.name for c in tool.children] == ["urls"]
    assert tool.selection_range == R(8, 5, 8, 15)


# ------------------------------------------------------------- robustness


def test_a_failing_handler_answers_with_an_error_and_the_server_lives_on(client):
    # A request for a document the editor never opened and that does not
    # exist on disk: reading it fails inside the handler.
    with pytest.raises(Exception):
        client.hover("file:///nonexistent/dir/never-opened.maestro", 0, 0)
    client.wait_for(lambda: any("error in a request handler" in m and "FileNotFoundError" in m and "on_hover" in m for m in client.logs), "the error in the client's log")
    uri = new_uri()
    assert codes(client.open(uri, 'budget hihg\ninput "x"\n')) == ["E240"]


def test_garbage_and_huge_documents_stay_responsive(client):
    import time

    garbage = "".join(chr(c % 0x250 + 32) for c in range(200_000)) + '"""' + "{" * 5000
    d = client.open(new_uri(), garbage)
    assert codes(d) and codes(d)[0] in ("E001", "E002", "E003")
    huge = new_uri()
    big = 'input "x"\n' + "".join(f"param p{i}\n" for i in range(12_000)) + "budget hihg\n"
    client.lc.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(huge, "maestro", 1, big)))
    # while the huge one is checked, another document is answered
    uri = new_uri()
    client.open(uri, 'input "x"\n')
    start = time.perf_counter()
    assert client.completion(uri, 1, 0)
    assert "JSON" in client.hover(uri, 0, 2)
    assert time.perf_counter() - start < 2.0
    d = client.wait_diagnostics(huge, 0, 1)
    assert len(d) == 1001 and "more problems" in d[-1].message  # capped, and says so
    assert codes(d)[0] == "E240"  # the one error is not hidden behind 12,000 warnings


def test_shutdown_and_exit_end_the_process():
    c = Client()
    assert c.shutdown() == 0


def test_stdin_closing_ends_the_process():
    proc = subprocess.Popen([sys.executable, "-m", "maestro_spec.cli", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.close()
    assert proc.wait(timeout=15) is not None


def test_the_server_exits_when_its_editor_dies():
    editor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server = subprocess.Popen(
        [sys.executable, "-m", "maestro_spec.cli", "lsp", "--ppid", str(editor.pid)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            server.wait(timeout=2)  # alive while the editor is
        editor.kill()
        editor.wait(timeout=5)
        assert server.wait(timeout=15) == 0
    finally:
        for p in (server, editor):
            if p.poll() is None:
                p.kill()
        server.stdin.close()


def test_the_server_exits_when_the_editor_named_in_initialize_dies():
    editor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    c = Client(process_id=editor.pid)
    try:
        assert c.open(new_uri(), 'input "x"\n') == []
        editor.kill()
        editor.wait(timeout=5)
        c.run(asyncio.wait_for(c.process.wait(), 15), 16)
        assert c.process.returncode == 0
    finally:
        if editor.poll() is None:
            editor.kill()
        c.stop()


def test_the_log_never_holds_document_text():
    """Even at --log-level info, where pygls logs what it sends (a formatting
    edit holds the whole document, a literal header value with it)."""
    c = Client("--log-level", "info")
    uri = new_uri()
    spec = 'input "x"\ntool mcp gh {\n  url "https://mcp.example.com/"\n  headers { Authorization "Bearer sk-LITERAL-123" }\n}\n'
    try:
        c.open(uri, spec)
        assert c.formatting(uri) is not None
        c.run(c.lc.shutdown_async(None))
        c.lc.exit(None)
        err = c.run(c.process.stderr.read()).decode()  # to EOF: the server has exited
    finally:
        c.stop()
    assert "Sending data" in err  # the info log is there...
    assert "sk-LITERAL-123" not in err and "Authorization" not in err  # ...without the text


def test_bad_var_is_a_usage_error():
    out = subprocess.run([sys.executable, "-m", "maestro_spec.cli", "lsp", "--var", "novalue"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert out.returncode == 2 and "NAME=VALUE" in out.stderr and "Traceback" not in out.stderr
