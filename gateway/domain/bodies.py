"""Mutation input checked and turned into upstream bodies, before any upstream call.

The GraphQL layer hands over each input as the mapping of the fields the caller gave (a null
is a given `None`; nested inputs are mappings too). Problems are collected for the whole input
and reported together as one BAD_USER_INPUT error whose message names each field
(`input[3].email: 'x' is not an email address`) and whose `extensions.problems` lists them as
`{path, message}` pairs, so a form can mark every wrong field at once.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, cast

from gateway.domain.batches import FULLWHERE_SAFE_BODY_BYTES, batch_item_fits, encoded_size
from gateway.domain.ids import UUID
from gateway.errors import BadUserInput, echo
from gateway.upstream.fullwhere_types import FOREIGN_ID_FIELDS, FullwhereImportBody
from gateway.upstream.languages import ISO_639_1
from gateway.upstream.mews_types import MewsAddBody
from gateway.validators import is_email

#: Given fields of one input object, by attribute name (`first_name`).
Fields = Mapping[str, Any]

MAX_LISTED_PROBLEMS: Final = 20
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_SUBDIVISION = re.compile(r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}")
_CULTURE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class Problems:
    """The problems found in one mutation's arguments."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def raise_if_any(self, argument: str) -> None:
        """Raises:
        BadUserInput: naming every problem found, when there is one."""
        if not self.items:
            return
        listed = [f"{path}: {message}" for path, message in self.items[:MAX_LISTED_PROBLEMS]]
        if len(self.items) > MAX_LISTED_PROBLEMS:
            listed.append(f"and {len(self.items) - MAX_LISTED_PROBLEMS} more")
        raise BadUserInput(
            "; ".join(listed),
            argument=argument,
            problems=[{"path": path, "message": message} for path, message in self.items],
        )


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


def _camel(attr: str) -> str:
    head, *rest = attr.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _pascal(attr: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in attr.split("_"))


# --- Fullwhere import ---------------------------------------------------------------------------

#: (input attribute, body key) of the plain string fields, in documented order.
_FULLWHERE_STRINGS: Final = tuple(
    (_snake(key), key)
    for key in (
        "description",
        "company",
        "firstName",
        "lastName",
        "displayName",
        "phoneNumber",
        "civility",
        *FOREIGN_ID_FIELDS,
    )
    if key != "mewsId"
)


def fullwhere_body(item: Fields, path: str, problems: Problems) -> FullwhereImportBody:
    """The Fullwhere import body for `item`; problems are reported under `path`."""
    body: dict[str, Any] = {}
    for attr, key in _FULLWHERE_STRINGS:
        if item.get(attr) is not None:
            body[key] = item[attr]
    email = item.get("email")
    if isinstance(email, str):
        if is_email(email.strip()):
            body["email"] = email.strip()
        else:
            problems.add(f"{path}.email", f"{email!r} is not an email address")
    language = item.get("language")
    if isinstance(language, enum.Enum):
        body["language"] = language.value
    entries = item.get("metadata")
    if isinstance(entries, list):
        metadata: dict[str, str] = {}
        for index, entry in enumerate(entries):
            key = entry["key"]
            if not key.strip():
                problems.add(f"{path}.metadata[{index}].key", "must not be empty")
            elif key in metadata:
                problems.add(f"{path}.metadata[{index}].key", f"{key!r} is given twice")
            metadata[key] = entry["value"]
        body["metadata"] = metadata
    for attr, key in (("sms_optin", "smsOptin"), ("email_optin", "emailOptin")):
        if item.get(attr) is not None:
            body[key] = item[attr]
    given_mews_id = item.get("mews_id")
    if isinstance(given_mews_id, str):
        mews_id = given_mews_id.strip().removeprefix("mews:")
        if UUID.fullmatch(mews_id):
            body["mewsId"] = mews_id.lower()
        else:
            problems.add(f"{path}.mewsId", f"{echo(given_mews_id)} is not a Mews guest id (a UUID)")
    size = encoded_size(body)
    if not batch_item_fits(size):
        problems.add(
            path,
            f"this customer takes {size} bytes once encoded; Fullwhere accepts request bodies "
            f"of at most {FULLWHERE_SAFE_BODY_BYTES} bytes",
        )
    return cast(FullwhereImportBody, body)


