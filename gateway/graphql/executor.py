"""graphql-core's executor, with a short way through the fields that need few of its steps.

Most fields of an answer are leaves read straight off an upstream record: `firstName` of a
Fullwhere profile is `record.get("firstName")`, a string, returned as it is. graphql-core
still gives each one a `Path`, a `GraphQLResolveInfo`, a middleware lookup, an argument
check, an awaitable check and a walk through `complete_value`: some microseconds a field,
which a page of 100 customers pays thousands of times.

`FastExecutor.execute_fields` plans each selection set once per execution (a page's 100
items share one plan) and serves two kinds of field the short way:

- a field that only reads a key (`fast_fields` marks its resolver) and returns a scalar or
  enum: read and serialized in place;
- a field whose resolver `fast_fields` lets graphql-core call directly (a hot type's method
  with no arguments): called here, without the lookups around the call; a string, boolean or
  null it returns is used as it is.

Everything else, and every value the short way cannot vouch for (a null for a non-null
field, a value its scalar must convert or refuses, an object, a list, an awaitable), goes
through graphql-core's own steps: `execute_field`, or for a resolver already called,
`complete_value` with the same error handling `execute_field` has. Errors, their paths and
null propagation stay exactly graphql-core's. Reading a key has no side effect, so reading it
again there changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, NamedTuple, cast

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: Scalars whose serialization of a value of exactly this Python type is the value itself.
_AS_IS: dict[str, type] = {
    GraphQLString.name: str,
    GraphQLID.name: str,
    GraphQLBoolean.name: bool,
}

# How a field is served.
_GENERIC = 0  # graphql-core's execute_field
_READ = 1  # read a key, serialize in place
_CALL = 2  # call the resolver here, without info
_CALL_WITH_INFO = 3  # call the resolver here, with graphql-core's info


class _Field(NamedTuple):
    """What the short way knows of a schema field (planned once, kept on its resolver)."""

    kind: int
    target: Any  # the key to read, or the function to call
    field: GraphQLField
    leaf: Any  # the named leaf type, or None when the field returns no scalar or enum
    as_is: type | None  # values of exactly this type need no serialization
    non_null: bool


class _Info:
    """The info a directly called resolver gets: `context` and `path`, all that the hot
    types' resolvers may read of it (the rule in `fast_fields`; the answer-identity test
    runs every field of them), at a fraction of the cost of graphql-core's."""

    __slots__ = ("context", "path")

    def __init__(self, context: Any, path: Path) -> None:
        self.context = context
        self.path = path


class _Entry(NamedTuple):
    name: str  # the response key
    details: FieldDetailsList
    plan: _Field | None  # None: graphql-core executes the field


def _plan_field(field: GraphQLField) -> _Field | None:
    resolve: Any = field.resolve
    key = getattr(resolve, "attribute_key", None)
    direct = getattr(resolve, "direct_call", None)
    if field.args or (key is None and direct is None):
        return None
    return_type: Any = field.type
    non_null = isinstance(return_type, GraphQLNonNull)
    named = return_type.of_type if non_null else return_type
    leaf = named if is_leaf_type(named) else None
    as_is = _AS_IS.get(named.name) if leaf is not None else None
    if key is not None:
        return None if leaf is None else _Field(_READ, key, field, leaf, as_is, non_null)
    function, takes_info = cast(tuple[Any, bool], direct)
    kind = _CALL_WITH_INFO if takes_info else _CALL
    return _Field(kind, function, field, leaf, as_is, non_null)


_UNPLANNED = object()


