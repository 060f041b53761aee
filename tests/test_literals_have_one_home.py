"""Diagnostic codes, API enum values and statement keywords, each written once.

A code is a named constant of compiler/codes.py; an API enum value is read
from compiler/limits.py; a statement keyword is ast.KEYWORDS's, and the
grammar, which must spell the keywords, is tested to agree. The scans read
every .py file of maestro_spec/ with `tokenize`, so comments and docstrings
may name a code or a value, but no string token may be one.
"""

from __future__ import annotations

import ast as pyast
import io
import re
import sys
import tokenize
from pathlib import Path

import pytest

from maestro_spec.compiler import ast, codes
from maestro_spec.compiler import limits as L
from maestro_spec.compiler.parse import STATEMENT_KEYWORDS
from maestro_spec.compiler.sources import compile_path
from maestro_spec.grammar import get_parser
from maestro_spec.lsp import catalog

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "maestro_spec"
CODES_HOME = "maestro_spec/compiler/codes.py"
LIMITS_HOME = "maestro_spec/compiler/limits.py"
CODE_RE = re.compile(r"^[EW]\d{3}$")

# The API's enums in limits.py: every value here is read from there, never
# spelled elsewhere. Every tuple of strings limits.py defines is either here
# or in NOT_ENUMS (test_every_string_tuple_of_limits_is_classified).
API_ENUMS = {
    "ROLES": L.ROLES,
    "BUDGETS": L.BUDGETS,
    "INCLUDE_FIELDS": L.INCLUDE_FIELDS,
    "LANGUAGES": L.LANGUAGES,
    "FIRST_PARTY_MODELS": L.FIRST_PARTY_MODELS,
    "AI21_MANAGED_MODELS": L.AI21_MANAGED_MODELS,
    "KNOWN_MODELS": L.KNOWN_MODELS,
    "LEGACY_MODELS": L.LEGACY_MODELS,
    "LABELS_FILTER_MODES": L.LABELS_FILTER_MODES,
    "RETRIEVAL_STRATEGIES": L.RETRIEVAL_STRATEGIES,
    "VARIANTS": L.VARIANTS,
    "TOOL_TYPES": L.TOOL_TYPES,
    "SEARCH_TOOLS": L.SEARCH_TOOLS,
    "RUN_STATUSES": L.RUN_STATUSES,
    "TOOL_CALL_STATUSES": L.TOOL_CALL_STATUSES,
    "TOOL_CALL_TYPES": L.TOOL_CALL_TYPES,
}
NOT_ENUMS = {
    "PARAMETER_TYPES": "JSON Schema's type names, which every schema builder writes",
    "JSON_SCHEMA_TYPES": "the same, with null",
    "REQUIREMENT_FIELDS": "field names of a requirement, not values",
    "REQUEST_ORDER": "field names of the request, not values",
    "URL_PREFIX_FORMS": "examples of the URL-prefix forms, for messages",
    "TERMINAL_STATUSES": "a subset of RUN_STATUSES",
}
ENUM_VALUES = {v for values in API_ENUMS.values() for v in values} | {
    v for t in L.TOOLS.values() for _, f in t.leaves() if isinstance(f.kind, L.Enum) for v in f.kind.choices
}

# (file, value): a common word that means something else there.
ALLOWED = {
    ("maestro_spec/cli.py", L.HTTP): "an export format (compiler/exports.py), not a tool type",
    ("maestro_spec/compiler/exports.py", L.HTTP): "the export format's own name (EXPORT_FORMATS), not a tool type",
    ("maestro_spec/compiler/field_rules.py", L.HTTP): "a URL scheme, not a tool type",
    ("maestro_spec/transport.py", L.HTTP): "a URL scheme, not a tool type",
    ("maestro_spec/server/calltools.py", L.HTTP): "a URL scheme, not a tool type",
    ("maestro_spec/server/faults.py", L.HTTP): "an ASGI scope type, not a tool type",
    ("maestro_spec/commands/authoring.py", "main"): "the default example's name, not a request variant",
    ("maestro_spec/compiler/request_model.py", "default"): "JSON Schema's default keyword, not a retrieval strategy",
    ("maestro_spec/compiler/schema.py", "default"): "JSON Schema's default keyword, not a retrieval strategy",
    ("maestro_spec/server/runs.py", L.INCLUDE_DATA_SOURCES): "the Run's key of that name, beside id and status",
    ("maestro_spec/server/runs.py", L.INCLUDE_REQUIREMENTS_RESULT): "the Run's key of that name, beside id and status",
    ("maestro_spec/runtime/record.py", L.INCLUDE_REQUIREMENTS_RESULT): "reads the Run's key of that name from a record",
    ("maestro_spec/runtime/payload.py", L.INCLUDE_REQUIREMENTS_RESULT): "reads the Run's key of that name from a record",
    ("maestro_spec/runtime/render.py", L.INCLUDE_REQUIREMENTS_RESULT): "reads the Run's key of that name from a record",
}


