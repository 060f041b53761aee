"""maestro decompile: any valid request body becomes a spec that compiles back
to the same body; an invalid body gets `maestro check`'s diagnostics."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maestro_spec.cli import main
from maestro_spec.compiler import limits as L
from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.compiler.decompile import canonical, decompile
from maestro_spec.compiler.diagnostics import count_errors
from maestro_spec.compiler.fmt import format_text
from maestro_spec.compiler.rules import check_request

from .conftest import EXAMPLES

from .bodies import valid_bodies


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies())
def test_compile_of_decompile_gives_the_body_back(body):
    assert count_errors(check_request(body)) == 0, "the strategy must make valid bodies"
    spec = decompile(body)
    compiled = compile_text(spec, env={})
    assert compiled.request == body
    assert count_errors(compiled.diagnostics) == 0
    assert format_text(spec).text == spec, "decompile's output is already formatted"


@settings(max_examples=100, deadline=None)
@given(valid_bodies(), st.data())
def test_nulls_and_defaults_decompile_to_the_canonical_body(body, data):
    noisy = dict(body)
    for key in L.REQUEST_ORDER:
        if key not in noisy and L.REQUEST_FIELD[key].documented and key != "budget" and data.draw(st.booleans()):
            noisy[key] = None
    if "requirements" in noisy and noisy["requirements"]:
        noisy["requirements"] = [{"is_mandatory": False, **r} for r in noisy["requirements"]]
    if "tools" not in noisy or noisy["tools"] is None:
        noisy["tools"] = []
    assert count_errors(check_request(noisy)) == 0
    assert canonical(noisy) == body
    assert compile_text(decompile(noisy)).request == body


@settings(max_examples=100, deadline=None)
@given(valid_bodies())
def test_legacy_tool_resources_decompile_to_todays_shape(body):
    """A body in the old shape (settings in tool_resources) comes back with
    each setting inside its tools[] item."""
    legacy = dict(body)
    resources = {}
    items = []
    for t in body.get("tools", ()):
        moved = {k: t[k] for k in L.TOOL_RESOURCE_FIELDS.get(t["type"], ()) if k in t}
        if moved and t["type"] not in resources:
            resources[t["type"]] = moved
            t = {k: v for k, v in t.items() if k not in moved}
        items.append(t)
    if resources:
        legacy["tools"], legacy["tool_resources"] = items, resources
    assert count_errors(check_request(legacy)) == 0
    assert compile_text(decompile(legacy)).request == canonical(body) == body


# ------------------------------------------------------------- idiomatic output


def test_the_reference_example_decompiles_as_a_person_writes_it():
    body = {
        "input": "Extract vendor name, invoice number, total amount, and due date",
        "requirements": [
            {"name": "field presence validation", "description": "Ensure all required fields are extracted and not left empty", "is_mandatory": True},
            {"name": "format consistency", "description": "Dates must follow YYYY-MM-DD and amounts should be in USD format."},
        ],
        "include": ["requirements_result"],
    }
    assert decompile(body) == (
        'input "Extract vendor name, invoice number, total amount, and due date"\n'
        "\n"
        'requirement "field presence validation" mandatory\n'
        '    "Ensure all required fields are extracted and not left empty"\n'
        "\n"
        'requirement "format consistency"\n'
        '    "Dates must follow YYYY-MM-DD and amounts should be in USD format."\n'
        "\n"
        "include requirements_result\n"
    )


def test_multi_line_text_becomes_a_triple_quoted_string():
    body = {"input": 'Summarise this:\n\n  - keep "quotes"\n  - and {{braces}}', "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": ["example.com"]}}, "models": ["my-byok-id"], "budget": "medium"}
    assert decompile(body) == (
        'input """\n'
        "    Summarise this:\n"
        "\n"
        '      - keep "quotes"\n'
        "      - and {\\u007bbraces}}\n"
        '    """\n'
        "\n"
        "tool web_search {\n"
        '    urls ["example.com"]\n'
        "}\n"
        "\n"
        'model "my-byok-id"\n'
        "budget medium\n"
    )


