"""Refuse operations whose shape is too costly: depth, aliases and root fields.

One validation rule measures each operation once, before anything executes:

- depth: fields on the longest path, the leaf included (`{ customer(id: "…") { id } }` is 2).
  Introspection (`__schema`, `__type`) counts as one level: its own nesting is bounded by the
  token limit and can be switched off with the introspection setting.
- aliases: aliased fields, fragments expanded as often as they are spread.
- root fields: field selections at the operation's top level, fragments expanded.

Fragments are measured once each (memoized), so a "fragment bomb" costs linear time here
(Strawberry's own depth and alias limiters walk every spread, and the depth one crashes on an
unknown fragment). Refusals are `BAD_USER_INPUT` errors that name the limit and its value.
The work runs inside graphql-core's visit, after its own fragment-nesting guard, so the
recursion below is bounded by the parser's nesting limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.language import SKIP, VisitorAction
from strawberry.extensions import AddValidationRules

_INTROSPECTION_ROOTS = frozenset(("__schema", "__type"))


@dataclass(frozen=True)
class Shape:
    """What a selection set costs: its depth, aliases, and fields at its own level."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_root_fields: int


class _Measure:
    """Shapes of selection sets, with each fragment measured once per document."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, Shape] = {}
        self.active: set[str] = set()

    def fragment(self, name: str) -> Shape:
        shape = self.memo.get(name)
        if shape is not None:
            return shape
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            # Unknown fragments and cycles are other rules' errors; they cost nothing here.
            return Shape()
        self.active.add(name)
        try:
            shape = self.selection_set(definition.selection_set)
        finally:
            self.active.discard(name)
        self.memo[name] = shape
        return shape

    def selection_set(self, selection_set: SelectionSetNode) -> Shape:
        depth = aliases = fields = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields += 1
                aliases += selection.alias is not None
                nested = selection.selection_set
                if nested is None or selection.name.value in _INTROSPECTION_ROOTS:
                    depth = max(depth, 1)
                    continue
                inner = self.selection_set(nested)
                depth = max(depth, 1 + inner.depth)
                aliases += inner.aliases
                continue
            if isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
            else:  # pragma: no cover - the AST has no other selections
                continue
            # A fragment's fields sit at the level it is spread on.
            depth = max(depth, inner.depth)
            aliases += inner.aliases
            fields += inner.fields
        return Shape(depth, aliases, fields)


def _operation_label(node: OperationDefinitionNode) -> str:
    return f"operation '{node.name.value}': " if node.name else ""


def refusals(shape: Shape, limits: Limits) -> list[str]:
    """Messages for each limit `shape` breaks."""
    messages = []
    if shape.depth > limits.max_depth:
        messages.append(f"query depth {shape.depth} exceeds the limit of {limits.max_depth}")
    if shape.aliases > limits.max_aliases:
        messages.append(f"{shape.aliases} aliases exceed the limit of {limits.max_aliases}")
    if shape.fields > limits.max_root_fields:
        messages.append(f"{shape.fields} root fields exceed the limit of {limits.max_root_fields}")
    return messages


@cache  # one rule class per set of limits, not one per request
def limits_rule(limits: Limits) -> type[ValidationRule]:
    class OperationLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.measure: _Measure | None = None

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            if self.measure is None:
                self.measure = _Measure(
                    {
                        d.name.value: d
                        for d in self.context.document.definitions
                        if isinstance(d, FragmentDefinitionNode)
                    }
                )
            shape = self.measure.selection_set(node.selection_set)
            for message in refusals(shape, limits):
                self.report_error(
                    GraphQLError(
                        _operation_label(node) + message,
                        node,
                        extensions={"code": "BAD_USER_INPUT"},
                    )
                )
            return SKIP

        def enter_fragment_definition(self, *_args: Any) -> VisitorAction:
            return SKIP

    return OperationLimitsRule


class OperationLimits(AddValidationRules):
    """Schema extension: `OperationLimits(max_depth=12, max_aliases=100, max_root_fields=60)`."""

    def __init__(self, max_depth: int, max_aliases: int, max_root_fields: int) -> None:
        super().__init__([limits_rule(Limits(max_depth, max_aliases, max_root_fields))])
