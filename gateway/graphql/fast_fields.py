"""Hot resolvers without Strawberry's per-call wrapper.

Strawberry wraps every resolver in code that builds its own `Info`, converts arguments and
runs field extensions: some microseconds a call, which a page of 100 customers pays about
1,400 times. Fields without a resolver (upstream dict keys, plain attributes) are read by a
function bound to their key, as `resolve_attribute` would. On the types in `HOT_TYPES`, a
resolver that takes no GraphQL argument (only its object and optionally `info`) is called
directly with graphql-core's resolve info.
That info has the `.context` and `.path` these resolvers use; they must use nothing else of
Strawberry's `Info`. No field extension or permission class exists on them (checked here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLNonNull

from gateway.graphql.shapes import upstream_of
from gateway.upstream.errors import Source, UpstreamInvalidResponse

HOT_TYPES = ("Customer", "MewsProfile", "MewsCustomerEdge")
_DEFINITION = "strawberry-definition"


def _direct(func: Callable[..., Any], takes_info: bool) -> Callable[..., Any]:
    def resolve(source: Any, info: Any) -> Any:
        return func(source, info) if takes_info else func(source)

    # `executor.FastExecutor` calls `func` itself, without this wrapper.
    resolve.direct_call = (func, takes_info)  # type: ignore[attr-defined]
    return resolve


def _attribute(key: str) -> Callable[..., Any]:
    """`resolve_attribute` with the key bound: one call per field instead of three."""

    def resolve(source: Any, info: Any) -> Any:
        if isinstance(source, dict):
            return source.get(key)
        return getattr(source, key)

    # `executor.FastExecutor` reads such fields itself, without calling this.
    resolve.attribute_key = key  # type: ignore[attr-defined]
    return resolve


def _required_attribute(key: str, source: Source, where: str) -> Callable[..., Any]:
    """`_attribute` for a key the upstream's documents call required: a record without it
    is the upstream's fault, said at this field's path (the fast path reads the key itself
    and calls this only for a null)."""

    def resolve(source_record: Any, info: Any) -> Any:
        if isinstance(source_record, dict):
            value = source_record.get(key)
        else:
            value = getattr(source_record, key)
        if value is None:
            raise UpstreamInvalidResponse(
                source, f"the record has no `{key}` ({where}), which its documents require"
            )
        return value

    resolve.attribute_key = key  # type: ignore[attr-defined]
    return resolve


def _reader(graphql_type: Any, name: str, field: Any, key: str) -> Callable[..., Any]:
    """How a plain field is read: a non-null key of an upstream record checks its presence."""
    definition: Any = (graphql_type.extensions or {}).get(_DEFINITION)
    source = upstream_of(definition.origin) if definition is not None else None
    if source is None or not isinstance(field.type, GraphQLNonNull):
        return _attribute(key)
    return _required_attribute(key, source, f"{graphql_type.name}.{name}")


def bypass_plain_fields(schema: strawberry.Schema) -> int:
    """Fields with no resolver (most of them: upstream dict keys) read their value directly."""
    replaced = 0
    for graphql_type in schema._schema.type_map.values():
        for name, field in (getattr(graphql_type, "fields", None) or {}).items():
            definition: Any = (field.extensions or {}).get(_DEFINITION)
            if (
                definition is None
                or definition.base_resolver is not None
                or definition.extensions
                or definition.permission_classes
                or not hasattr(field, "args")  # input fields
            ):
                continue
            field.resolve = _reader(graphql_type, name, field, definition.python_name)
            replaced += 1
    return replaced


def bypass_wrappers(schema: strawberry.Schema) -> int:
    """Let graphql-core call plain resolvers and read plain fields directly; returns how
    many fields now skip Strawberry's wrapper."""
    replaced = bypass_plain_fields(schema)
    for type_name in HOT_TYPES:
        graphql_type: Any = schema._schema.type_map[type_name]
        for field in graphql_type.fields.values():
            definition: Any = (field.extensions or {}).get(_DEFINITION)
            resolver = getattr(definition, "base_resolver", None)
            if (
                resolver is None
                or definition.arguments
                or definition.extensions
                or definition.permission_classes
            ):
                continue
            parameters = list(resolver.signature.parameters)
            if len(parameters) > 2 or parameters[1:] not in ([], ["info"]):
                continue
            field.resolve = _direct(resolver._unbound_wrapped_func, len(parameters) == 2)
            replaced += 1
    return replaced
