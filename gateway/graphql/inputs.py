"""Mutation inputs, typed after the upstream bodies they become.

`given(input)` hands an input to `gateway.domain.bodies`, which checks it and builds the
upstream body; `read_attachment` reads and checks an attached file.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from gateway import files
from gateway.domain.bodies import Fields, Problems
from gateway.graphql.base import Date
from gateway.graphql.mews import (
    MewsCustomerClassification,
    MewsCustomerOption,
    MewsSex,
    MewsTitle,
)
from gateway.upstream.languages import ISO_639_1

UNSET: Any = strawberry.UNSET

if TYPE_CHECKING:
    LanguageCode = enum.Enum
else:
    LanguageCode = strawberry.enum(
        enum.Enum("LanguageCode", [(code, code) for code in sorted(ISO_639_1)]),
        description=(
            "An ISO 639-1 language code, the list Fullwhere documents for `language` "
            "(e.g. `fr`, `en`, `af`)."
        ),
    )


# --- Fullwhere import ---------------------------------------------------------------------------


@strawberry.input(description="One `metadata` entry of a Fullwhere import: a string pair.")
class MetadataEntryInput:
    key: str = strawberry.field(description="The key (unique, non-empty).")
    value: str = strawberry.field(description="The value.")


@strawberry.input(
    description=(
        "A customer to import into Fullwhere: the documented import body (`POST "
        "/partners/customer`). Every field is optional; omitted or null fields are not sent."
    )
)
class ImportCustomerInput:
    description: str | None = strawberry.field(default=UNSET, description="Free-text description.")
    company: str | None = strawberry.field(default=UNSET, description="Company.")
    first_name: str | None = strawberry.field(default=UNSET, description="First name.")
    last_name: str | None = strawberry.field(default=UNSET, description="Last name.")
    display_name: str | None = strawberry.field(
        default=UNSET, description="Usually first and last name together."
    )
    phone_number: str | None = strawberry.field(default=UNSET, description="Phone number.")
    email: str | None = strawberry.field(
        default=UNSET, description="Must be an email address (Fullwhere checks it too)."
    )
    civility: str | None = strawberry.field(default=UNSET, description="E.g. `Mr.`, `Ms.`.")
    language: LanguageCode | None = strawberry.field(
        default=UNSET, description="ISO 639-1 language code."
    )
    metadata: list[MetadataEntryInput] | None = strawberry.field(
        default=UNSET,
        description=(
            "Extra key/value strings stored with the customer (Fullwhere shows them under "
            "`metadata.import`). Keys must be unique and non-empty."
        ),
    )
    sms_optin: bool | None = strawberry.field(
        default=UNSET, description="Whether the customer accepts marketing SMS."
    )
    email_optin: bool | None = strawberry.field(
        default=UNSET, description="Whether the customer accepts marketing email."
    )
    zenchef_id: str | None = strawberry.field(default=UNSET, description="Id in Zenchef.")
    ubereats_id: str | None = strawberry.field(default=UNSET, description="Id in Uber Eats.")
    deliveroo_id: str | None = strawberry.field(default=UNSET, description="Id in Deliveroo.")
    zelty_id: str | None = strawberry.field(default=UNSET, description="Id in Zelty.")
    sevenrooms_id: str | None = strawberry.field(default=UNSET, description="Id in SevenRooms.")
    meta_id: str | None = strawberry.field(
        default=UNSET, description="Id in Meta (Facebook/Instagram)."
    )
    mews_id: str | None = strawberry.field(
        default=UNSET,
        description=(
            "The Mews guest this customer is (a UUID, `mews:` prefix accepted): the gateway "
            "joins the two records through it."
        ),
    )
    oracle_id: str | None = strawberry.field(default=UNSET, description="Id in Oracle.")
    partouche_id: str | None = strawberry.field(default=UNSET, description="Id in Partouche.")
    como_id: str | None = strawberry.field(default=UNSET, description="Id in Como.")
    the_fork_id: str | None = strawberry.field(default=UNSET, description="Id in TheFork.")


# --- Mews add and update ------------------------------------------------------------------------


@strawberry.input(description="A postal address for Mews. Omitted or null lines are not sent.")
class MewsAddressInput:
    line1: str | None = strawberry.field(default=UNSET, description="First line of the address.")
    line2: str | None = strawberry.field(default=UNSET, description="Second line of the address.")
    city: str | None = strawberry.field(default=UNSET, description="City.")
    postal_code: str | None = strawberry.field(default=UNSET, description="Postal code.")
    country_code: str | None = strawberry.field(
        default=UNSET, description="ISO 3166-1 alpha-2, e.g. `IT`."
    )
    country_subdivision_code: str | None = strawberry.field(
        default=UNSET, description="ISO 3166-2, e.g. `IT-65`."
    )


#: Descriptions shared by the add and update inputs.
_MEWS_DOC_FIELDS: Final = {
    "nationality_code": "ISO 3166-1 alpha-2 code of the nationality, e.g. `IT`.",
    "preferred_language_code": "Language and culture code, e.g. `en-GB`, `fr-CA`.",
    "birth_country_code": "ISO 3166-1 alpha-2 code of the birth country.",
    "birth_country_subdivision_code": "ISO 3166-2 code of the birth province, e.g. `ES-C`.",
    "email": "Email address; Mews finds duplicates by email.",
    "notes": "Internal notes (replace the old ones).",
    "car_registration_number": "Car registration number, at most 255 characters.",
    "dietary_requirements": "Dietary requirements (e.g. Vegan, Halal), at most 255 characters.",
    "company_id": "Mews id of the company the customer belongs to.",
    "classifications": "Classifications (the list replaces the current one).",
    "options": "Options such as marketing consents (the list replaces the current one).",
    "chain_id": "Chain id; only needed with portfolio access tokens.",
}


# The add and update inputs share one block of guest fields (`_MewsGuestFields`). Each input
# lists its own leading fields in a mixin named first among its bases: Strawberry orders a
# type's fields base by base in that order, then its own new fields, and a redeclared field
# keeps its place, so both inputs keep their documented field order.


@strawberry.input
class _MewsGuestFields:
    second_last_name: str | None = strawberry.field(default=UNSET, description="Second last name.")
    nationality_code: str | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["nationality_code"]
    )
    preferred_language_code: str | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["preferred_language_code"]
    )
    sex: MewsSex | None = strawberry.field(default=UNSET, description="Sex.")
    birth_date: Date | None = strawberry.field(default=UNSET, description="Date of birth.")
    birth_country_code: str | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["birth_country_code"]
    )
    birth_country_subdivision_code: str | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["birth_country_subdivision_code"]
    )
    birth_place: str | None = strawberry.field(default=UNSET, description="Place of birth.")
    occupation: str | None = strawberry.field(default=UNSET, description="Occupation.")
    email: str | None = strawberry.field(default=UNSET, description=_MEWS_DOC_FIELDS["email"])
    phone: str | None = strawberry.field(
        default=UNSET, description="Phone number (possibly mobile)."
    )
    loyalty_code: str | None = strawberry.field(default=UNSET, description="Loyalty code.")
    notes: str | None = strawberry.field(default=UNSET, description="Internal notes.")
    car_registration_number: str | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["car_registration_number"]
    )
    dietary_requirements: str | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["dietary_requirements"]
    )
    tax_identification_number: str | None = strawberry.field(
        default=UNSET, description="Tax identification number."
    )
    company_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["company_id"]
    )
    address: MewsAddressInput | None = strawberry.field(
        default=UNSET, description="Address of the customer."
    )
    classifications: list[MewsCustomerClassification] | None = strawberry.field(
        default=UNSET, description="Classifications of the customer."
    )
    options: list[MewsCustomerOption] | None = strawberry.field(
        default=UNSET, description="Options such as marketing consents."
    )
    chain_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["chain_id"]
    )
    italian_destination_code: str | None = strawberry.field(
        default=UNSET, description="Italian destination code."
    )
    italian_fiscal_code: str | None = strawberry.field(
        default=UNSET, description="Italian fiscal code."
    )
    italian_lottery_code: str | None = strawberry.field(
        default=UNSET, description="At most 15 characters."
    )


@strawberry.input
class _AddCustomerHead:
    last_name: str = strawberry.field(description="Last name (required by Mews).")
    overwrite_existing: bool = strawberry.field(
        default=False,
        description=(
            "What to do when a Mews guest with the same `email` exists. false (default): "
            "nothing is written and the mutation fails with BAD_USER_INPUT naming the "
            "email. true: that guest's basic personal information (title, names, "
            "nationality, language, birth data, occupation, email, phone) is overwritten "
            "with these values and that guest is returned; no new guest is created."
        ),
    )
    title: MewsTitle | None = strawberry.field(default=UNSET, description="Title prefix.")
    first_name: str | None = strawberry.field(default=UNSET, description="First name.")


@strawberry.input(
    description=(
        "A new Mews guest (`customers/add`). `lastName` is required; omitted, null and blank "
        "fields are not sent."
    )
)
class AddCustomerInput(_AddCustomerHead, _MewsGuestFields):
    property: str | None = strawberry.field(
        default=None,
        description=(
            "The `MEWS_ACCESS_TOKENS` name of the property to add the guest to. A gateway "
            "reaching several Mews places (a hotel group) needs this or `chainId` (a chain "
            "of the portfolio token); with one place, neither."
        ),
    )
    also_import_to_fullwhere: bool = strawberry.field(
        default=False,
        description=(
            "Also import the new guest into Fullwhere, linked by `mewsId`, so the unified "
            "customer exists in both systems after one call. Names, email, phone, language "
            "(its ISO 639-1 part) and civility are taken from this input; `fullwhere` adds "
            "or overrides Fullwhere-only fields. If the Fullwhere import fails, the Mews guest "
            "still exists: `AddCustomerPayload.fullwhereImport` says so."
        ),
    )
    fullwhere: ImportCustomerInput | None = strawberry.field(
        default=UNSET,
        description=(
            "Fields for the Fullwhere record (with `alsoImportToFullwhere: true` only). "
            "`mewsId` is set by the gateway."
        ),
    )


@strawberry.input
class _UpdateCustomerHead:
    id: strawberry.ID = strawberry.field(
        description=(
            "The customer: `mews:<uuid>`, or `fullwhere:<id>` of a customer linked to a Mews "
            "guest (that guest is updated)."
        )
    )
    title: MewsTitle | None = strawberry.field(default=UNSET, description="New title prefix.")
    first_name: str | None = strawberry.field(default=UNSET, description="New first name.")
    last_name: str | None = strawberry.field(default=UNSET, description="New last name.")


_CLEARED_BY_NULL: Final = "A value sets it; null clears it."


@strawberry.input(
    description=(
        "Changes to a Mews guest (`customers/update`). Omitted fields stay as they are. Mews "
        "cannot clear a field: null or blank values are refused, except for the Italian "
        "codes (`italianDestinationCode`, `italianFiscalCode`, `italianLotteryCode`), which "
        "null clears. `classifications` and `options` replace the current lists (`[]` "
        "removes all)."
    )
)
class UpdateCustomerInput(_UpdateCustomerHead, _MewsGuestFields):
    # Redeclared for their update-specific descriptions; they keep their shared places.
    email: str | None = strawberry.field(
        default=UNSET,
        description="New email; refused when another Mews guest already uses it.",
    )
    notes: str | None = strawberry.field(default=UNSET, description=_MEWS_DOC_FIELDS["notes"])
    address: MewsAddressInput | None = strawberry.field(
        default=UNSET, description="Lines given replace the current ones; others stay."
    )
    classifications: list[MewsCustomerClassification] | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["classifications"]
    )
    options: list[MewsCustomerOption] | None = strawberry.field(
        default=UNSET, description=_MEWS_DOC_FIELDS["options"]
    )
    italian_destination_code: str | None = strawberry.field(
        default=UNSET, description=_CLEARED_BY_NULL
    )
    italian_fiscal_code: str | None = strawberry.field(default=UNSET, description=_CLEARED_BY_NULL)
    italian_lottery_code: str | None = strawberry.field(
        default=UNSET, description="At most 15 characters; null clears it."
    )


def given(item: Any) -> Fields:
    """The fields of an input object the caller gave (an explicit null is `None`), nested
    input objects as mappings too: what `gateway.domain.bodies` checks."""
    return {
        f.name: _plain(getattr(item, f.name))
        for f in dataclasses.fields(item)
        if getattr(item, f.name) is not UNSET
    }


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(member) for member in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return given(value)
    return value


# --- files --------------------------------------------------------------------------------------


@strawberry.input(
    description=(
        "A file for a customer's Mews profile (`customers/addFile`). Send it either as "
        "`file`, a GraphQL multipart upload (https://github.com/jaydenseric/graphql-multipart"
        "-request-spec; the request needs a `GraphQL-Require-Preflight: 1` header), or as "
        "`name`, `type` and base64 `data`. Allowed types: application/pdf, image/bmp, "
        "image/gif, image/jpeg, image/png, image/tiff; the content must really be of that "
        "type (its first bytes are checked), not empty, and within the gateway's size limit "
        "(MAX_UPLOAD_BYTES, 10 MiB by default)."
    )
)
class AttachCustomerFileInput:
    customer_id: strawberry.ID = strawberry.field(
        description="`mews:<uuid>`, or `fullwhere:<id>` of a customer linked to a Mews guest."
    )
    file: Upload | None = strawberry.field(
        default=None, description="The file, as a multipart upload."
    )
    name: str | None = strawberry.field(
        default=None,
        description=(
            "File name; with `file`, defaults to the uploaded file's name. One name, no path "
            "or control characters; its extension must be one of the verified type's "
            "(`.pdf` for a PDF), and a name without one gets it."
        ),
    )
    type: str | None = strawberry.field(
        default=None,
        description="MIME type, e.g. `application/pdf`; with `file`, defaults to the part's.",
    )
    data: str | None = strawberry.field(
        default=None, description="The content, base64-encoded (instead of `file`)."
    )
    chain_id: strawberry.ID | None = strawberry.field(
        default=None, description=_MEWS_DOC_FIELDS["chain_id"]
    )


@dataclass(frozen=True)
class Attachment:
    """A checked file, ready for Mews."""

    name: str
    mime_type: str
    content: bytes

    @property
    def base64(self) -> str:
        return base64.b64encode(self.content).decode("ascii")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


MAX_FILE_NAME: Final = 255


async def read_attachment(item: AttachCustomerFileInput, max_bytes: int) -> Attachment:
    """The file of `item`, checked (type allow-list, signature, emptiness, size), or
    BAD_USER_INPUT."""
    problems = Problems()
    upload = item.file
    content: bytes | None = None
    name, declared = item.name, item.type
    if upload is not None and item.data is not None:
        problems.add("input", "give either `file` or `data`, not both")
    elif upload is not None:
        if not isinstance(upload, UploadFile):
            problems.add(
                "input.file",
                "send the file as a multipart upload (GraphQL multipart request spec), or use "
                "`name`, `type` and base64 `data`",
            )
        else:
            name = name or upload.filename
            declared = declared or upload.content_type
            content = await upload.read(max_bytes + 1)
    elif item.data is not None:
        content = _decode_base64(item.data, max_bytes, problems)
        for field, value in (("name", name), ("type", declared)):
            if not value:
                problems.add(f"input.{field}", "required with `data`")
    else:
        problems.add("input", "give the file as `file` (multipart upload) or as `data` (base64)")
    problems.raise_if_any("input")

    name = (name or "").strip()
    name_problem = files.name_problem(name) if name else "give the file a name"
    if name_problem:
        problems.add("input.name", name_problem)
    elif len(name) > MAX_FILE_NAME:
        problems.add("input.name", f"at most {MAX_FILE_NAME} characters")
    mime_type = files.normalize_type(declared or "")
    where = "input.file" if upload is not None else "input.data"
    if not mime_type:
        problems.add("input.type", "give the file's MIME type, e.g. application/pdf")
    elif not files.is_allowed(mime_type):
        problems.add(
            "input.type",
            f"{mime_type!r} is not a type Mews accepts; allowed: {', '.join(files.FILE_TYPES)}",
        )
    assert content is not None
    if len(content) > max_bytes:
        problems.add(where, f"the file is larger than the limit of {max_bytes} bytes")
    elif not content:
        problems.add(where, "the file is empty")
    elif files.is_allowed(mime_type) and not files.matches(mime_type, content):
        actual = files.sniff(content)
        problems.add(
            where,
            f"the content is not {mime_type} (its first bytes "
            + (f"are those of {actual})" if actual else "match none of the allowed types)"),
        )
    elif files.is_allowed(mime_type) and not name_problem:
        # The content is verified as `mime_type`: the name must not say otherwise.
        named = files.named_for(name, mime_type)
        if named is None:
            problems.add(
                "input.name",
                f"`{files.extension(name)}` is not an extension of {mime_type} (the verified "
                f"type of the file): use {', '.join(files.EXTENSIONS[mime_type])}",
            )
        else:
            name = named
    problems.raise_if_any("input")
    return Attachment(name=name, mime_type=mime_type, content=content)


def _decode_base64(data: str, max_bytes: int, problems: Problems) -> bytes:
    compact = "".join(data.split())
    # Refuse by length before decoding: base64 takes 4 characters per 3 bytes.
    if len(compact) // 4 * 3 > max_bytes + 2:
        problems.add("input.data", f"the file is larger than the limit of {max_bytes} bytes")
        return b""
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        problems.add("input.data", "not valid base64")
        return b""


__all__ = [
    "AddCustomerInput",
    "AttachCustomerFileInput",
    "Attachment",
    "ImportCustomerInput",
    "LanguageCode",
    "MetadataEntryInput",
    "MewsAddressInput",
    "UpdateCustomerInput",
    "given",
    "read_attachment",
]
