"""Drop graphql-core's schema hints ("Did you mean 'displayName'?") from error messages.

With introspection off, the hints would still reveal field, argument, type, enum value and
input field names one guess at a time; `build_schema` adds this extension together with
`DisableIntrospection`. graphql-core can hide them itself (`hide_suggestions`), but Strawberry
does not pass that option through to validation or execution, so the messages are cleaned
once the operation is over, whichever phase wrote them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

# graphql-core's `did_you_mean`: " Did you mean 'a', 'b', or 'c'?" (names never hold a "?").
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


class HideSuggestions(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            error.message = without_suggestions(error.message)