# --- Mews add and update ------------------------------------------------------------------------

#: Turns one given (non-null, non-blank) field into its Mews body value, or adds a problem at
#: `where` and returns None.
Convert = Callable[[Any, str, Problems], Any]


def _enum_value(value: Any, where: str, problems: Problems) -> Any:
    return value.value


def _date(value: Any, where: str, problems: Problems) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _email(value: Any, where: str, problems: Problems) -> Any:
    if is_email(value.strip()):
        return value.strip()
    problems.add(where, f"{echo(value)} is not an email address")
    return None


def _matching(pattern: re.Pattern[str], example: str, *, upper: bool) -> Convert:
    """A code checked against `pattern` (`example` names what is expected)."""

    def convert(value: Any, where: str, problems: Problems) -> Any:
        if pattern.fullmatch(value.strip()):
            return value.strip().upper() if upper else value.strip()
        problems.add(where, f"{echo(value)} is not {example}")
        return None

    return convert


def _mews_id(value: Any, where: str, problems: Problems) -> Any:
    if UUID.fullmatch(str(value).strip()):
        return str(value).strip().lower()
    problems.add(where, f"{echo(value)} is not a Mews id (a UUID)")
    return None


def _members(kind: str) -> Convert:
    """A list of enum members (classifications, options), each once."""

    def convert(value: Any, where: str, problems: Problems) -> Any:
        if any(member.value == "None" for member in value):
            problems.add(where, f"NONE is not a {kind} Mews accepts on a write")
            return None
        return list(dict.fromkeys(member.value for member in value))

    return convert


def _text(limit: int | None = None) -> Convert:
    """Free text, at most `limit` characters."""

    def convert(value: Any, where: str, problems: Problems) -> Any:
        if limit is not None and len(value) > limit:
            problems.add(where, f"at most {limit} characters, got {len(value)}")
            return None
        return value

    return convert


def _address_value(value: Any, where: str, problems: Problems) -> Any:
    return _address(value, where, problems) or None


_COUNTRY_CODE: Final = _matching(
    _COUNTRY, "an ISO 3166-1 alpha-2 country code such as `IT`", upper=True
)
_ITALIAN: Final = ("italian_destination_code", "italian_fiscal_code", "italian_lottery_code")
#: Every Mews field of the add and update inputs, in body order, with its conversion.
_MEWS_FIELDS: Final[Mapping[str, Convert]] = {
    "title": _enum_value,
    "sex": _enum_value,
    **{
        attr: _text()
        for attr in (
            "first_name",
            "last_name",
            "second_last_name",
            "birth_place",
            "occupation",
            "phone",
            "loyalty_code",
            "notes",
        )
    },
    "car_registration_number": _text(255),
    "dietary_requirements": _text(255),
    "tax_identification_number": _text(),
    "email": _email,
    "nationality_code": _COUNTRY_CODE,
    "birth_country_code": _COUNTRY_CODE,
    "birth_country_subdivision_code": _matching(
        _SUBDIVISION, "an ISO 3166-2 subdivision code such as `ES-C`", upper=True
    ),
    "preferred_language_code": _matching(
        _CULTURE, "a language and culture code such as `en-GB`", upper=False
    ),
    "birth_date": _date,
    "company_id": _mews_id,
    "chain_id": _mews_id,
    "address": _address_value,
    "classifications": _members("classification"),
    "options": _members("option"),
    "italian_destination_code": _text(),
    "italian_fiscal_code": _text(),
    "italian_lottery_code": _text(15),
}