def string_tokens(source: str):
    """(line, value) of every string literal; an f-string without fields counts as its text."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.STRING:
            text = tok.string
            prefix = text[: len(text) - len(text.lstrip("rRbBuUfF"))]
            if "f" in prefix.lower():
                if "{" in text:
                    continue
                text = prefix.replace("f", "").replace("F", "") + text[len(prefix) :]
            try:
                value = pyast.literal_eval(text)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str):
                yield tok.start[0], value
        elif sys.version_info >= (3, 12) and tok.type == tokenize.FSTRING_START:
            # Python 3.12 splits f-strings: only f"TEXT" as a whole is a literal.
            if tokens[i + 1].type == tokenize.FSTRING_MIDDLE and tokens[i + 2].type == tokenize.FSTRING_END:
                yield tok.start[0], tokens[i + 1].string


def _files():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


FILES = dict(_files())


def code_literals(name: str, source: str) -> list[str]:
    return [f"{name}:{line}: {value!r}" for line, value in string_tokens(source) if CODE_RE.match(value)]


def enum_literals(name: str, source: str) -> list[str]:
    return [f"{name}:{line}: {value!r}" for line, value in string_tokens(source) if value in ENUM_VALUES and (name, value) not in ALLOWED]


# ----------------------------------------------------------------- the scans


def test_the_scans_see_what_they_look_for():
    source = 'x = "E206"\ny = f"W231"\nz = "budget {b}"  # "E101"\n"""E999 in a docstring"""\nw = ("in_progress", f"{x}")\n'
    assert code_literals("m.py", source) == ["m.py:1: 'E206'", "m.py:2: 'W231'"]
    assert enum_literals("m.py", source) == ["m.py:5: 'in_progress'"]
    assert len(FILES) > 50 and CODES_HOME in FILES and LIMITS_HOME in FILES


def test_codes_are_written_only_in_codes_py():
    found = [hit for name, source in FILES.items() if name != CODES_HOME for hit in code_literals(name, source)]
    assert found == [], "name the code: from .codes import ... / codes as C, then C.UNKNOWN_FIELD"


def test_api_enum_values_are_written_only_in_limits_py():
    found = [hit for name, source in FILES.items() if name != LIMITS_HOME for hit in enum_literals(name, source)]
    assert found == [], "read the value from compiler/limits.py (add a named constant there if it has none)"


def test_every_allowance_is_still_used():
    unused = [key for key in ALLOWED if not any(v == key[1] for _, v in string_tokens(FILES[key[0]]))]
    assert unused == []


def test_every_string_tuple_of_limits_is_classified():
    tuples = {
        name
        for name, value in vars(L).items()
        if name.isupper() and isinstance(value, (tuple, frozenset)) and value and all(isinstance(v, str) for v in value)
    }
    assert tuples == set(API_ENUMS) | set(NOT_ENUMS)
    assert all(API_ENUMS[name] == getattr(L, name) for name in API_ENUMS)


# ------------------------------------------------------------ declared codes


def test_each_code_is_declared_once():
    constants = [value for name, value in vars(codes).items() if isinstance(value, codes.Code)]
    # Two constants with one code would collide in ALL: one would vanish from the docs' table.
    assert len(constants) == len(codes.ALL) == len(set(map(str, constants)))
    for code in constants:
        assert CODE_RE.match(code), code
        assert code.severity == ("error" if code.startswith("E") else "warning")
        assert code.summary and codes.ALL[code] is code


def _code_aliases(tree: pyast.Module) -> set[str]:
    """The names a module binds to the codes module (`from . import codes as C`)."""
    names = set()
    for node in pyast.walk(tree):
        if isinstance(node, pyast.ImportFrom) and (node.module or "").split(".")[-1] in ("compiler", ""):
            names |= {a.asname or a.name for a in node.names if a.name == "codes"}
        elif isinstance(node, pyast.Import):
            names |= {a.asname for a in node.names if a.name.endswith("compiler.codes") and a.asname}
    return names


def _code_uses(tree: pyast.Module):
    aliases = _code_aliases(tree)
    for node in pyast.walk(tree):
        if isinstance(node, pyast.Attribute) and isinstance(node.value, pyast.Name) and node.value.id in aliases:
            yield node.lineno, node.attr
        elif isinstance(node, pyast.ImportFrom) and (node.module or "").endswith("codes") and not node.module.endswith("exitcodes"):
            yield from ((node.lineno, a.name) for a in node.names)


def test_every_code_a_module_names_is_declared():
    # A misspelt C.UNKNWON_FIELD in a branch no test reaches would be an
    # AttributeError in front of a user: find it here instead.
    declared = {name for name, value in vars(codes).items() if isinstance(value, codes.Code)} | {"ALL", "Code", "Severity"}
    uses = {name: list(_code_uses(pyast.parse(source))) for name, source in FILES.items()}
    assert sum(map(len, uses.values())) > 100  # the check, the rules, the server and the LSP all name codes
    unknown = [f"{name}:{line}: {attr}" for name, found in uses.items() for line, attr in found if attr not in declared]
    assert unknown == []


def _diagnostic_calls(tree: pyast.Module):
    for node in pyast.walk(tree):
        if not isinstance(node, pyast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, pyast.Name) else func.attr if isinstance(func, pyast.Attribute) else ""
        # The checker's add(code, path, message, ...), not a set's add(item).
        checker_add = called == "add" and len(node.args) >= 3
        if called == "Diagnostic" or checker_add or (called == "replace" and any(k.arg == "code" for k in node.keywords)):
            code = node.args[0] if node.args and called != "replace" else next((k.value for k in node.keywords if k.arg == "code"), None)
            yield node.lineno, called, code


def test_diagnostics_are_made_from_named_codes():
    # Any string, not only an E/W code: "E2O6" or "e206" would be an undeclared code.
    found = []
    for name, source in FILES.items():
        for line, called, code in _diagnostic_calls(pyast.parse(source)):
            if isinstance(code, pyast.Constant) and isinstance(code.value, str):
                found.append(f"{name}:{line}: {called}({code.value!r}, ...)")
            elif isinstance(code, pyast.JoinedStr):
                found.append(f"{name}:{line}: {called}(f-string, ...)")
    assert found == []


def _every_example():
    examples = ROOT / "examples"
    return sorted(str(p) for p in [*examples.glob("*.maestro"), *examples.glob("errors/*")] if p.is_file())


@pytest.mark.parametrize("path", _every_example(), ids=lambda p: Path(p).name)
def test_every_finding_has_a_declared_code(path):
    compiled = compile_path(path, None, require_values=False).compiled
    assert all(d.code in codes.ALL for d in compiled.diagnostics), [d.code for d in compiled.diagnostics]
    if "errors" in path:
        assert compiled.diagnostics  # each error example shows at least one finding


# -------------------------------------------------------- statement keywords


def _grammar_words() -> dict[str, str]:
    """Each grammar rule and terminal that starts with a fixed word -> that word."""
    parser = get_parser()
    fixed = {t.name: t.pattern.value for t in parser.terminals if t.pattern.type == "str"}
    words = {}
    for rule in parser.rules:
        first = rule.expansion[0] if rule.expansion else None
        if first is not None and first.is_term and first.name in fixed:
            words.setdefault(rule.origin.name, set()).add(fixed[first.name])
    return {name: found.pop() for name, found in words.items() if len(found) == 1} | {f"terminal {n}": v for n, v in fixed.items()}


def test_the_grammar_spells_the_statement_keywords_of_ast():
    words = _grammar_words()
    statements = {name.removesuffix("_stmt"): word for name, word in words.items() if name.endswith("_stmt")}
    snake = lambda kind: re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()  # SystemPrompt -> system_prompt
    assert statements == {snake(kind): keyword for kind, keyword in ast.KEYWORDS.items()}
    assert STATEMENT_KEYWORDS == tuple(ast.KEYWORDS.values()) == catalog.KEYWORDS


def test_the_language_servers_modifiers_are_the_grammars():
    words = _grammar_words()
    assert words["terminal MANDATORY"] == catalog.MANDATORY
    assert words["terminal REQUIRED"] == catalog.REQUIRED
    assert words["parameter_row"] == catalog.PARAMETER


def test_the_language_servers_value_lists_belong_to_statements():
    assert set(catalog.VALUES) <= set(STATEMENT_KEYWORDS)
    assert catalog.LISTS <= set(catalog.VALUES)
