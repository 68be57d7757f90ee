"""Refuse an operation that would cost too many upstream calls, before any call is made.

The shape limits (depth, aliases, root fields, tokens) bound a document, not what it costs:
60 aliased `nodes(ids: $v)` with 100 ids each are 6,000 Fullwhere calls in a 30 KB request,
since variables are not tokens. Like Apollo Router's demand control and Hive Gateway's cost
limit (the IBM cost directives: a field's cost is its own plus its selections' times the
list size its arguments give), `CostLimit` estimates the operation from its document and its
variables before execution, in upstream calls:

- every root field costs its own calls, and yields objects: `customer` and `node` 1 call and
  1 object; `nodes(ids:)` one call and one object per id; `customers(first:)` 1 call (with
  `filter`, one more per customer: the index gives ids, each record is read) and `first`
  objects; `mewsCustomers(first:)` 1 call and `first` objects (fewer when its filter names
  `customerIds`); `searchCustomers` 1 call and
  `SEARCH_ASSUMED_SIZE` objects; a mutation 2 calls (the write, and a read around it),
  `importCustomers` one more per `FULLWHERE_BATCH_SIZE` items;
- below, every object of a list counts once per object above it (`edges` of a page of 50
  inside 10 `nodes` ids: 500 objects);
- a field read by its own call per object costs one call per object: the linked Fullwhere
  record of a Mews guest (`MewsCustomerEdge.customer`, `CustomerSearchResult.customer`);
- the Mews reads the gateway batches (a customer's Mews profile, its email matches, open
  items per currency) cost one call per 1,000 objects of the whole operation, each kind
  once.

The estimate errs high (every Customer is assumed to need its Mews profile). An operation
over `GATEWAY_MAX_UPSTREAM_CALLS` is refused with `BAD_USER_INPUT` naming the estimate and
the limit. Then the caller's budget (`CallerBudgets`) is charged with the estimate: a caller
over its share of upstream calls in the window is refused with `UPSTREAM_RATE_LIMITED` and
`retryAfterSeconds`, so one caller cannot spend the Mews rate limit the others share.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cachetools import LRUCache
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from gateway.http.caller import caller_of_request

#: Objects `searchCustomers` is assumed to yield (Mews gives no count before the call).
SEARCH_ASSUMED_SIZE: Final = 100
#: Ids per batched Mews call.
MEWS_BATCH: Final = 1000
#: Customer fields served without the Mews profile; any other one may need it.
_FULLWHERE_ONLY: Final = frozenset(("id", "fullwhereId", "mewsId", "fullwhere", "__typename"))
#: Callers whose budgets are kept at most (least recently active forgotten first).
MAX_CALLERS: Final = 10_000


@dataclass
class Estimate:
    """Upstream calls made once per operation or per object, and the objects of each batched
    Mews read (each costs one call per `MEWS_BATCH` of them)."""

    calls: int = 0
    batched: dict[Any, int] = field(default_factory=dict)

    def add(self, other: Estimate, times: int = 1) -> None:
        self.calls += other.calls * times
        for kind, count in other.batched.items():
            self.batched[kind] = self.batched.get(kind, 0) + count * times

    def mark(self, kind: Any) -> None:
        """This estimate's object needs the batched read `kind` (once, however many of its
        fields ask for it)."""
        self.batched[kind] = max(self.batched.get(kind, 0), 1)

    @property
    def total(self) -> int:
        return self.calls + sum(math.ceil(n / MEWS_BATCH) for n in self.batched.values())


def _longest_list(value: Any) -> int:
    """The length of the longest list in an argument value (0 when it holds none)."""
    if isinstance(value, list):
        return max([len(value), *(_longest_list(item) for item in value)])
    if isinstance(value, Mapping):
        return max([0, *(_longest_list(item) for item in value.values())])
    return 0


# (root calls, objects) of a root field from its arguments.
RootRule = Callable[[dict[str, Any], int], tuple[int, int]]

_QUERY_ROOTS: Final[dict[str, RootRule]] = {
    "customer": lambda args, _: (1, 1),
    "node": lambda args, _: (1, 1),
    "nodes": lambda args, _: (len(args.get("ids") or ()), len(args.get("ids") or ())),
    # A federation router's entity fetch: one customer by id per representation.
    "_entities": lambda args, _: (
        len(args.get("representations") or ()),
        len(args.get("representations") or ()),
    ),
    "customers": lambda args, _: (
        1 + (int(args.get("first") or 0) if args.get("filter") else 0),
        int(args.get("first") or 0),
    ),
    "mewsCustomers": lambda args, _: (1, _mews_page(args)),
    "searchCustomers": lambda args, _: (1, SEARCH_ASSUMED_SIZE),
}


def _mews_page(args: dict[str, Any]) -> int:
    """Guests a `mewsCustomers` page may hold: `first`, or fewer named by `customerIds`."""
    first = int(args.get("first") or 0)
    ids = (args.get("filter") or {}).get("customerIds")
    return first if ids is None else min(first, len(ids))


def _mutation_root(args: dict[str, Any], batch_size: int) -> tuple[int, int]:
    return 2 + math.ceil(_longest_list(args) / batch_size), 1


class _Estimator:
    """The estimate of one operation, for one object of each selection set, scaled by the
    objects above it. Each fragment is estimated once per type it is spread on (a fragment
    bomb costs linear time here, as in `operation_limits`)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
        batch_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.batch_size = batch_size
        self.mutation = schema.mutation_type
        self.roots = {t.name for t in (schema.query_type, schema.mutation_type) if t}
        self.memo: dict[tuple[str, str], Estimate] = {}
        self.active: set[tuple[str, str]] = set()

    def operation(self, operation: OperationDefinitionNode) -> Estimate:
        root = self.schema.get_root_type(operation.operation)
        return Estimate() if root is None else self.selections(root, operation.selection_set)

    def selections(self, parent: GraphQLNamedType, selection_set: SelectionSetNode) -> Estimate:
        """The estimate of `selection_set` for one object of `parent`."""
        estimate = Estimate()
        fields = getattr(parent, "fields", None) or {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = fields.get(selection.name.value)
                if definition is not None:
                    self._field(parent, selection, definition, estimate)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selections(self._on(selection, parent), selection.selection_set)
                estimate.add(inner)
            elif isinstance(selection, FragmentSpreadNode):
                estimate.add(self._fragment(selection.name.value, parent))
        return estimate

    def _fragment(self, name: str, parent: GraphQLNamedType) -> Estimate:
        key = (name, parent.name)
        found = self.memo.get(key)
        if found is not None:
            return found
        fragment = self.fragments.get(name)
        if fragment is None or key in self.active:
            return Estimate()  # unknown fragments and cycles are validation's errors
        self.active.add(key)
        try:
            found = self.selections(self._on(fragment, parent), fragment.selection_set)
        finally:
            self.active.discard(key)
        self.memo[key] = found
        return found

    def _field(
        self,
        parent: GraphQLNamedType,
        node: FieldNode,
        definition: GraphQLField,
        estimate: Estimate,
    ) -> None:
        name = node.name.value
        inner = Estimate()
        if node.selection_set is not None:
            inner = self.selections(get_named_type(definition.type), node.selection_set)
        objects = 1
        if parent.name in self.roots:
            objects = self._root(parent, node, definition, estimate)
            if name in ("customer", "node", "nodes", "_entities"):
                inner.mark("mews")  # a customer found by id reads its Mews profile
        elif parent.name == "Customer" and name not in _FULLWHERE_ONLY:
            estimate.mark("mews")
        if parent.name == "Customer" and name == "mewsEmailMatches":
            estimate.mark("mews-email")
        if parent.name == "MewsProfile" and name == "openItems":
            estimate.mark(("mews-open-items", self._arguments(definition, node).get("currency")))
        if name == "customer" and parent.name in ("MewsCustomerEdge", "CustomerSearchResult"):
            estimate.calls += 1  # the guest's linked Fullwhere record
        estimate.add(inner, objects)

    def _root(
        self,
        parent: GraphQLNamedType,
        node: FieldNode,
        definition: GraphQLField,
        estimate: Estimate,
    ) -> int:
        """A root field's own calls, added to `estimate`; returns the objects it yields."""
        name = node.name.value
        args = self._arguments(definition, node)
        rule = _mutation_root if parent is self.mutation else _QUERY_ROOTS.get(name)
        calls, objects = rule(args, self.batch_size) if rule else (0, 1)
        estimate.calls += calls
        return objects

    def _on(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLNamedType
    ) -> GraphQLNamedType:
        condition = fragment.type_condition
        found = self.schema.get_type(condition.name.value) if condition is not None else None
        return found or parent

    def _arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(definition, node, self.variables)
        except (GraphQLError, TypeError, ValueError):
            return {}  # malformed: the execution refuses it before any call


def estimate_calls(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
    batch_size: int,
) -> int:
    """The upstream calls `operation` may cause with `variables`, at most (0 when the
    variables do not fit the operation: execution refuses it before any call)."""
    definitions = operation.variable_definitions or ()
    coerced = get_variable_values(schema, definitions, dict(variables or {}))
    if not isinstance(coerced, VariableValues):
        return 0
    return _Estimator(schema, fragments, coerced, batch_size).operation(operation).total


class CallerBudgets:
    """Estimated upstream calls per caller in a sliding window of `window` seconds, at most
    `budget` (0: no budget). Kept per process, for the `MAX_CALLERS` latest callers."""

    def __init__(
        self, budget: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.budget = budget
        self.window = window
        self._clock = clock
        self._spent: LRUCache[str, deque[tuple[float, int]]] = LRUCache(MAX_CALLERS)

    def charge(self, caller: str, calls: int) -> float | None:
        """Charge `calls` to `caller`; None when they fit, else the seconds until they
        would (nothing charged)."""
        if self.budget <= 0:
            return None
        now = self._clock()
        spent = self._spent.get(caller)
        if spent is None:
            spent = self._spent[caller] = deque()
        while spent and spent[0][0] <= now - self.window:
            spent.popleft()
        used = sum(cost for _, cost in spent)
        if used + calls <= self.budget:
            spent.append((now, calls))
            return None
        # The oldest charges leave the window first: wait until enough of them have.
        freed = 0
        for at, cost in spent:
            freed += cost
            if used - freed + calls <= self.budget:
                return max(at + self.window - now, 0.0)
        return self.window


class CostLimit(SchemaExtension):
    """Estimates each operation's upstream calls before it executes; refuses it over the
    limit or over its caller's budget."""

    def __init__(
        self,
        *,
        max_calls: int,
        batch_size: int,
        budgets: CallerBudgets | None = None,
    ) -> None:
        self.max_calls = max_calls
        self.batch_size = batch_size
        self.budgets = budgets

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if operation is not None:
            self._check(operation, document.definitions if document else ())
        yield

    def _check(self, operation: OperationDefinitionNode, definitions: Any) -> None:
        context = self.execution_context
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        schema = context.schema._schema
        calls = estimate_calls(schema, operation, fragments, context.variables, self.batch_size)
        if calls > self.max_calls:
            raise GraphQLError(
                f"this operation may cost {calls} upstream calls, over the limit of "
                f"{self.max_calls}: ask for fewer ids, smaller pages or fewer fields",
                extensions={"code": "BAD_USER_INPUT", "estimatedCalls": calls},
            )
        if self.budgets is None:
            return
        request = getattr(context.context, "request", None)
        wait = self.budgets.charge(caller_of_request(request).identity, calls)
        if wait is not None:
            raise GraphQLError(
                f"this caller's budget of {self.budgets.budget} upstream calls per "
                f"{self.budgets.window:g} s is spent (this operation may cost {calls})",
                extensions={
                    "code": "UPSTREAM_RATE_LIMITED",
                    "estimatedCalls": calls,
                    "retryAfterSeconds": round(wait, 1),
                },
            )
