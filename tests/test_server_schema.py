"""The simulated structured result: schema_value.example(schema) validates against schema."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maestro_spec.server.schema_value import MAX_NODES, example


def valid(schema, value) -> None:
    jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)(schema).validate(value)


INVOICE = {
    "type": "object",
    "properties": {
        "vendor": {"type": "string", "minLength": 1},
        "invoice_number": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
        "total": {"type": "number", "exclusiveMinimum": 0},
        "currency": {"enum": ["USD", "EUR"]},
        "due_date": {"type": "string", "format": "date"},
        "paid": {"type": "boolean"},
        "lines": {
            "type": "array",
            "minItems": 2,
            "items": {"$ref": "#/$defs/line"},
        },
        "notes": {"type": ["string", "null"], "maxLength": 5},
    },
    "required": ["vendor", "total", "lines"],
    "additionalProperties": False,
    "$defs": {
        "line": {
            "type": "object",
            "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1, "maximum": 99}},
            "required": ["sku", "qty"],
        }
    },
}

SCHEMAS = {
    "invoice": INVOICE,
    "string": {"type": "string"},
    "integer range": {"type": "integer", "minimum": -7, "maximum": -3},
    "exclusive integer": {"type": "integer", "exclusiveMinimum": 4, "exclusiveMaximum": 6},
    "multiple of": {"type": "number", "multipleOf": 0.1, "minimum": 1.05, "maximum": 2},
    "integer multiple": {"type": "integer", "multipleOf": 7, "minimum": 10},
    "below a maximum": {"type": "number", "maximum": -100},
    "const": {"const": {"a": [1, 2]}},
    "enum of objects": {"enum": [{"k": 1}, None]},
    "anyOf first branch": {"anyOf": [{"type": "integer", "minimum": 5}, {"type": "string"}]},
    "oneOf": {"oneOf": [{"type": "boolean"}, {"type": "string"}]},
    "allOf merged": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, {"required": ["b"], "properties": {"b": {"type": "integer"}}}]},
    "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
    "unique items": {"type": "array", "items": {"type": "integer"}, "minItems": 4, "uniqueItems": True},
    "min properties": {"type": "object", "minProperties": 3, "additionalProperties": {"type": "integer"}},
    "max properties": {"type": "object", "properties": {"a": {}, "b": {}, "c": {}}, "required": ["c"], "maxProperties": 1},
    "no type": {"properties": {"x": {"minimum": 2}}, "required": ["x"]},
    "recursive tree": {
        "$ref": "#/$defs/node",
        "$defs": {"node": {"type": "object", "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["name"]}},
    },
    "draft-07 definitions": {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"d": {"type": "string", "format": "email"}}, "$ref": "#/definitions/d"},
    "length bounds": {"type": "string", "minLength": 20, "maxLength": 25},
    "empty object schema": {},
    "true": True,
}


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_example_validates(schema):
    value = example(schema)
    valid(schema, value)
    assert example(schema) == value  # deterministic


def test_the_invoice_example_is_plausible():
    value = example(INVOICE)
    assert set(value) >= {"vendor", "total", "lines"} and len(value["lines"]) == 2
    assert value["invoice_number"] == "AAA-0"  # built from the pattern's structure
    assert value["due_date"] == "2026-01-01" and value["currency"] == "USD"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "string"}, "minItems": 10**9},
        {"type": "string", "minLength": 10**9},
        {"type": "object", "minProperties": 10**9},
        {"$ref": "#/$defs/a", "$defs": {"a": {"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}, "required": ["a"]}}},
        {"type": "integer", "minimum": 10**400, "multipleOf": 3},
        {"$ref": "#/nowhere"},
        {"type": "string", "pattern": "(unclosed"},
    ],
    ids=["huge minItems", "huge minLength", "huge minProperties", "required recursion", "huge bound", "dangling ref", "bad pattern"],
)
def test_unsatisfiable_or_huge_schemas_end_quickly_and_small(schema):
    import json

    value = example(schema)
    assert len(json.dumps(value)) < 2_000_000


# ---------------------------------------------------------------- generated schemas


def _leaf():
    ints = st.integers(-1000, 1000)
    return st.one_of(
        st.builds(lambda: {"type": "string"}),
        st.tuples(st.integers(0, 5), st.integers(0, 20)).map(lambda t: {"type": "string", "minLength": t[0], "maxLength": t[0] + t[1]}),
        st.tuples(ints, st.integers(0, 50)).map(lambda t: {"type": "integer", "minimum": t[0], "maximum": t[0] + t[1]}),
        st.tuples(ints, st.integers(1, 50)).map(lambda t: {"type": "number", "exclusiveMinimum": t[0], "exclusiveMaximum": t[0] + t[1]}),
        st.builds(lambda: {"type": "boolean"}),
        st.builds(lambda: {"type": "null"}),
        st.lists(st.one_of(st.text(max_size=5), ints, st.booleans()), min_size=1, max_size=4).map(lambda xs: {"enum": xs}),
        ints.map(lambda n: {"const": n}),
        st.sampled_from(["date", "date-time", "email", "uuid", "uri"]).map(lambda f: {"type": "string", "format": f}),
    )


def _extend(children):
    names = st.text("abcdefgh_", min_size=1, max_size=6)
    return st.one_of(
        st.dictionaries(names, children, max_size=4).flatmap(
            lambda props: st.sets(st.sampled_from(sorted(props)) if props else st.nothing(), max_size=len(props)).map(
                lambda req: {"type": "object", "properties": props, "required": sorted(req), "additionalProperties": False}
            )
        ),
        st.tuples(children, st.integers(0, 3)).map(lambda t: {"type": "array", "items": t[0], "minItems": t[1]}),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: {"anyOf": xs}),
    )


SCHEMA = st.recursive(_leaf(), _extend, max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEMA)
def test_generated_schemas(schema):
    valid(schema, example(schema))


def test_budget_constant_is_sane():
    assert 100 <= MAX_NODES <= 100_000


def test_an_optional_property_no_value_may_take_is_left_out():
    # A property whose schema is `false` validates nothing: when it is not
    # required, the example must not have it (hypothesis found "summary": false).
    schema = {"type": "object", "properties": {"summary": False, "n": {"type": "integer"}}}
    value = example(schema)
    assert "summary" not in value and isinstance(value["n"], int)
    valid(schema, value)
