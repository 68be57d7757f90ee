"""How one person's Fullwhere record and Mews guest profile become one set of values.

Three rules, applied per field:

- **Precedence.** With `Precedence.LATEST` (the default) the record updated last wins:
  Fullwhere's `updatedAt` against Mews's `UpdatedUtc`. A write through the gateway goes to
  Mews and bumps `UpdatedUtc`, so the unified fields show it at once. When a timestamp is
  missing or both are equal, Fullwhere (the customer data platform) comes first.
  `FULLWHERE` and `MEWS` fix the order instead. Either way, a source without a value leaves
  the field to the other one.
- **One vocabulary.** Values are normalised before they are compared or chosen: civilities to
  `Civility` (`Mr.`, `Mister`, `M.` are all `MR`), languages to their ISO 639-1 primary
  subtag, lower case (`fr-FR` and `fr` are both `fr`, a valid BCP 47 tag). The raw values
  stay in each source's `values`.
- **Derived display name.** `displayName` is Fullwhere's when Fullwhere is the preferred
  source and has one; otherwise it is made from the chosen first and last names, so it never
  contradicts them.

Records are the dicts the upstream clients decoded (Fullwhere's camelCase keys, Mews's
PascalCase keys).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

Record = Mapping[str, Any]


class Source(Enum):
    FULLWHERE = "fullwhere"
    MEWS = "mews"


class Precedence(Enum):
    """Which source a unified field prefers (`UNIFIED_PRECEDENCE`)."""

    LATEST = "latest"
    FULLWHERE = "fullwhere"
    MEWS = "mews"


DEFAULT_PRECEDENCE = Precedence.LATEST


class Reason(Enum):
    """Why a unified field holds the value it holds."""

    MORE_RECENT = "MORE_RECENT"
    ONLY_SOURCE = "ONLY_SOURCE"
    CONFIGURED_ORDER = "CONFIGURED_ORDER"
    DEFAULT_ORDER = "DEFAULT_ORDER"
    DERIVED = "DERIVED"


class Civility(Enum):
    MR = "MR"
    MS = "MS"
    MRS = "MRS"


# Civilities as people and systems write them: Mews's Title values, Fullwhere's free text.
# Mews documents `Miss` as "Ms." and `Misses` as "Mrs.".
_CIVILITIES = {
    **dict.fromkeys(("mister", "mr", "m", "monsieur", "herr", "sr", "signor"), Civility.MR),
    **dict.fromkeys(("miss", "ms", "mlle", "mademoiselle"), Civility.MS),
    **dict.fromkeys(("misses", "mrs", "mme", "madame", "frau", "sra", "signora"), Civility.MRS),
}
_LANGUAGE = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")


def civility(raw: Any) -> Civility | None:
    """`Civility` of an upstream title or civility; None for a value it does not know."""
    if not isinstance(raw, str):
        return None
    return _CIVILITIES.get(raw.strip().rstrip(".").casefold())


def language(raw: Any) -> str | None:
    """The primary language subtag (`fr`) of a language or culture code (`fr-FR`, `FR`,
    `fr_FR`); None for anything else."""
    if not isinstance(raw, str):
        return None
    match = _LANGUAGE.fullmatch(raw.strip())
    return match.group(1).lower() if match else None


def _text(raw: Any) -> Any:
    return raw.strip() or None if isinstance(raw, str) else raw


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value).lstrip("0")


def _same_text(a: Any, b: Any) -> bool:
    return str(a).strip().casefold() == str(b).strip().casefold()


def _same_phone(a: Any, b: Any) -> bool:
    return _digits(str(a)) == _digits(str(b))


def _mews_full_name(mews: Record) -> str | None:
    return _join_names(mews.get("FirstName"), mews.get("LastName"))


def _join_names(first: Any, last: Any) -> str | None:
    return " ".join(str(part).strip() for part in (first, last) if _present(part)) or None


def _present(value: Any) -> bool:
    return value is not None and value != "" and not (isinstance(value, str) and not value.strip())


Getter = Callable[[Record], Any]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Where a unified field's value is in each record, and how values are normalised and
    compared (values that are `same` are no conflict)."""

    fullwhere: Getter | None
    mews: Getter | None
    normalise: Callable[[Any], Any] = _text
    same: Callable[[Any, Any], bool] = _same_text


