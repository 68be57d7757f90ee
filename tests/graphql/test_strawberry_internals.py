"""The Strawberry and graphql-core internals the fast path relies on are still there and
still mean the same.

gateway/graphql/fast_fields.py, gateway/graphql/executor.py, gateway/graphql/schema.py and
gateway/data/selection.py reach below Strawberry's and graphql-core's public API for speed;
pyproject.toml bounds both to the releases checked here. When an upgrade changes one of these
internals, the failing test names it, so whoever raises a bound knows which piece of the fast
path to adapt.
"""

from __future__ import annotations

import inspect
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

from gateway.graphql import build_schema
from gateway.graphql.fast_fields import _DEFINITION, HOT_TYPES
from gateway.graphql.selection import selected_names

SCHEMA = build_schema()


def core_schema() -> GraphQLSchema:
    core = getattr(SCHEMA, "_schema", None)
    assert isinstance(core, GraphQLSchema), (
        "strawberry.Schema._schema is no longer graphql-core's GraphQLSchema: "
        "fast_fields.bypass_wrappers cannot reach the fields to replace their resolvers"
    )
    return core


def definition(type_name: str, field_name: str) -> Any:
    field = core_schema().type_map[type_name].fields[field_name]  # type: ignore[attr-defined]
    assert isinstance(field, GraphQLField)
    found = (field.extensions or {}).get(_DEFINITION)
    assert isinstance(found, StrawberryField), (
        f"graphql-core field.extensions[{_DEFINITION!r}] is no longer the StrawberryField "
        "(GraphQLCoreConverter.DEFINITION_BACKREF): fast_fields cannot find the definitions"
    )
    return found


def test_schema_underscore_schema_is_the_graphql_core_schema() -> None:
    assert set(HOT_TYPES) <= set(core_schema().type_map)


def test_graphql_fields_carry_their_strawberry_field_under_the_definition_key() -> None:
    assert GraphQLCoreConverter.DEFINITION_BACKREF == _DEFINITION, (
        "Strawberry's GraphQLCoreConverter.DEFINITION_BACKREF changed: fast_fields._DEFINITION "
        "no longer finds the StrawberryField of a graphql-core field"
    )
    definition("Customer", "firstName")


def test_strawberry_fields_have_the_attributes_the_fast_path_reads() -> None:
    field = definition("Customer", "firstName")
    for attribute in ("base_resolver", "arguments", "extensions", "permission_classes"):
        assert hasattr(field, attribute), f"StrawberryField.{attribute} is gone"
    plain = definition("MewsProfile", "firstName")
    assert plain.base_resolver is None, "a field with no resolver now has a base_resolver"
    assert plain.python_name == "FirstName", "StrawberryField.python_name changed meaning"


def test_resolvers_expose_the_undecorated_function_and_its_signature() -> None:
    resolver = definition("Customer", "firstName").base_resolver
    assert isinstance(resolver, StrawberryResolver)
    assert isinstance(resolver.signature, inspect.Signature), (
        "StrawberryResolver.signature is no longer an inspect.Signature"
    )
    assert list(resolver.signature.parameters)[:1] == ["self"]
    func = getattr(resolver, "_unbound_wrapped_func", None)
    assert inspect.isfunction(func) and func.__name__ == "first_name", (
        "StrawberryResolver._unbound_wrapped_func is no longer the plain resolver function: "
        "fast_fields cannot call hot resolvers directly"
    )


@strawberry.type
class Item:
    name: str


SEEN: list[Info] = []


@strawberry.type
class ProbeQuery:
    @strawberry.field
    def items(self, info: Info) -> list[Item]:
        SEEN.append(info)
        return [Item(name="a")]


def test_info_underscore_raw_info_is_graphql_cores_resolve_info() -> None:
    SEEN.clear()
    query = "query { items { ... on Item { name } ...More } } fragment More on Item { name }"
    result = strawberry.Schema(query=ProbeQuery).execute_sync(query)
    assert result.errors is None
    raw = getattr(SEEN[0], "_raw_info", None)
    # graphql-core's resolve info, or Strawberry's subclass of the same shape.
    assert all(hasattr(raw, name) for name in GraphQLResolveInfo._fields), (
        "strawberry Info._raw_info is no longer graphql-core's resolve info: "
        "selection.selected_names cannot read the field nodes and fragments"
    )
    assert selected_names(SEEN[0]) == {"name"}


def test_schema_internals_the_prepared_documents_use_are_there() -> None:
    """gateway/graphql/schema.py drives Strawberry's execute in pieces."""
    from strawberry.schema import schema as strawberry_schema
    from strawberry.types import ExecutionContext

    for method in (
        "_execute_operation",
        "_handle_execution_result",
        "_create_execution_context",
        "_get_execute_function",
        "_get_custom_context_kwargs",
        "_process_errors",
        "create_extensions_runner",
    ):
        assert callable(getattr(strawberry.Schema, method, None)), (
            f"strawberry.Schema.{method} is gone: GatewaySchema's short way needs it"
        )
    parameters = list(inspect.signature(strawberry.Schema._execute_operation).parameters)
    assert parameters[:2] == ["self", "execution_context"], (
        "Schema._execute_operation no longer takes the execution context first: "
        "GatewaySchema cannot remember prepared documents"
    )
    assert callable(getattr(strawberry_schema, "_coerce_error", None))
    assert hasattr(strawberry_schema, "DEFAULT_ALLOWED_OPERATION_TYPES")
    context = ExecutionContext(
        query="{ x }", schema=SCHEMA, allowed_operations=(), provided_operation_name="X"
    )
    assert getattr(context, "_provided_operation_name", None) == "X", (
        "ExecutionContext keeps the operation name the request gave elsewhere now"
    )


def test_graphql_core_executor_steps_the_fast_executor_calls_are_there() -> None:
    """gateway/graphql/executor.py overrides and calls these steps of graphql-core 3.3."""
    from graphql.execution import Executor

    for method in (
        "execute_fields",
        "execute_field",
        "complete_value",
        "complete_awaitable_value",
        "complete_awaitable_list_item_value",
        "collect_subfields",
        "handle_field_error",
        "settle_in_background",
        "build_resolve_info",
    ):
        assert callable(getattr(Executor, method, None)), (
            f"graphql-core's Executor.{method} is gone: FastExecutor must follow its executor"
        )
    parameters = list(inspect.signature(Executor.execute_fields).parameters)
    assert parameters == [
        "self",
        "parent_type",
        "source_value",
        "path",
        "grouped_field_set",
        "position_context",
    ], "Executor.execute_fields takes other arguments now"