def _address(address: Fields, where: str, problems: Problems) -> dict[str, str]:
    body: dict[str, str] = {}
    for attr in (
        "line1",
        "line2",
        "city",
        "postal_code",
        "country_code",
        "country_subdivision_code",
    ):
        value = address.get(attr)
        if value is None or _blank(value):
            continue
        if attr == "country_code" and not _COUNTRY.fullmatch(value.strip()):
            problems.add(f"{where}.countryCode", f"{echo(value)} is not an ISO 3166-1 alpha-2 code")
            continue
        if attr == "country_subdivision_code" and not _SUBDIVISION.fullmatch(value.strip()):
            problems.add(
                f"{where}.countrySubdivisionCode",
                f"{echo(value)} is not an ISO 3166-2 code such as `IT-65`",
            )
            continue
        body[_pascal(attr)] = value.strip().upper() if attr.startswith("country") else value
    return body


def mews_add_body(item: Fields, problems: Problems) -> MewsAddBody:
    """The `customers/add` body (without credentials) for `item`."""
    body: dict[str, Any] = {"OverwriteExisting": item["overwrite_existing"]}
    if _blank(item.get("last_name")):
        problems.add("input.lastName", "must not be empty: Mews requires a last name")
    for attr, convert in _MEWS_FIELDS.items():
        value = item.get(attr)
        if value is None or _blank(value):
            continue
        converted = convert(value, f"input.{_camel(attr)}", problems)
        if converted is not None:
            body[_pascal(attr)] = converted
    return cast(MewsAddBody, body)


def mews_update_body(item: Fields, problems: Problems) -> dict[str, Any]:
    """The `customers/update` body for `item`, without `CustomerId` (resolved later)."""
    body: dict[str, Any] = {}
    for attr, convert in _MEWS_FIELDS.items():
        if attr not in item:
            continue
        value = item[attr]
        where = f"input.{_camel(attr)}"
        if attr in _ITALIAN:
            if value is None:
                body[_pascal(attr)] = {"Value": None}
                continue
            if _blank(value):
                problems.add(where, "blank; send null to clear this code")
                continue
        elif value is None or _blank(value):
            problems.add(
                where,
                "Mews cannot clear this field (it ignores blank values); omit it to leave it "
                "as it is"
                + (
                    "; send [] to remove every item"
                    if attr in ("classifications", "options")
                    else ""
                ),
            )
            continue
        converted = convert(value, where, problems)
        if converted is not None:
            body[_pascal(attr)] = {"Value": converted} if attr in _ITALIAN else converted
    if not body and not problems.items:
        problems.add("input", "nothing to update: give at least one field besides `id`")
    return body


_CIVILITIES: Final = {"Mister": "Mr.", "Miss": "Ms.", "Misses": "Mrs."}


def fullwhere_body_from_mews(mews_body: MewsAddBody) -> dict[str, Any]:
    """What a Mews add body says about the person, as Fullwhere import fields."""
    body: dict[str, Any] = {}
    given: dict[str, Any] = dict(mews_body)
    for mews_key, key in (
        ("FirstName", "firstName"),
        ("LastName", "lastName"),
        ("Email", "email"),
        ("Phone", "phoneNumber"),
    ):
        if given.get(mews_key):
            body[key] = given[mews_key]
    names = [mews_body.get("FirstName"), mews_body.get("LastName")]
    if display := " ".join(name for name in names if name):
        body["displayName"] = display
    culture = mews_body.get("PreferredLanguageCode")
    if culture and (language := culture.split("-")[0].lower()) in ISO_639_1:
        body["language"] = language
    if civility := _CIVILITIES.get(mews_body.get("Title") or ""):
        body["civility"] = civility
    return body


def mews_chain_id(value: str | None, where: str) -> str | None:
    """A chain id given in an input, as Mews takes it (a lower-case UUID).

    Raises:
        BadUserInput: the value is not a UUID.
    """
    if value is None:
        return None
    if not UUID.fullmatch(str(value).strip()):
        raise BadUserInput(f"{where}: {str(value)!r} is not a Mews id (a UUID)", argument=where)
    return str(value).strip().lower()


__all__ = [
    "MAX_LISTED_PROBLEMS",
    "Fields",
    "Problems",
    "fullwhere_body",
    "fullwhere_body_from_mews",
    "mews_add_body",
    "mews_chain_id",
    "mews_update_body",
]