#: The unified fields, in the order `fieldSources` lists them.
FIELDS: dict[str, FieldRule] = {
    "firstName": FieldRule(lambda f: f.get("firstName"), lambda m: m.get("FirstName")),
    "lastName": FieldRule(lambda f: f.get("lastName"), lambda m: m.get("LastName")),
    "displayName": FieldRule(lambda f: f.get("displayName"), _mews_full_name),
    "email": FieldRule(lambda f: f.get("email"), lambda m: m.get("Email")),
    "phone": FieldRule(lambda f: f.get("phoneNumber"), lambda m: m.get("Phone"), same=_same_phone),
    "language": FieldRule(
        lambda f: f.get("language"),
        lambda m: m.get("PreferredLanguageCode") or m.get("LanguageCode"),
        normalise=language,
        same=lambda a, b: a == b,
    ),
    "civility": FieldRule(
        lambda f: f.get("civility"),
        lambda m: m.get("Title"),
        normalise=civility,
        same=lambda a, b: a == b,
    ),
    "company": FieldRule(lambda f: f.get("company"), None),
    "birthDate": FieldRule(None, lambda m: m.get("BirthDate")),
    "nationalityCode": FieldRule(None, lambda m: m.get("NationalityCode")),
    "loyaltyCode": FieldRule(None, lambda m: m.get("LoyaltyCode")),
}


@dataclass(frozen=True, slots=True)
class SourceValue:
    """One source's value for a field: as the upstream sent it, and normalised."""

    source: Source
    raw: Any
    value: Any


@dataclass(frozen=True, slots=True)
class Choice:
    """A unified field: the chosen (normalised) value, where it came from and why, and every
    source's value."""

    field: str
    value: Any
    source: Source | None
    reason: Reason | None
    values: tuple[SourceValue, ...]
    conflict: bool


@dataclass(frozen=True, slots=True)
class Order:
    """The sources in the order a field takes them, and why that order."""

    sources: tuple[Source, Source]
    reason: Reason


_FULLWHERE_FIRST = (Source.FULLWHERE, Source.MEWS)
_MEWS_FIRST = (Source.MEWS, Source.FULLWHERE)


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def source_order(fullwhere: Record | None, mews: Record | None, precedence: Precedence) -> Order:
    """Which source a field of this person prefers, and why."""
    if precedence is Precedence.FULLWHERE:
        return Order(_FULLWHERE_FIRST, Reason.CONFIGURED_ORDER)
    if precedence is Precedence.MEWS:
        return Order(_MEWS_FIRST, Reason.CONFIGURED_ORDER)
    fw_at = None if fullwhere is None else _moment(fullwhere.get("updatedAt"))
    mews_at = None if mews is None else _moment(mews.get("UpdatedUtc"))
    if fw_at is None or mews_at is None or fw_at == mews_at:
        return Order(_FULLWHERE_FIRST, Reason.DEFAULT_ORDER)
    return Order(_MEWS_FIRST if mews_at > fw_at else _FULLWHERE_FIRST, Reason.MORE_RECENT)


def needs_mews(field: str, fullwhere: Record | None, precedence: Precedence) -> bool:
    """Whether choosing `field` for a person linked to a Mews guest needs the Mews profile.

    Only a fixed Fullwhere-first order can answer from Fullwhere alone, and only when
    Fullwhere has the value (for `displayName`: a display name, or both names)."""
    rule = FIELDS[field]
    if rule.mews is None:
        return False
    if precedence is not Precedence.FULLWHERE or fullwhere is None:
        return True
    if field == "displayName" and _present(fullwhere.get("displayName")):
        return False
    if field == "displayName":
        return not (_present(fullwhere.get("firstName")) and _present(fullwhere.get("lastName")))
    return rule.fullwhere is None or rule.normalise(rule.fullwhere(fullwhere)) is None


def value(field: str, fullwhere: Record | None, mews: Record | None, order: Order) -> Any:
    """The chosen value of `field` alone: what `choose(...).value` is, without the
    provenance (the hot path of a page of customers)."""
    if field == "displayName":
        own = _preferred_display_name(fullwhere, mews, order)
        if own is not None:
            return own
        first = value("firstName", fullwhere, mews, order)
        return _join_names(first, value("lastName", fullwhere, mews, order))
    rule = FIELDS[field]
    for source in order.sources:
        record, get = (
            (fullwhere, rule.fullwhere) if source is Source.FULLWHERE else (mews, rule.mews)
        )
        if record is not None and get is not None:
            raw = get(record)
            if _present(raw) and (normalised := rule.normalise(raw)) is not None:
                return normalised
    return None


def _preferred_display_name(
    fullwhere: Record | None, mews: Record | None, order: Order
) -> str | None:
    """Fullwhere's display name, when Fullwhere is the preferred source (or the only one)."""
    if fullwhere is None or (mews is not None and order.sources[0] is not Source.FULLWHERE):
        return None
    own = fullwhere.get("displayName")
    return _text(own) if _present(own) else None


def _values(field: str, fullwhere: Record | None, mews: Record | None) -> list[SourceValue]:
    rule = FIELDS[field]
    values = []
    for source, record, get in (
        (Source.FULLWHERE, fullwhere, rule.fullwhere),
        (Source.MEWS, mews, rule.mews),
    ):
        if record is not None and get is not None:
            raw = get(record)
            raw = raw if _present(raw) else None
            values.append(SourceValue(source, raw, None if raw is None else rule.normalise(raw)))
    return values


