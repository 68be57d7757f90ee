"""Hot resolvers without Strawberry's per-call wrapper.

Strawberry wraps every resolver in code that builds its own `Info`, converts arguments and
runs field extensions: some microseconds a call, which a page of 100 customers pays about
1,400 times. On the types in `HOT_TYPES`, a resolver that takes no GraphQL argument (only
its object and optionally `info`) is called directly with graphql-core's resolve info.
That info has the `.context` and `.path` these resolvers use; they must use nothing else of
Strawberry's `Info`. No field extension or permission class exists on them (checked here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

HOT_TYPES = ("Customer", "MewsProfile", "MewsCustomerEdge")
_DEFINITION = "strawberry-definition"


def _direct(func: Callable[..., Any], takes_info: bool) -> Callable[..., Any]:
    if takes_info:
        return lambda source, info: func(source, info)
    return lambda source, info: func(source)


def bypass_wrappers(schema: strawberry.Schema) -> int:
    """Let graphql-core call the plain resolvers of `HOT_TYPES`; returns how many."""
    replaced = 0
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
