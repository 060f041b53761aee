"""docs/language.md's tables are generated from the API table and the codes."""

from __future__ import annotations

from maestro_spec.compiler import doctables
from maestro_spec.compiler import limits as L


def test_the_language_reference_tables_are_current():
    doc = doctables.DOC.read_text(encoding="utf-8")
    assert doctables.render(doc) == doc, "run: python -m maestro_spec.compiler.doctables"


def test_every_tool_field_is_in_the_tools_table():
    table = doctables.tools_table()
    for name, tool in L.TOOLS.items():
        for path, _ in tool.leaves():
            assert f"`{'.'.join(path)}`" in table, (name, path)