def _first(values: list[SourceValue], order: Order) -> tuple[SourceValue | None, Reason | None]:
    present = {v.source: v for v in values if v.value is not None}
    for source in order.sources:
        if source in present:
            return present[source], order.reason if len(present) > 1 else Reason.ONLY_SOURCE
    return None, None


def choose(field: str, fullwhere: Record | None, mews: Record | None, order: Order) -> Choice:
    """The unified value of `field` for a person (`mews` None: no profile, or not needed)."""
    rule = FIELDS[field]
    values = _values(field, fullwhere, mews)
    present = [v.value for v in values if v.value is not None]
    conflict = len(present) == 2 and not rule.same(present[0], present[1])
    if field == "displayName":
        return _display_name(values, fullwhere, mews, order, conflict)
    chosen, reason = _first(values, order)
    return Choice(
        field=field,
        value=None if chosen is None else chosen.value,
        source=None if chosen is None else chosen.source,
        reason=reason,
        values=tuple(values),
        conflict=conflict,
    )


def _display_name(
    values: list[SourceValue],
    fullwhere: Record | None,
    mews: Record | None,
    order: Order,
    conflict: bool,
) -> Choice:
    own = _preferred_display_name(fullwhere, mews, order)
    if own is not None:
        reason = order.reason if mews is not None else Reason.ONLY_SOURCE
        return Choice("displayName", own, Source.FULLWHERE, reason, tuple(values), conflict)
    first = choose("firstName", fullwhere, mews, order)
    last = choose("lastName", fullwhere, mews, order)
    derived = _join_names(first.value, last.value)
    source = first.source or last.source
    return Choice(
        "displayName",
        derived,
        source if derived is not None else None,
        Reason.DERIVED if derived is not None else None,
        tuple(values),
        conflict,
    )


# --- Address ------------------------------------------------------------------------------

#: A unified address's keys, each with the key of Mews's address object.
ADDRESS_KEYS = {
    "line1": "Line1",
    "line2": "Line2",
    "city": "City",
    "postal_code": "PostalCode",
    "country_code": "CountryCode",
    "country_subdivision_code": "CountrySubdivisionCode",
    "latitude": "Latitude",
    "longitude": "Longitude",
}

# Fullwhere holds addresses only inside the blocks of the systems it collects from: where
# each documented block keeps its street line, city, postal code and country.
_FULLWHERE_ADDRESS_PATHS: dict[str, dict[str, tuple[str, ...]]] = {
    "zenchef": {
        "line1": ("address",),
        "city": ("city",),
        "postal_code": ("zip",),
        "country_code": ("country",),
    },
    "theFork": {
        "line1": ("address",),
        "city": ("city",),
        "postal_code": ("zipcode",),
        "country_code": ("country",),
    },
    "experience": {
        "line1": ("addr_street",),
        "city": ("addr_city",),
        "postal_code": ("addr_zipcode",),
        "country_code": ("addr_country",),
    },
    "oracle": {
        "line1": ("address", "streetAddress"),
        "city": ("address", "cityName"),
        "postal_code": ("address", "postalCode"),
        "country_code": ("address", "country", "code"),
    },
}
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")


def _dig(block: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        block = block.get(key) if isinstance(block, Mapping) else None
    return block


def fullwhere_address(record: Record) -> dict[str, Any] | None:
    """The first address found in the record's metadata blocks (documented order)."""
    metadata = record.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    for block_name, paths in _FULLWHERE_ADDRESS_PATHS.items():
        block = metadata.get(block_name)
        address = {key: _text(_dig(block, path)) for key, path in paths.items()}
        country = address.get("country_code")
        address["country_code"] = (
            country.upper()
            if isinstance(country, str) and _COUNTRY_CODE.fullmatch(country)
            else None
        )
        if address["line1"] or address["city"]:
            return {**dict.fromkeys(ADDRESS_KEYS), **address, "source": Source.FULLWHERE}
    return None


def mews_address(record: Record) -> dict[str, Any] | None:
    """The guest's address as Mews sends it with the `Addresses` extent."""
    address = record.get("Address")
    if not isinstance(address, Mapping):
        return None
    unified = {key: _text(address.get(mews_key)) for key, mews_key in ADDRESS_KEYS.items()}
    if not any(unified.values()):
        return None
    return {**unified, "source": Source.MEWS}


def address(fullwhere: Record | None, mews: Record | None, order: Order) -> dict[str, Any] | None:
    """The person's address from the preferred source that has one (each address whole,
    never a mix of two)."""
    found = {
        Source.FULLWHERE: None if fullwhere is None else fullwhere_address(fullwhere),
        Source.MEWS: None if mews is None else mews_address(mews),
    }
    return next((found[s] for s in order.sources if found[s] is not None), None)
