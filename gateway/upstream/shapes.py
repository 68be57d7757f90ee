"""The vocabulary upstream record types are annotated with.

The TypedDicts in `fullwhere_types` and `mews_types` are the one description of each upstream
shape: the GraphQL schema derives its object types from them (`gateway.graphql.shapes`). What
a plain `str` cannot say travels in `Annotated` metadata, which type checkers ignore:

- `Doc("...")` (PEP 727) is the field's description, taken from the upstream docs where they
  have one;
- `Deprecated("...")` marks a field the upstream deprecated, with its advice;
- `IdStr`, `DateTimeStr` and `DateStr` are text the upstream documents as an identifier, an
  ISO 8601 date-time or an ISO 8601 date.

Nullability is the annotation's own: `str` is a value the upstream always sends, `str | None`
one it may leave out or null.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated

from typing_extensions import Doc

__all__ = ["DateStr", "DateTimeStr", "Deprecated", "Doc", "IdStr", "Text"]


class Text(enum.Enum):
    """What a documented string means, beyond being text."""

    ID = "ID"
    DATETIME = "DateTime"
    DATE = "Date"


@dataclass(frozen=True, slots=True)
class Deprecated:
    """The upstream deprecated this field; `reason` is its advice, quoted."""

    reason: str


IdStr = Annotated[str, Text.ID]
DateTimeStr = Annotated[str, Text.DATETIME]
DateStr = Annotated[str, Text.DATE]