def _field_plan(parent_type: GraphQLObjectType, details: FieldDetailsList) -> _Field | None:
    """The plan of the field `details` selects; kept on the field's own resolver (one per
    field, made by `fast_fields`), so it lives and goes with its schema."""
    node = details[0].node
    field = parent_type.fields.get(node.name.value)
    if field is None or node.arguments:
        return None
    resolve: Any = field.resolve
    plan = getattr(resolve, "fast_plan", _UNPLANNED)
    if plan is _UNPLANNED:
        plan = _plan_field(field)
        if resolve is not None:
            resolve.fast_plan = plan
    return cast(_Field | None, plan)


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain fields served the short way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Grouped field sets live as long as the execution (graphql-core memoizes them), so
        # their ids are stable keys; the value keeps each one alive beside its plan.
        self._plans: dict[int, tuple[GroupedFieldSet, list[_Entry]]] = {}

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> list[_Entry]:
        known = self._plans.get(id(fields))
        if known is not None:
            return known[1]
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:  # a resolve hook sees every field
            plan = [_Entry(name, details, None) for name, details in fields.items()]
        else:
            plan = [
                _Entry(name, details, _field_plan(parent_type, details))
                for name, details in fields.items()
            ]
        self._plans[id(fields)] = (fields, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if position_context is not None:  # incremental delivery (@defer): graphql-core's way
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        is_dict = isinstance(source_value, dict)
        try:
            for name, details, plan in self._plan(parent_type, grouped_field_set):
                if plan is None:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        details,
                        Path(path, name, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                elif plan.kind == _READ:
                    value = (
                        source_value.get(plan.target)
                        if is_dict
                        else getattr(source_value, plan.target)
                    )
                    result = _serialized(plan, value)
                    if result is Undefined:  # graphql-core's way reports or converts it
                        result = self.execute_field(
                            parent_type,
                            source_value,
                            details,
                            Path(path, name, parent_type.name),
                            position_context,
                        )
                else:
                    result = self._call(parent_type, source_value, name, details, plan, path)
                results[name] = result
                if is_awaitable(result):
                    awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather(results, awaitable_fields)

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `complete_value`, going straight to the sub-selection for a plain
        object (`complete_object_value` and the three calls under it do only that)."""
        if (
            position_context is None
            and result is not None
            and type(return_type) is GraphQLObjectType
            and not isinstance(result, Exception)
        ):
            is_type_of = return_type.is_type_of
            # Only True is sure; anything else (False, an awaitable) goes the long way.
            if is_type_of is None or is_type_of(result, info) is True:
                fields, defer_usages, _ = self.collect_subfields(return_type, field_details_list)
                if not defer_usages:
                    return self.execute_fields(return_type, result, path, fields, None)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _call(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        name: str,
        details: FieldDetailsList,
        plan: _Field,
        path: Path | None,
    ) -> Any:
        """`execute_field` for a resolver called directly: the same steps after the call."""
        field_path = Path(path, name, parent_type.name)
        info = None
        return_type = plan.field.type
        try:
            if plan.kind == _CALL_WITH_INFO:
                result = plan.target(source, _Info(self.context_value, field_path))
            else:
                result = plan.target(source)
            if result is None and not plan.non_null:
                return None
            if type(result) is plan.as_is:
                return result
            if info is None:
                info = self._info(plan.field, details, parent_type, field_path)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, details, info, field_path, result, None
                )
            completed = self.complete_value(return_type, details, info, field_path, result, None)
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, details, field_path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, field_path)
            return None
        return completed

    def _info(
        self,
        field: GraphQLField,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> Any:
        return self.build_resolve_info(field, [d.node for d in details], parent_type, path)

    async def _await_completed(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        """graphql-core's `await_completed` in `execute_field`."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None

    async def _gather(self, results: dict[str, Any], awaitable_fields: list[str]) -> Any:
        """graphql-core's `get_results` in `execute_fields`: awaited values in place."""
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
            return results
        values = await gather_with_cancel(*(results[field] for field in awaitable_fields))
        results.update(zip(awaitable_fields, values, strict=True))
        return results


def _serialized(plan: _Field, value: Any) -> Any:
    """A read `value` as the answer holds it, or `Undefined` when graphql-core's way must decide
    (it reports the error, or converts what the short way does not)."""
    if value is None:
        return Undefined if plan.non_null else None
    if type(value) is plan.as_is:
        return value
    try:
        coerced = plan.leaf.coerce_output_value(value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced
