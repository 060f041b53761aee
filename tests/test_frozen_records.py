"""Frozen records (compiler/frozen.py) behave as the frozen, slotted
dataclasses they replaced: the same repr, equality, hash, defaults,
argument errors, immutability, pickling and pattern matching."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from maestro_spec.compiler import ast, diagnostics, limits
from maestro_spec.compiler.frozen import Frozen, FrozenError, fields, replace

RECORD_CLASSES = [
    c
    for module in (ast, diagnostics, limits)
    for c in vars(module).values()
    if isinstance(c, type) and issubclass(c, Frozen) and c is not Frozen and c.__module__ == module.__name__
]


def _twin(cls):
    """The frozen, slotted dataclass the record class used to be."""
    ns = {"__annotations__": {n: object for n in fields(cls)}, "__qualname__": cls.__qualname__}
    ns.update(cls._defaults)
    return dataclasses.dataclass(frozen=True, slots=True)(type(cls.__name__, (), ns))


def test_every_compile_path_record_is_frozen():
    names = {c.__name__ for c in RECORD_CLASSES}
    assert {"Span", "Diagnostic", "Str", "Tool", "Spec", "Field", "ToolType"} <= names
    assert len(RECORD_CLASSES) >= 35


@pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: f"{c.__module__.rsplit('.', 1)[1]}.{c.__name__}")
def test_a_record_behaves_as_its_dataclass_twin(cls):
    twin = _twin(cls)
    values = [(i, f"v{i}") for i, _ in enumerate(fields(cls))]
    a, b, t = cls(*values), cls(*values), twin(*values)
    assert repr(a) == repr(t)
    assert a == b and hash(a) == hash(b) == hash(t)
    assert a.__match_args__ == t.__match_args__ == fields(cls)
    if fields(cls):
        other = cls(*values[:-1], "different")
        assert a != other and (other != a)
        with pytest.raises(FrozenError):
            setattr(a, fields(cls)[0], 1)
        with pytest.raises(dataclasses.FrozenInstanceError):  # the twin refuses alike
            setattr(t, fields(cls)[0], 1)
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a and copy.copy(a) == a
    # Defaults fill in as the dataclass's do.
    required = [n for n in fields(cls) if n not in cls._defaults]
    assert repr(cls(*values[: len(required)])) == repr(twin(*values[: len(required)]))


class Pos(Frozen):
    line: int
    column: int = 1


def test_arguments_are_checked_as_a_dataclass_checks_them():
    assert Pos(3) == Pos(line=3) == Pos(3, 1) == Pos(column=1, line=3)
    with pytest.raises(TypeError, match="missing required argument 'line'"):
        Pos()
    with pytest.raises(TypeError, match="takes 2 arguments but 3"):
        Pos(1, 2, 3)
    with pytest.raises(TypeError, match="multiple values for argument 'line'"):
        Pos(1, line=2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'row'"):
        Pos(1, row=2)


def test_a_record_has_no_dict_and_refuses_new_attributes():
    p = Pos(1)
    with pytest.raises(AttributeError):
        p.extra = 1  # no __dict__: slots only
    with pytest.raises(FrozenError):
        del p.line
    assert not hasattr(p, "__dict__")


def test_replace_changes_named_fields_only():
    assert replace(Pos(1, 2), column=5) == Pos(1, 5)
    with pytest.raises(TypeError, match="no field 'row'"):
        replace(Pos(1), row=2)


def test_records_of_different_classes_never_compare_equal():
    # A tuple-based record (NamedTuple) would make these equal.
    span = diagnostics.Span(1, 1, 1, 2)
    assert ast.Name("x", span) != ast.Budget(ast.Name("x", span), span)
    assert ast.Name("x", span) != ("x", span)


def test_pattern_matching_uses_the_field_order():
    match Pos(4, 9):
        case Pos(line, column):
            assert (line, column) == (4, 9)


def test_a_field_without_a_default_after_one_with_is_refused():
    with pytest.raises(TypeError, match="without a default follows"):

        class Bad(Frozen):
            a: int = 0
            b: int


def test_a_memo_slot_is_not_a_field():
    http = limits.TOOLS["http"]
    assert http.by_keyword() is http.by_keyword()  # worked out once
    assert "_keywords" not in fields(http)
    assert http == replace(http)  # the memo does not take part in equality
