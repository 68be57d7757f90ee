"""`Customer`: one person, joined from a Fullwhere record and a Mews guest profile.

Precedence for the unified person fields is one rule: **Fullwhere first**. Fullwhere is the
customer data platform (the consolidated record); Mews fills what Fullwhere lacks. So a
field Fullwhere has costs no Mews call; `fieldSources` and `conflicts` show both values
when a client needs to see where each came from.

`Customer` is a hot type: graphql-core calls its argument-free resolvers directly
(`gateway.schema.fast_fields`), so they may use only `info.context` and `info.path`.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any, TypeVar, cast

import strawberry
from strawberry.types import Info

from gateway.identity.index import linked_mews_id
from gateway.resolvers.context import RequestContext
from gateway.resolvers.upstreams import Record
from gateway.schema.base import Date
from gateway.schema.fullwhere import CustomerMetadata, FullwhereProfile, metadata_entries
from gateway.schema.mews import MewsAddress, MewsProfile
from gateway.upstream.errors import UpstreamError


@strawberry.enum(description="The upstream system a value or record comes from.")
class CustomerSourceName(Enum):
    FULLWHERE = "fullwhere"
    MEWS = "mews"


@strawberry.enum(description="How a Fullwhere customer is linked to its Mews guest profile.")
class LinkMethod(Enum):
    MEWS_ID = strawberry.enum_value("MEWS_ID", description="Fullwhere's `mewsId` field.")
    METADATA = strawberry.enum_value(
        "METADATA",
        description="`metadata.mews.customer.Id`, used when `mewsId` is empty.",
    )
    NONE = strawberry.enum_value("NONE", description="No link is recorded.")
    MEWS_ONLY = strawberry.enum_value(
        "MEWS_ONLY", description="A Mews guest with no known Fullwhere record."
    )


@strawberry.type(description="How this customer's two records were joined.")
class CustomerLink:
    method: LinkMethod = strawberry.field(description="How the records were joined.")
    mews_id: str | None = strawberry.field(description="The Mews guest id the link points at.")
    fullwhere_id: strawberry.Private[str | None] = None

    @strawberry.field(
        description=(
            "Other Fullwhere customers (`fullwhere:<id>`) that link to the same Mews guest, "
            "from the identity index. A guest linked from several records resolves "
            '(`customer(id: "mews:…")`) to the first by link method (`mewsId` before '
            "metadata), then by id; the others are listed here, never decided by read order."
        )
    )
    async def also_linked_from(self, info: Info[RequestContext, None]) -> list[strawberry.ID]:
        if not self.mews_id:
            return []
        info.context.identity_consulted = True
        linked = await info.context.loaders.identity.load(self.mews_id.lower())
        if self.fullwhere_id is None and linked:
            return [strawberry.ID(f"fullwhere:{fw}") for fw in linked]
        return [strawberry.ID(f"fullwhere:{fw}") for fw in linked if fw != self.fullwhere_id]


@strawberry.type(description="One source's value for a unified field.")
class SourcedValue:
    source: CustomerSourceName = strawberry.field(description="The source holding the value.")
    value: str | None = strawberry.field(description="The value; null when the source has none.")


@strawberry.type(
    description=(
        "A unified person field with its provenance: the chosen value, the source it came "
        "from (Fullwhere first, then Mews), and every source's value."
    )
)
class UnifiedField:
    field: str = strawberry.field(description="The `Customer` field name, e.g. `email`.")
    value: str | None = strawberry.field(description="The value the `Customer` field shows.")
    source: CustomerSourceName | None = strawberry.field(
        description="Where `value` came from; null when no source has one."
    )
    values: list[SourcedValue] = strawberry.field(description="Every source's value.")
    conflict: bool = strawberry.field(
        description=(
            "Both sources hold a value and they mean different things: compared "
            "case-insensitively, phones by their digits, languages by their language part "
            "(`fr` = `fr-FR`), civilities by meaning (`Mr.` = `Mister`)."
        )
    )


CustomerSource = Annotated[
    FullwhereProfile | MewsProfile,
    strawberry.union("CustomerSource", description="A customer's record in one upstream system."),
]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value).lstrip("0")


# Civilities as people write them, mapped to Mews's Title values (Miss is "Ms.", Misses "Mrs.").
_TITLES = {
    **dict.fromkeys(("mister", "mr", "m", "monsieur", "herr", "sr", "signor"), "Mister"),
    **dict.fromkeys(("miss", "ms", "mlle", "mademoiselle"), "Miss"),
    **dict.fromkeys(("misses", "mrs", "mme", "madame", "frau", "sra", "signora"), "Misses"),
}


def _title(value: str) -> str:
    key = value.strip().rstrip(".").casefold()
    return _TITLES.get(key, key)


def _same(field: str, a: str, b: str) -> bool:
    """Whether two sources' values mean the same (so they are not a conflict)."""
    if field == "phone":
        return _digits(a) == _digits(b)
    if field == "language":  # Fullwhere `fr` and Mews `fr-FR` agree on the language
        return a.split("-")[0].casefold() == b.split("-")[0].casefold()
    if field == "civility":
        return _title(a) == _title(b)
    return a.strip().casefold() == b.strip().casefold()


