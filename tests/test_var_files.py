"""A --var file that cannot be read is one finding, not two."""

from __future__ import annotations

from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.compiler.params import load_vars
from maestro_spec.varargs import parse_var_args


def test_an_unreadable_var_file_is_reported_once(tmp_path):
    vars = load_vars(parse_var_args([f"document=@{tmp_path / 'missing.txt'}"]))
    compiled = compile_text('param document\ninput "{{document}}"\n', vars)
    assert [d.code for d in compiled.diagnostics] == ["E107"]
    assert not compiled.ok
