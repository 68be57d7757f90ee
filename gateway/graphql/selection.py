"""What a query asks for below a field, so resolvers can fetch it up front.

`selected_names(info, "edges", "node")` is the set of field names (not aliases) selected at
that path below the current field, through fragments and inline fragments.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.types import Info


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> Iterable[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)


def selected_names(info: Info, *path: str) -> set[str]:
    fragments = info._raw_info.fragments
    nodes: list[FieldNode] = list(info._raw_info.field_nodes)
    for name in path:
        nodes = [
            child
            for node in nodes
            for child in _fields(node.selection_set, fragments)
            if child.name.value == name
        ]
    return {child.name.value for node in nodes for child in _fields(node.selection_set, fragments)}