def _mews_display_name(mews: Record) -> str | None:
    parts = [mews.get("FirstName"), mews.get("LastName")]
    return " ".join(p for p in parts if p) or None


# field -> (Fullwhere getter, Mews getter); the order is the order of `fieldSources`.
Getter = Callable[[Record], Any]
UNIFIED_FIELDS: dict[str, tuple[Getter | None, Getter | None]] = {
    "firstName": (lambda f: f.get("firstName"), lambda m: m.get("FirstName")),
    "lastName": (lambda f: f.get("lastName"), lambda m: m.get("LastName")),
    "displayName": (lambda f: f.get("displayName"), _mews_display_name),
    "email": (lambda f: f.get("email"), lambda m: m.get("Email")),
    "phone": (lambda f: f.get("phoneNumber"), lambda m: m.get("Phone")),
    "language": (
        lambda f: f.get("language"),
        lambda m: m.get("PreferredLanguageCode") or m.get("LanguageCode"),
    ),
    "civility": (lambda f: f.get("civility"), lambda m: m.get("Title")),
    "company": (lambda f: f.get("company"), None),
    "birthDate": (None, lambda m: m.get("BirthDate")),
    "nationalityCode": (None, lambda m: m.get("NationalityCode")),
    "loyaltyCode": (None, lambda m: m.get("LoyaltyCode")),
}


def _present(value: Any) -> bool:
    return value is not None and value != ""


#: GraphQL fields of `Customer` that always need the Mews profile when there is a link.
MEWS_FIELDS = frozenset({"mews", "sources", "address", "fieldSources", "conflicts"})
T = TypeVar("T")


@strawberry.type(
    description=(
        "One person across Fullwhere (customer data platform) and Mews (hotel PMS). "
        "Unified fields take Fullwhere's value first and Mews's when Fullwhere has none; "
        "`fieldSources` and `conflicts` show where each value came from."
    )
)
class Customer:
    fullwhere_record: strawberry.Private[Record | None]
    mews_id_hint: strawberry.Private[str | None]
    link_method: strawberry.Private[LinkMethod]
    mews_record: strawberry.Private[Record | None] = None
    #: The request's load of the Mews profile, once started.
    mews_pending: strawberry.Private[asyncio.Future[Record | None] | None] = None
    #: True once the Mews id was looked up (the profile may not exist).
    mews_id_checked: strawberry.Private[bool] = False

    @classmethod
    def from_fullwhere(cls, record: Record) -> Customer:
        mews_id, method = linked_mews_id(record)
        return cls(fullwhere_record=record, mews_id_hint=mews_id, link_method=LinkMethod(method))

    @classmethod
    def joined(cls, record: Record, mews: Record | None) -> Customer:
        """A Fullwhere record with its Mews profile already read (None: no such guest)."""
        customer = cls.from_fullwhere(record)
        customer.mews_record = mews
        customer.mews_id_checked = True
        return customer

    @classmethod
    def from_mews(cls, record: Record) -> Customer:
        return cls(
            fullwhere_record=None,
            mews_id_hint=str(record["Id"]),
            link_method=LinkMethod.MEWS_ONLY,
            mews_record=record,
        )

    @strawberry.field(
        description="`fullwhere:<id>` when the person has a Fullwhere record, else `mews:<id>`."
    )
    def id(self) -> strawberry.ID:
        if self.fullwhere_record is not None:
            return strawberry.ID(f"fullwhere:{self.fullwhere_record['id']}")
        return strawberry.ID(f"mews:{self.mews_id_hint}")

    @strawberry.field(description="The Fullwhere customer id, when there is a Fullwhere record.")
    def fullwhere_id(self) -> str | None:
        return None if self.fullwhere_record is None else str(self.fullwhere_record["id"])

    @strawberry.field(description="The linked Mews guest id, when there is one.")
    def mews_id(self) -> str | None:
        return self.mews_id_hint

    @strawberry.field(description="How the Fullwhere record and the Mews profile were joined.")
    def link(self) -> CustomerLink:
        fullwhere_id = None if self.fullwhere_record is None else str(self.fullwhere_record["id"])
        return CustomerLink(
            method=self.link_method, mews_id=self.mews_id_hint, fullwhere_id=fullwhere_id
        )

    @strawberry.field(description="The Fullwhere record, as Fullwhere returns it.")
    def fullwhere(self) -> FullwhereProfile | None:
        return cast(FullwhereProfile | None, self.fullwhere_record)

    @strawberry.field(
        description=(
            "The linked Mews guest profile (loaded in one batched getAll for every customer "
            "of the response); null when there is no link or the guest does not exist."
        )
    )
    def mews(self, info: Info[RequestContext, None]) -> MewsProfile | None:
        return self.with_mews(info.context, lambda mews: mews)  # type: ignore[return-value,arg-type]

    @strawberry.field(
        description=(
            "Mews guests with this customer's email, for customers whose link is `NONE`: "
            "candidates for a merge screen, not a recorded link. Empty when linked, and "
            "when Mews fails (the failure then in `errors` at this path)."
        )
    )
    async def mews_email_matches(self, info: Info[RequestContext, None]) -> list[MewsProfile]:
        record = self.fullwhere_record
        if record is None or self.mews_id_hint or not record.get("email"):
            return []
        try:
            found = await info.context.loaders.mews_by_email.load(str(record["email"]))
        except UpstreamError as exc:  # none known; the failure is reported at this field
            info.context.add_partial_error(exc, list(info.path.as_list()))
            return []
        return cast(list[MewsProfile], found)

    @strawberry.field(
        description=(
            "This customer's records, Fullwhere first. If one upstream fails, the other's "
            "record is still listed and the failure is reported in `errors` at this path."
        )
    )
    async def sources(self, info: Info[RequestContext, None]) -> list[CustomerSource]:
        found: list[Any] = []
        if self.fullwhere_record is not None:
            found.append(self.fullwhere_record)
        try:
            mews = await self.load_mews(info.context)
        except UpstreamError as exc:
            info.context.add_partial_error(exc, list(info.path.as_list()))
            mews = None
        if mews is not None:
            found.append(mews)
        return found

    @strawberry.field(description="Fullwhere's per-source metadata blocks, in documented order.")
    def metadata(self) -> list[CustomerMetadata]:
        if self.fullwhere_record is None:
            return []
        return cast(list[CustomerMetadata], metadata_entries(self.fullwhere_record.get("metadata")))

    @strawberry.field(description="First name (`fieldSources` says which source gave it).")
    def first_name(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("firstName", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Last name (`fieldSources` says which source gave it).")
    def last_name(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("lastName", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Fullwhere's display name, else Mews's first and last name.")
    def display_name(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("displayName", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Email address (`fieldSources` says which source gave it).")
    def email(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("email", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Fullwhere `phoneNumber`, else Mews `Phone`.")
    def phone(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("phone", info.context)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Fullwhere's ISO 639-1 code (`fr`), else Mews's preferred language and culture "
            "code (`fr-FR`)."
        )
    )
    def language(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("language", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Fullwhere `civility`, else Mews `Title` (Mister, Miss, Misses).")
    def civility(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("civility", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Company name (Fullwhere only; Mews holds a company id).")
    def company(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("company", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Date of birth, ISO 8601 (Mews).")
    def birth_date(self, info: Info[RequestContext, None]) -> Date | None:
        return self.pick("birthDate", info.context)  # type: ignore[return-value]

    @strawberry.field(description="ISO 3166-1 nationality code (Mews).")
    def nationality_code(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("nationalityCode", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Loyalty code (Mews).")
    def loyalty_code(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("loyaltyCode", info.context)  # type: ignore[return-value]

    @strawberry.field(description="Postal address (Mews).")
    def address(self, info: Info[RequestContext, None]) -> MewsAddress | None:
        return self.with_mews(  # type: ignore[return-value]
            info.context, lambda mews: None if mews is None else mews.get("Address")
        )

    @strawberry.field(
        description=(
            "Every unified field with the value of each source and where the chosen value "
            "came from. Loads the Mews profile; when Mews fails, Fullwhere's values only, "
            "with the failure in `errors` at this path."
        )
    )
    def field_sources(self, info: Info[RequestContext, None]) -> list[UnifiedField]:
        return self.with_available_mews(  # type: ignore[return-value]
            info, lambda mews: [self.unified_field(name, mews) for name in UNIFIED_FIELDS]
        )

    @strawberry.field(
        description=(
            "The unified fields on which Fullwhere and Mews disagree, with both values: "
            "what a merge screen needs. Loads the Mews profile; when Mews fails, empty, "
            "with the failure in `errors` at this path."
        )
    )
    def conflicts(self, info: Info[RequestContext, None]) -> list[UnifiedField]:
        def disagreeing(mews: Record | None) -> list[UnifiedField]:
            fields = (self.unified_field(name, mews) for name in UNIFIED_FIELDS)
            return [field for field in fields if field.conflict]

        return self.with_available_mews(info, disagreeing)  # type: ignore[return-value]

    # -- helpers (not GraphQL fields) -------------------------------------------------
    # Resolvers answer synchronously when the Mews profile is already in (or not needed),
    # and return an awaitable only when they must wait for it: most fields of a page then
    # cost no task of their own.

    def mews_known(self) -> bool:
        """Whether the Mews profile (or its absence) is in; raises if its load failed."""
        if self.mews_record is not None or not self.mews_id_hint:
            return True
        pending = self.mews_pending
        if pending is not None and pending.done():
            self.mews_record = pending.result()
            self.mews_id_checked = True
        return self.mews_id_checked

    def prefetch_mews(self, context: RequestContext) -> None:
        """Start loading the Mews profile (batched with the rest of the request)."""
        if self.mews_pending is None and not self.mews_known():
            self.mews_pending = context.loaders.mews.load(str(self.mews_id_hint))

    def wants_mews(self, names: set[str]) -> bool:
        """Whether resolving the GraphQL fields `names` of this customer needs Mews."""
        if self.mews_known() or self.mews_pending is not None:
            return False
        if not names.isdisjoint(MEWS_FIELDS):
            return True
        record = self.fullwhere_record
        for name in names.intersection(UNIFIED_FIELDS):
            fw_get, mews_get = UNIFIED_FIELDS[name]
            if mews_get is not None and (
                record is None or fw_get is None or not _present(fw_get(record))
            ):
                return True
        return False

    async def load_mews(self, context: RequestContext) -> Record | None:
        if not self.mews_known():
            self.prefetch_mews(context)
            assert self.mews_pending is not None
            self.mews_record = await self.mews_pending
            self.mews_id_checked = True
        return self.mews_record

    def with_mews(
        self, context: RequestContext, compute: Callable[[Record | None], T]
    ) -> T | Awaitable[T]:
        """`compute(mews profile)`, now if the profile is in, else once it is."""
        if self.mews_known():
            return compute(self.mews_record)

        async def later() -> T:
            return compute(await self.load_mews(context))

        return later()

    def with_available_mews(
        self, info: Info[RequestContext, None], compute: Callable[[Record | None], T]
    ) -> T | Awaitable[T]:
        """`with_mews`, but when the Mews profile cannot be loaded: `compute(None)` (what
        Fullwhere alone gives), the failure reported at this field's path."""

        def without_mews(exc: UpstreamError) -> T:
            info.context.add_partial_error(exc, list(info.path.as_list()))
            return compute(None)

        try:
            result = self.with_mews(info.context, compute)
        except UpstreamError as exc:  # the profile's load had already failed
            return without_mews(exc)
        if not inspect.isawaitable(result):
            return result
        pending = result

        async def later() -> T:
            try:
                return await pending
            except UpstreamError as exc:
                return without_mews(exc)

        return later()

    def pick(self, name: str, context: RequestContext) -> str | Awaitable[str | None] | None:
        fw_get, mews_get = UNIFIED_FIELDS[name]
        if self.fullwhere_record is not None and fw_get is not None:
            value = fw_get(self.fullwhere_record)
            if _present(value):
                return str(value)
        if mews_get is None or not self.mews_id_hint:
            return None

        def from_mews(mews: Record | None) -> str | None:
            value = None if mews is None else mews_get(mews)
            return str(value) if _present(value) else None

        return self.with_mews(context, from_mews)

    def unified_field(self, name: str, mews: Record | None) -> UnifiedField:
        fw_get, mews_get = UNIFIED_FIELDS[name]
        values: list[SourcedValue] = []
        if self.fullwhere_record is not None and fw_get is not None:
            value = fw_get(self.fullwhere_record)
            values.append(
                SourcedValue(
                    source=CustomerSourceName.FULLWHERE,
                    value=str(value) if _present(value) else None,
                )
            )
        if mews is not None and mews_get is not None:
            value = mews_get(mews)
            values.append(
                SourcedValue(
                    source=CustomerSourceName.MEWS, value=str(value) if _present(value) else None
                )
            )
        chosen = next((v for v in values if v.value is not None), None)
        present = [v.value for v in values if v.value is not None]
        conflict = len(present) == 2 and not _same(name, present[0], present[1])
        return UnifiedField(
            field=name,
            value=chosen.value if chosen else None,
            source=chosen.source if chosen else None,
            values=values,
            conflict=conflict,
        )