def test_messages_become_an_aligned_block():
    body = {"input": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Capital of France?"}]}
    assert decompile(body) == 'input {\n    user      "Hi"\n    assistant "Hello"\n    user      "Capital of France?"\n}\n'


def test_text_triple_quotes_cannot_say_exactly_stays_on_one_line():
    # Every line indented: dedenting would eat the indentation.
    body = {"input": "  a\n  b"}
    assert decompile(body) == 'input "  a\\n  b"\n'


@pytest.mark.parametrize("spec", sorted(EXAMPLES.glob("*.maestro")), ids=lambda p: p.stem)
def test_every_example_round_trips_through_json(spec):
    body = compile_text(spec.read_text(encoding="utf-8"), require_values=False).request
    assert compile_text(decompile(body), require_values=False).request == body


# ------------------------------------------------------------------------ CLI


def test_cli_writes_the_spec(tmp_path):
    src = tmp_path / "body.json"
    src.write_text(json.dumps({"input": "Hi", "budget": "high"}))
    out = tmp_path / "out.maestro"
    result = CliRunner().invoke(main, ["decompile", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == 'input "Hi"\n\nbudget high\n'
    shown = CliRunner().invoke(main, ["decompile", str(src)])
    assert shown.stdout == out.read_text()


def test_cli_reads_stdin():
    result = CliRunner().invoke(main, ["decompile", "-"], input='{"input": "Hi"}')
    assert result.exit_code == 0 and result.stdout == 'input "Hi"\n'


def test_cli_shows_the_same_diagnostics_as_check_for_an_invalid_body(tmp_path):
    path = EXAMPLES / "errors" / "invalid-body.json"
    if not path.exists():
        path = tmp_path / "invalid-body.json"
        path.write_text('{"input": "", "budget": "max"}')
    runner = CliRunner()
    decompiled = runner.invoke(main, ["decompile", str(path)])
    checked = runner.invoke(main, ["check", str(path)])
    assert decompiled.exit_code == checked.exit_code == 1
    assert decompiled.stdout == ""
    diagnostics = checked.stderr.rsplit("\n", 2)[0]  # less check's summary line
    assert diagnostics and decompiled.stderr.startswith(diagnostics)


def test_cli_broken_json_is_a_diagnostic_not_a_traceback(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"input": "Hi",}')
    result = CliRunner().invoke(main, ["decompile", str(path)])
    assert result.exit_code == 1 and "error[E005]: invalid JSON" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_body_with_undocumented_fields_is_refused_in_one_line(tmp_path):
    path = tmp_path / "body.json"
    path.write_text('{"input": "x", "verbose": true}', encoding="utf-8")
    result = CliRunner().invoke(main, ["decompile", str(path)])
    assert result.exit_code == 1
    assert "cannot be written as a spec: verbose: only in AI21's OpenAPI document" in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr


def test_a_body_nested_deeper_than_a_spec_may_is_refused_not_crashed():
    from maestro_spec.compiler.decompile import NoSpecForm
    from maestro_spec.compiler.parse import MAX_NESTING

    def body(n):
        value = 1
        for _ in range(n):  # built in a loop: json.loads itself recurses
            value = {"a": value}
        return {"input": "x", "output_type": value}

    assert "output_type" in decompile(body(MAX_NESTING))
    for n in (MAX_NESTING + 1, 5_000):
        with pytest.raises(NoSpecForm, match=f"nested more than {MAX_NESTING} deep"):
            decompile(body(n))


def test_a_string_escapes_exactly_the_characters_it_cannot_hold():
    # The rule the one-regex escape stands for: backslash, the short escapes,
    # Unicode categories Cc, Zl and Zp as \uXXXX; quotes and line breaks only
    # on one line. Checked on every code point up to U+3000 and a sample above.
    import random
    import unicodedata

    from maestro_spec.compiler.decompile import _SHORT_ESCAPES, _escape

    def expected(ch, triple):
        if ch == "\n" and triple:
            return ch
        if ch == '"' and not triple:
            return '\\"'
        if ch in _SHORT_ESCAPES:
            return _SHORT_ESCAPES[ch]
        return f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch

    points = list(range(0x3000)) + random.Random(0).sample(range(0x3000, 0x110000), 20_000)
    for cp in points:
        for triple in (False, True):
            assert _escape(chr(cp), triple=triple) == expected(chr(cp), triple), (hex(cp), triple)


def test_text_that_reads_as_a_placeholder_is_hidden_in_one_pass():
    from maestro_spec.compiler.decompile import _hide_placeholders

    assert _hide_placeholders("{{a}} and {{{ b }}} and {{") == "{\\u007ba}} and {{\\u007b b }}} and {{"
    assert _hide_placeholders("x" * 10 + "{{p}}" * 20_000).count("{\\u007bp}}") == 20_000
