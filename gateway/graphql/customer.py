"""`Customer`: one person, joined from a Fullwhere record and a Mews guest profile.

The unified person fields follow `gateway.domain.unify`: per field the record updated last
wins (or the fixed order of `UNIFIED_PRECEDENCE`), values in one vocabulary, and
`fieldSources` / `conflicts` show every source's value and why one was chosen.

`Customer` is a hot type: graphql-core calls its argument-free resolvers directly
(`gateway.graphql.fast_fields`), so they may use only `info.context` and `info.path`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any, TypeVar, cast

import strawberry
from strawberry.types import Info

from gateway.data.context import RequestContext
from gateway.data.upstreams import Record
from gateway.domain import unify
from gateway.graphql.base import Date
from gateway.graphql.fullwhere import CustomerMetadata, FullwhereProfile, metadata_entries
from gateway.graphql.mews import MewsProfile
from gateway.graphql.node import NODE_ID_DESCRIPTION, Node
from gateway.identity.index import linked_mews_id, metadata_mews_id
from gateway.services.joins import Joined, join_mews
from gateway.upstream.errors import UpstreamError

# The domain's enums as GraphQL enums: `strawberry.enum` marks the classes themselves, so
# fields annotate with `unify.Source`, `unify.Civility` and `unify.Reason`.
CustomerSourceName = strawberry.enum(
    unify.Source, name="CustomerSourceName", description="The upstream system a value comes from."
)

Civility = strawberry.enum(
    unify.Civility,
    description=(
        "A person's civility, one vocabulary for both sources: `MR` (Fullwhere `Mr.`, Mews "
        "`Mister`), `MS` (`Ms.`, `Miss`), `MRS` (`Mrs.`, `Misses`). The raw values stay in "
        "`fullwhere.civility` and `mews.titleRaw`."
    ),
)

FieldSourceReason = strawberry.enum(
    unify.Reason,
    name="FieldSourceReason",
    description=(
        "Why a unified field holds its value. `MORE_RECENT`: both sources have one and this "
        "source's record was updated last (Fullwhere `updatedAt` against Mews `UpdatedUtc`). "
        "`ONLY_SOURCE`: no other source has a value. `CONFIGURED_ORDER`: `UNIFIED_PRECEDENCE` "
        "fixes which source comes first. `DEFAULT_ORDER`: an update time is missing or both "
        "are equal, so Fullwhere comes first. `DERIVED`: `displayName` made from the chosen "
        "first and last names."
    ),
)


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


#: `LinkMethod(value)` without the Enum call (a page builds a hundred customers).
_LINK_METHODS: dict[object, LinkMethod] = {method.value: method for method in LinkMethod}


@strawberry.type(description="How this customer's two records were joined.")
class CustomerLink:
    method: LinkMethod = strawberry.field(description="How the records were joined.")
    mews_id: strawberry.ID | None = strawberry.field(
        description="The Mews guest id the link points at."
    )
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


@strawberry.type(description="One source's value for a unified field, exactly as it sent it.")
class SourcedValue:
    source: unify.Source = strawberry.field(description="The source holding the value.")
    value: str | None = strawberry.field(
        description="The upstream's raw value as text (e.g. `Mister`, `fr-FR`); null if none."
    )


@strawberry.type(
    description=(
        "A unified person field with its provenance: the chosen value, the source it came "
        "from and why, and every source's raw value."
    )
)
class UnifiedField:
    field: str = strawberry.field(description="The `Customer` field name, e.g. `email`.")
    value: str | None = strawberry.field(
        description=(
            "The chosen value as text, in the unified vocabulary of the `Customer` field: "
            "`civility` a `Civility` name (`MR`), `language` an ISO 639-1 code (`fr`), "
            "`birthDate` an ISO 8601 date, `displayName` possibly derived; every other field "
            "the source's text. Null when no source has one."
        )
    )
    source: unify.Source | None = strawberry.field(
        description="Where `value` came from; null when no source has one."
    )
    reason: unify.Reason | None = strawberry.field(
        description="Why `value` came from `source`; null when no source has one."
    )
    values: list[SourcedValue] = strawberry.field(
        description="Every source's raw value, Fullwhere first."
    )
    conflict: bool = strawberry.field(
        description=(
            "Both sources hold a value and they mean different things: compared "
            "case-insensitively, phones by their digits, languages and civilities in the "
            "unified vocabulary (`fr` = `fr-FR`, `Mr.` = `Mister`)."
        )
    )

    @classmethod
    def of(cls, choice: unify.Choice) -> UnifiedField:
        return cls(
            field=choice.field,
            value=_text(choice.value),
            source=choice.source,
            reason=choice.reason,
            values=[SourcedValue(source=v.source, value=_text(v.raw)) for v in choice.values],
            conflict=choice.conflict,
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, Enum) else str(value)


@strawberry.type(
    description=(
        "A postal address in the gateway's own shape: from Mews's address of the guest, or "
        "from the address a Fullwhere metadata block holds (zenchef, theFork, experience, "
        "oracle, first found), whichever source the customer's fields prefer. One source's "
        "address whole, never a mix."
    )
)
class Address:
    line1: str | None = strawberry.field(description="First line: street and number.")
    line2: str | None = strawberry.field(description="Second line.")
    city: str | None = strawberry.field(description="City.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    country_code: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    country_subdivision_code: str | None = strawberry.field(
        description="ISO 3166-2 subdivision code, e.g. GB-ENG (Mews only)."
    )
    latitude: float | None = strawberry.field(description="Latitude (Mews only).")
    longitude: float | None = strawberry.field(description="Longitude (Mews only).")
    source: unify.Source = strawberry.field(description="The system this address comes from.")


CustomerSource = Annotated[
    FullwhereProfile | MewsProfile,
    strawberry.union("CustomerSource", description="A customer's record in one upstream system."),
]


#: GraphQL fields of `Customer` that always need the Mews profile when there is a link.
MEWS_FIELDS = frozenset({"mews", "sources", "address", "fieldSources", "conflicts"})
T = TypeVar("T")


@strawberry.type(
    description=(
        "One person across Fullwhere (customer data platform) and Mews (hotel PMS). Each "
        "unified field takes the value of the record updated last (Fullwhere `updatedAt`, "
        "Mews `UpdatedUtc`; `UNIFIED_PRECEDENCE` can fix the order instead), falling back to "
        "the other source when that record has none; `fieldSources` and `conflicts` show "
        "where each value came from and why."
    )
)
class Customer(Node):
    fullwhere_record: strawberry.Private[Record | None]
    mews_id_hint: strawberry.Private[str | None]
    link_method: strawberry.Private[LinkMethod]
    mews_record: strawberry.Private[Record | None] = None
    #: The request's load of the Mews profile, once started.
    mews_pending: strawberry.Private[asyncio.Future[Record | None] | None] = None
    #: True once the Mews id was looked up (the profile may not exist).
    mews_id_checked: strawberry.Private[bool] = False
    #: The source order of the unified fields, and the Mews profile (or None) it compared.
    source_order: strawberry.Private[tuple[Record | None, unify.Order] | None] = None

    @classmethod
    def from_fullwhere(cls, record: Record) -> Customer:
        mews_id, method = linked_mews_id(record)
        return cls(fullwhere_record=record, mews_id_hint=mews_id, link_method=_LINK_METHODS[method])

    @classmethod
    def joined(cls, record: Record, mews: Record | None) -> Customer:
        """A Fullwhere record with its Mews profile already read (None: no such guest)."""
        customer = cls.from_fullwhere(record)
        customer.mews_record = mews
        customer.mews_id_checked = True
        return customer

    @classmethod
    def of(cls, joined: Joined) -> Customer:
        """The customer a join found: the Fullwhere record with its guest, or the guest."""
        if joined.fullwhere is not None:
            return cls.joined(joined.fullwhere, joined.mews)
        assert joined.mews is not None  # a join always holds one record
        return cls.from_mews(joined.mews)

    @classmethod
    def from_mews(cls, record: Record) -> Customer:
        return cls(
            fullwhere_record=None,
            mews_id_hint=str(record["Id"]),
            link_method=LinkMethod.MEWS_ONLY,
            mews_record=record,
        )

    @strawberry.field(
        description=(
            f"`fullwhere:<id>` when the person has a Fullwhere record, else `mews:<id>`. "
            f"{NODE_ID_DESCRIPTION}"
        )
    )
    def id(self) -> strawberry.ID:
        if self.fullwhere_record is not None:
            return strawberry.ID(f"fullwhere:{self.fullwhere_record['id']}")
        return strawberry.ID(f"mews:{self.mews_id_hint}")

    @strawberry.field(description="The Fullwhere customer id, when there is a Fullwhere record.")
    def fullwhere_id(self) -> strawberry.ID | None:
        record = self.fullwhere_record
        return None if record is None else strawberry.ID(str(record["id"]))

    @strawberry.field(description="The linked Mews guest id, when there is one.")
    def mews_id(self) -> strawberry.ID | None:
        return None if self.mews_id_hint is None else strawberry.ID(self.mews_id_hint)

    @strawberry.field(description="How the Fullwhere record and the Mews profile were joined.")
    def link(self) -> CustomerLink:
        hint = self.mews_id_hint
        fullwhere_id = None if self.fullwhere_record is None else str(self.fullwhere_record["id"])
        return CustomerLink(
            method=self.link_method,
            mews_id=None if hint is None else strawberry.ID(hint),
            fullwhere_id=fullwhere_id,
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
            "Every Mews guest profile linked to this person, the one `mews` shows first: a "
            "hotel group's properties may each hold one (`mewsId` and "
            "`metadata.mews.customer.Id` may name different guests). When Mews fails, the "
            "profiles read, with the failure in `errors` at this path."
        )
    )
    async def mews_profiles(self, info: Info[RequestContext, None]) -> list[MewsProfile]:
        context = info.context
        try:
            first = await self.load_mews(context)
        except UpstreamError as exc:
            context.add_partial_error(exc, list(info.path.as_list()))
            return []
        shown = {str(first["Id"]).lower()} if first is not None else set()
        others = [i for i in _linked_guest_ids(self.fullwhere_record) if i.lower() not in shown]
        profiles = [first] if first is not None else []
        loaded = await asyncio.gather(
            *(context.loaders.mews.load(i) for i in others), return_exceptions=True
        )
        for found in loaded:
            if isinstance(found, UpstreamError):
                context.add_partial_error(found, list(info.path.as_list()))
            elif isinstance(found, BaseException):
                raise found
            elif found is not None:
                profiles.append(found)
        return cast(list[MewsProfile], profiles)

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
        return self.pick("firstName", info)  # type: ignore[no-any-return]

    @strawberry.field(description="Last name (`fieldSources` says which source gave it).")
    def last_name(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("lastName", info)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Fullwhere's display name when Fullwhere is the preferred source and has one, else "
            "the chosen `firstName` and `lastName` joined: it never contradicts them."
        )
    )
    def display_name(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("displayName", info)  # type: ignore[no-any-return]

    @strawberry.field(description="Email address (`fieldSources` says which source gave it).")
    def email(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("email", info)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Fullwhere `phoneNumber` or Mews `Phone`, as the source wrote it."
    )
    def phone(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("phone", info)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Preferred language as an ISO 639-1 code in lower case (`fr`), a BCP 47 primary "
            "language subtag: Fullwhere's `language`, or the language part of Mews's "
            "preferred (else derived) language and culture code (`fr-FR` gives `fr`)."
        )
    )
    def language(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("language", info)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Fullwhere `civility` or Mews `Title` in one vocabulary. A value `Civility` does "
            "not know counts as none (the other source's is used); the raw values are in "
            "`fieldSources`."
        )
    )
    def civility(self, info: Info[RequestContext, None]) -> unify.Civility | None:
        return self.pick("civility", info)  # type: ignore[no-any-return]

    @strawberry.field(description="Company name (Fullwhere only; Mews holds a company id).")
    def company(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("company", info)  # type: ignore[no-any-return]

    @strawberry.field(description="Date of birth, ISO 8601 (Mews).")
    def birth_date(self, info: Info[RequestContext, None]) -> Date | None:
        return self.pick("birthDate", info)  # type: ignore[no-any-return]

    @strawberry.field(description="ISO 3166-1 nationality code (Mews).")
    def nationality_code(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("nationalityCode", info)  # type: ignore[no-any-return]

    @strawberry.field(description="Loyalty code (Mews).")
    def loyalty_code(self, info: Info[RequestContext, None]) -> str | None:
        return self.pick("loyaltyCode", info)  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Postal address from the preferred source that has one: Mews's guest address, or "
            "the address in Fullwhere's metadata blocks. Loads the Mews profile."
        )
    )
    def address(self, info: Info[RequestContext, None]) -> Address | None:
        def build(mews: Record | None) -> Address | None:
            found = unify.address(self.fullwhere_record, mews, self.order(mews, info.context))
            return None if found is None else Address(**found)

        return self.with_mews(info.context, build)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Every unified field with the value of each source, where the chosen value came "
            "from and why. Loads the Mews profile; when Mews fails, Fullwhere's values only, "
            "with the failure in `errors` at this path."
        )
    )
    def field_sources(self, info: Info[RequestContext, None]) -> list[UnifiedField]:
        def fields(mews: Record | None) -> list[UnifiedField]:
            return [UnifiedField.of(self.choose(name, mews, info.context)) for name in unify.FIELDS]

        return self.with_available_mews(info, fields)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The unified fields on which Fullwhere and Mews disagree, with both values: "
            "what a merge screen needs. Loads the Mews profile; when Mews fails, empty, "
            "with the failure in `errors` at this path."
        )
    )
    def conflicts(self, info: Info[RequestContext, None]) -> list[UnifiedField]:
        def disagreeing(mews: Record | None) -> list[UnifiedField]:
            choices = (self.choose(name, mews, info.context) for name in unify.FIELDS)
            return [UnifiedField.of(choice) for choice in choices if choice.conflict]

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

    def wants_mews(self, names: set[str], precedence: unify.Precedence) -> bool:
        """Whether resolving the GraphQL fields `names` of this customer needs Mews."""
        if self.mews_known() or self.mews_pending is not None:
            return False
        if not names.isdisjoint(MEWS_FIELDS):
            return True
        record = self.fullwhere_record
        return any(
            unify.needs_mews(name, record, precedence) for name in names.intersection(unify.FIELDS)
        )

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

    def order(self, mews: Record | None, context: RequestContext) -> unify.Order:
        """Which source the unified fields prefer; computed once per customer and profile."""
        known = self.source_order
        if known is None or known[0] is not mews:
            precedence = context.settings.unified_precedence
            known = (mews, unify.source_order(self.fullwhere_record, mews, precedence))
            self.source_order = known
        return known[1]

    def choose(self, name: str, mews: Record | None, context: RequestContext) -> unify.Choice:
        """The unified field `name` with its provenance, given the Mews profile (None: none,
        or not needed)."""
        return unify.choose(name, self.fullwhere_record, mews, self.order(mews, context))

    def value(self, name: str, mews: Record | None, context: RequestContext) -> Any:
        """The unified field `name`'s value alone."""
        return unify.value(name, self.fullwhere_record, mews, self.order(mews, context))

    def pick(self, name: str, info: Info[RequestContext, None]) -> Any:
        """The value of the unified field `name`, now or (when Mews is needed) once loaded.

        If the Mews profile cannot be read, the value comes from Fullwhere alone and the
        failure is reported at this field: the value may not be the latest."""
        context = info.context
        if not unify.needs_mews(name, self.fullwhere_record, context.settings.unified_precedence):
            return self.value(name, self.mews_record, context)
        try:
            if self.mews_known():
                return self.value(name, self.mews_record, context)
        except UpstreamError as exc:
            return self.without_mews(name, exc, info)

        async def later() -> Any:
            try:
                mews = await self.load_mews(context)
            except UpstreamError as exc:
                return self.without_mews(name, exc, info)
            return self.value(name, mews, context)

        return later()

    def without_mews(self, name: str, exc: UpstreamError, info: Info[RequestContext, None]) -> Any:
        info.context.add_partial_error(exc, list(info.path.as_list()))
        return self.value(name, None, info.context)


def _linked_guest_ids(record: Record | None) -> list[str]:
    """The Mews guests a Fullwhere record names: `mewsId`, then `metadata.mews.customer.Id`."""
    if record is None:
        return []
    named = [record.get("mewsId"), metadata_mews_id(record)]
    return list(dict.fromkeys(str(i) for i in named if isinstance(i, str) and i))


async def customer_for_mews(
    mews: Record, context: RequestContext, path: list[str | int] | None = None
) -> Customer:
    """A Mews record as a unified `Customer`, joined to its Fullwhere record when known
    (`gateway.services.joins.join_mews`)."""
    return Customer.of(await join_mews(mews, context, path))


def prefetch_mews(
    customers: list[Customer], names: set[str], context: RequestContext
) -> Awaitable[object]:
    """Queue the Mews reads the selected `names` will need, so they go out in one batch.

    Awaiting the result waits for them (failures stay in each customer's load, to be
    reported on its fields): the fields of these customers then resolve at once, without
    a task each."""
    precedence = context.settings.unified_precedence
    for customer in customers:
        if customer.wants_mews(names, precedence):
            customer.prefetch_mews(context)
    pending = [c.mews_pending for c in customers if c.mews_pending is not None]
    return asyncio.gather(*pending, return_exceptions=True)
