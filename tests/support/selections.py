"""Selection sets generated from the schema, for tests that compare two ways of answering the
same query: random subsets of a type's fields (aliases, inline fragments on unions and
interfaces, nested objects down to a depth), reproducible from a seed."""

from __future__ import annotations

import random

from graphql import (
    GraphQLAbstractType,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
    is_required_argument,
)

#: Chance that a field is part of a generated selection (each field on its own).
FIELD_SHARE = 0.4
#: Chance that a chosen field also appears a second time under an alias.
ALIAS_SHARE = 0.1


def _selectable(graphql_type: GraphQLObjectType) -> dict[str, GraphQLField]:
    """The fields that can be asked for without arguments."""
    return {
        name: field
        for name, field in graphql_type.fields.items()
        if not any(is_required_argument(arg) for arg in field.args.values())
    }


def selection(
    schema: GraphQLSchema,
    graphql_type: GraphQLObjectType,
    rng: random.Random | None,
    depth: int,
    alias: str = "",
) -> str:
    """A selection set (without braces) on `graphql_type`: every field when `rng` is None,
    else a random subset; object fields nest at most `depth` levels further.

    Args:
        schema: the schema that holds `graphql_type` (for the members of abstract types).
        graphql_type: the object type selected on.
        rng: the source of the choices; None selects every field.
        depth: how many levels of object fields may follow; at 0 only leaves are chosen.
        alias: a prefix for every field's alias; members of a union need their own, as
            fields of the same name may differ in type between them.
    """
    parts: list[str] = []
    for name, field in _selectable(graphql_type).items():
        if rng is not None and rng.random() >= FIELD_SHARE:
            continue
        inner = _inner(schema, get_named_type(field.type), rng, depth)
        if inner is None:
            continue
        parts.append(f"{alias}{name}: {name}{inner}" if alias else f"{name}{inner}")
        if rng is not None and rng.random() < ALIAS_SHARE:
            parts.append(f"{alias}again_{name}: {name}{inner}")
    return " ".join(parts) or "__typename"


def _inner(
    schema: GraphQLSchema, named: object, rng: random.Random | None, depth: int
) -> str | None:
    """What follows a field's name: nothing for a leaf, a selection set for a composite
    type, None where the depth is spent."""
    if is_leaf_type(named):
        return ""
    if depth == 0:
        return None
    if is_object_type(named):
        assert isinstance(named, GraphQLObjectType)
        return " { " + selection(schema, named, rng, depth - 1) + " }"
    assert is_abstract_type(named)
    abstract: GraphQLAbstractType = named
    members = list(schema.get_possible_types(abstract))
    if rng is not None:
        members = rng.sample(members, rng.randint(1, min(3, len(members))))
    fragments = [
        f"... on {m.name} {{ {selection(schema, m, rng, depth - 1, f'{m.name}_')} }}"
        for m in members
    ]
    return " { __typename " + " ".join(fragments) + " }"
