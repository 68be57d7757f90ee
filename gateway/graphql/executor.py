"""graphql-core's executor, with a short way through the fields that need few of its steps.

Most fields of an answer are leaves read straight off an upstream record: `firstName` of a
Fullwhere profile is `record.get("firstName")`, a string, returned as it is. graphql-core
still gives each one a `Path`, a `GraphQLResolveInfo`, a middleware lookup, an argument
check, an awaitable check and a walk through `complete_value`: some microseconds a field,
which a page of 100 customers pays thousands of times.

`FastExecutor.execute_fields` plans each selection set once per execution (a page's 100
items share one plan) and serves these the short way:

- a field that only reads a key (`fast_fields` marks its resolver) and holds a scalar or
  enum, a list of them, an object or a list of objects: read, then serialized in place or
  completed straight through the objects' sub-selections;
- a field whose resolver `fast_fields` lets graphql-core call directly (a hot type's method
  with no arguments): called here, without the lookups around the call, and its answer
  completed the same way;
- a plain object anywhere (`complete_value`): straight to its sub-selection.

Everything else, and every value the short way cannot vouch for (a null for a non-null
field, a value its scalar must convert or refuses, a value its type refuses, an error held as
a value, an awaitable, `@defer`, `@stream`), goes through graphql-core's own steps:
`execute_field`, or for a resolver already called, `complete_value` with the same error
handling `execute_field` has. Errors, their paths and null propagation stay exactly
graphql-core's. Reading a key has no side effect, so reading it again there changes nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Any, NamedTuple, cast

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLList,
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

# How a planned field is served (unplanned ones: graphql-core's `execute_field`).
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
    object_type: GraphQLObjectType | None  # the type of an object, or of a list's objects
    item_type: Any  # a list's item type (its objects, maybe non-null); None: no list


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


def _plan_field(field: GraphQLField, directives: bool) -> _Field | None:
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
    object_type = named if type(named) is GraphQLObjectType else None
    item_type = None
    if type(named) is GraphQLList and not directives:  # (@stream is graphql-core's)
        item_type = named.of_type
        item = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        object_type = item if type(item) is GraphQLObjectType else None
        if is_leaf_type(item):  # a list of scalars or enums: `leaf` is the item's type
            leaf, as_is = item, _AS_IS.get(item.name)
    if key is not None:
        if leaf is None and object_type is None:
            return None
        return _Field(_READ, key, field, leaf, as_is, non_null, object_type, item_type)
    function, takes_info = cast(tuple[Any, bool], direct)
    kind = _CALL_WITH_INFO if takes_info else _CALL
    return _Field(kind, function, field, leaf, as_is, non_null, object_type, item_type)


_UNREADABLE = object()

#: Types whose values are never awaitable: their check costs a call a field otherwise.
_SYNC_TYPES = frozenset({type(None), bool, int, float, str, list, dict})


def _field_plan(parent_type: GraphQLObjectType, details: FieldDetailsList) -> _Field | None:
    """The plan of the field `details` selects; kept on the field's own resolver (one per
    field, made by `fast_fields`), so it lives and goes with its schema."""
    node = details[0].node
    field = parent_type.fields.get(node.name.value)
    if field is None or node.arguments:
        return None
    directives = any(d.node.directives for d in details)
    resolve: Any = field.resolve
    plans = getattr(resolve, "fast_plans", None)
    if plans is None:
        plans = {}
        if resolve is not None:
            resolve.fast_plans = plans
    if directives not in plans:
        plans[directives] = _plan_field(field, directives)
    return cast(_Field | None, plans[directives])


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
                if plan is not None and plan.kind != _READ:
                    result = self._call(parent_type, source_value, name, details, plan, path)
                else:
                    result = Undefined
                    if plan is not None:
                        try:
                            value = (
                                source_value.get(plan.target)
                                if is_dict
                                else getattr(source_value, plan.target)
                            )
                        except Exception:  # graphql-core's way reports it at this field
                            value = _UNREADABLE
                        if value is _UNREADABLE:
                            pass
                        elif plan.leaf is None:
                            field_path = Path(path, name, parent_type.name)
                            result = self._objects(plan, details, field_path, value)
                        elif plan.item_type is None:
                            result = _leaf_value(plan.leaf, plan.as_is, plan.non_null, value)
                        else:
                            result = _serialized_list(plan, value)
                    if result is Undefined:  # graphql-core's way: it reports or converts
                        result = self.execute_field(
                            parent_type,
                            source_value,
                            details,
                            Path(path, name, parent_type.name),
                            position_context,
                        )
                        if result is Undefined:  # no such field
                            continue
                results[name] = result
                if type(result) not in _SYNC_TYPES and is_awaitable(result):
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
            and result is not Undefined
            and not isinstance(result, Exception)
        ):
            completed = self._object(return_type, field_details_list, path, result, info)
            if completed is not Undefined:
                return completed
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
        """`execute_field` for a resolver called directly: the same steps after the call.
        A scalar answered as it is needs no path: it is made only when needed."""
        field_path = None
        return_type = plan.field.type
        try:
            if plan.kind == _CALL_WITH_INFO:
                field_path = Path(path, name, parent_type.name)
                result = plan.target(source, _Info(self.context_value, field_path))
            else:
                result = plan.target(source)
            if result is None and not plan.non_null:
                return None
            if type(result) is plan.as_is and plan.item_type is None:
                return result
            if field_path is None:
                field_path = Path(path, name, parent_type.name)
            if plan.object_type is not None and not self.is_awaitable(result):
                served = self._objects(plan, details, field_path, result)
                if served is not Undefined:
                    return served
            info = self._info(plan.field, details, parent_type, field_path)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, details, info, field_path, result, None
                )
            completed = self.complete_value(return_type, details, info, field_path, result, None)
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, details, field_path)
        except Exception as raw_error:
            if field_path is None:
                field_path = Path(path, name, parent_type.name)
            self.handle_field_error(raw_error, return_type, details, field_path)
            return None
        return completed

    def _objects(self, plan: _Field, details: FieldDetailsList, path: Path, value: Any) -> Any:
        """The field's object, or list of objects, completed the short way; `Undefined`
        (before anything ran) when graphql-core's way must complete it. A failure inside is
        this field's, as in `execute_field`."""
        if value is None:
            return Undefined if plan.non_null else None
        if value is Undefined or isinstance(value, Exception):
            return Undefined  # graphql-core's way: null, or the exception raised as an error
        object_type = plan.object_type
        assert object_type is not None
        try:
            if plan.item_type is None:
                completed = self._object(object_type, details, path, value)
            elif type(value) is list:
                completed = self._list(plan, details, path, value)
            else:
                return Undefined
            if completed is not Undefined and self.is_awaitable(completed):
                return self._await_completed(completed, plan.field.type, details, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field.type, details, path)
            return None
        return completed

    def _object(
        self,
        object_type: GraphQLObjectType,
        details: FieldDetailsList,
        path: Path,
        value: Any,
        info: Any = None,
    ) -> Any:
        """`complete_object_value` of a plain object, or `Undefined` before anything ran.

        Only an `is_type_of` answer of True is sure; anything else (False, an awaitable)
        goes graphql-core's way, which asks again (`_drop`). Without `info` at hand it gets
        None: Strawberry's predicates and the gateway's never read it."""
        is_type_of: Any = object_type.is_type_of
        if is_type_of is not None:
            answer = is_type_of(value, info)
            if answer is not True:
                _drop(answer)
                return Undefined
        fields, defer_usages, _ = self.collect_subfields(object_type, details)
        if defer_usages:
            return Undefined
        return self.execute_fields(object_type, value, path, fields, None)

    def _subfields(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> Any:
        """The sub-selection every object of a list shares (None: `@defer` in it, which is
        graphql-core's way)."""
        fields, defer_usages, _ = self.collect_subfields(object_type, details)
        return None if defer_usages else fields

    def _list(self, plan: _Field, details: FieldDetailsList, path: Path, items: list[Any]) -> Any:
        """`complete_iterable_value` of a list of objects: each item the short way, or
        graphql-core's `complete_value` for it; an item's failure is the item's."""
        object_type = plan.object_type
        assert object_type is not None
        item_type = plan.item_type
        is_awaitable = self.is_awaitable
        is_type_of: Any = object_type.is_type_of
        fields = self._subfields(object_type, details) if items else None
        completed_items: list[Any] = []
        awaitable_indices: list[int] = []
        info = None
        try:
            for index, item in enumerate(items):
                item_path = path.add_key(index, None)
                try:
                    # `_object` for each item, its sub-selection collected once.
                    completed: Any = Undefined
                    if (
                        fields is not None
                        and item is not None
                        and item is not Undefined
                        and not isinstance(item, Exception)
                        and not is_awaitable(item)
                    ):
                        answer = True if is_type_of is None else is_type_of(item, None)
                        if answer is True:
                            completed = self.execute_fields(
                                object_type, item, item_path, fields, None
                            )
                        else:
                            _drop(answer)
                    if completed is Undefined:
                        if info is None:
                            info = self._list_info(plan, details, path)
                        if is_awaitable(item):
                            completed = self.complete_awaitable_list_item_value(
                                item, item_type, details, info, item_path, None
                            )
                        else:
                            completed = self.complete_value(
                                item_type, details, info, item_path, item, None
                            )
                    if type(completed) not in _SYNC_TYPES and is_awaitable(completed):
                        completed = self._await_completed(completed, item_type, details, item_path)
                        awaitable_indices.append(index)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, details, item_path)
                    completed = None
                completed_items.append(completed)
        except Exception:
            # A non-null item failed: as graphql-core does, the work already started for
            # other items (and awaitable items not reached) still settles, in the background.
            pending = [completed_items[i] for i in awaitable_indices]
            pending += [item for item in items[len(completed_items) + 1 :] if is_awaitable(item)]
            if pending:
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed_items
        return self._gather_items(completed_items, awaitable_indices)

    def _list_info(self, plan: _Field, details: FieldDetailsList, path: Path) -> Any:
        parent: Any = self.schema.get_type(path.typename or "")
        return self._info(plan.field, details, parent, path)

    async def _gather_items(self, items: list[Any], awaitable_indices: list[int]) -> list[Any]:
        """graphql-core's `get_completed_results`: awaited items in place."""
        if len(awaitable_indices) == 1:
            index = awaitable_indices[0]
            items[index] = await items[index]
            return items
        values = await gather_with_cancel(*(items[index] for index in awaitable_indices))
        for index, value in zip(awaitable_indices, values, strict=True):
            items[index] = value
        return items

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


def _drop(answer: Any) -> None:
    """An `is_type_of` answer other than True, left to graphql-core's way, which asks again:
    an awaitable one is closed unawaited (an async predicate has not run yet)."""
    if inspect.iscoroutine(answer):
        answer.close()


def _serialized_list(plan: _Field, value: Any) -> Any:
    """A read list of scalars or enums as the answer holds it, or `Undefined` when
    graphql-core's way must decide for any item."""
    if value is None:
        return Undefined if plan.non_null else None
    if type(value) is not list:
        return Undefined
    leaf, as_is = plan.leaf, plan.as_is
    item_non_null = isinstance(plan.item_type, GraphQLNonNull)
    items = []
    for item in value:
        served = _leaf_value(leaf, as_is, item_non_null, item)
        if served is Undefined:
            return Undefined
        items.append(served)
    return items


def _leaf_value(leaf: Any, as_is: type | None, non_null: bool, value: Any) -> Any:
    """A scalar or enum `value` as the answer holds it, or `Undefined` when graphql-core's
    way must decide (it reports the error, or converts what the short way does not)."""
    if value is None:
        return Undefined if non_null else None
    if type(value) is as_is:
        return value
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced
