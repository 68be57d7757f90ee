"""Conventions every schema type follows.

Upstream records stay the plain dicts the clients decoded: object types whose fields have no
resolver are *views* over those dicts. `resolve_attribute` (the schema's default resolver)
reads a dict key named like the Python attribute, or an attribute of a Python object, so a
type declares its fields with the upstream key as the attribute name and pays no conversion.
`GraphQLNames` turns those keys into GraphQL names by camel-casing them and nothing more
(`remote_id` → `remoteId`, `FirstName` → `firstName`), with one acronym style: an acronym is a
word like any other (`LocationID` → `locationId`, `AllowSMS` → `allowSms`).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any, NewType, TypeVar

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.types.scalar import ScalarDefinition

from gateway.errors import echo

_LEADING_CAPS = re.compile(r"^([A-Z]+)(?=[A-Z][a-z]|$|[0-9])|^([A-Z])")
# An upper-case run not followed by a lower-case letter: an acronym (its last capital starts
# the next word when one follows, as the `C` in `SMSCode`).
_ACRONYM = re.compile(r"[A-Z]{2,}(?![a-z])")


def upstream_camel(name: str) -> str:
    """The GraphQL name for an upstream key: camel case with a lower-case first letter and
    acronyms written as words (`profileURL` → `profileUrl`)."""
    parts = [part for part in name.split("_") if part]
    if not parts:
        return name
    head = _LEADING_CAPS.sub(lambda m: m.group(0).lower(), parts[0])
    camel = head + "".join(part[0].upper() + part[1:] for part in parts[1:])
    return _ACRONYM.sub(lambda m: m.group(0)[0] + m.group(0)[1:].lower(), camel)


class GraphQLNames(NameConverter):
    """Field and argument names: `upstream_camel` of the Python name."""

    def apply_naming_config(self, name: str) -> str:
        return upstream_camel(name)


def resolve_attribute(source: Any, name: str) -> Any:
    """Default resolver: a key of an upstream dict (missing → null) or an attribute."""
    if isinstance(source, dict):
        return source.get(name)
    return getattr(source, name)


def serialize_datetime(value: object) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat().replace("+00:00", "Z")
    # Upstreams already send ISO 8601 text; passing it through keeps their precision.
    return str(value)


def _parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string such as 2025-01-31T09:30:00Z")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{echo(value)} is not an ISO 8601 date-time such as 2025-01-31T09:30:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _serialize_date(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("Date must be an ISO 8601 string such as 1985-09-30")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{echo(value)} is not an ISO 8601 date such as 1985-09-30") from None


DateTime = NewType("DateTime", str)
Date = NewType("Date", str)
JSON = NewType("JSON", object)
#: Federation's `_Any` (in the subgraph schema only): an entity representation, as sent.
Representation = NewType("Representation", object)

#: How the scalars above are (de)serialised; part of `schema_config()`.
SCALARS: dict[object, ScalarDefinition] = {
    DateTime: strawberry.scalar(
        name="DateTime",
        description="A point in time, ISO 8601 with a UTC offset, e.g. `2025-10-28T12:26:05.938Z`.",
        serialize=serialize_datetime,
        parse_value=_parse_datetime,
    ),
    Date: strawberry.scalar(
        name="Date",
        description="A calendar date, ISO 8601, e.g. `1985-09-30`.",
        serialize=_serialize_date,
        parse_value=_parse_date,
    ),
    JSON: strawberry.scalar(
        name="JSON",
        description=(
            "Free-form JSON, used only where the upstream documents an open object "
            "(Fullwhere `metadata.import`, Zelty `metadata`, ...)."
        ),
        serialize=lambda value: value,
        parse_value=lambda value: value,
    ),
    Representation: strawberry.scalar(
        name="_Any",
        description="An entity representation: its `__typename` and its key field `id`.",
        serialize=lambda value: value,
        parse_value=lambda value: value,
    ),
}


def schema_config() -> StrawberryConfig:
    """The conventions above as Strawberry configuration: every schema is built with it."""
    return StrawberryConfig(
        default_resolver=resolve_attribute, name_converter=GraphQLNames(), scalar_map=SCALARS
    )


E = TypeVar("E", bound=enum.Enum)


def enum_or_none(enum_type: type[E], value: object) -> E | None:
    """`value` as a member of `enum_type`, or None when the upstream sent a value we do
    not know yet (the raw text stays reachable through the field's `...Raw` twin)."""
    if value is None:
        return None
    try:
        return enum_type(value)
    except ValueError:
        return None


def enum_list(enum_type: type[E], values: object) -> list[E]:
    """Known members of `values`, in order; unknown ones are left to the `...Raw` twin."""
    if not isinstance(values, list):
        return []
    known: list[E] = []
    for value in values:
        member = enum_or_none(enum_type, value)
        if member is not None:
            known.append(member)
    return known
