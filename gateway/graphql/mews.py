"""GraphQL types for Mews Connector API customer data.

Every type is derived from its TypedDict in `gateway.upstream.mews_types`
(`gateway.graphql.shapes`) and is a view over the dict the Mews client decoded: plain fields are
declared under their Mews key (`FirstName`) and read with `dict.get`, so nothing is converted
and keys Mews adds later are simply ignored. Mews enums are exposed twice: a GraphQL
enum that is null (or, in lists, skipped) for values this gateway does not know yet, and a
`...Raw` String twin carrying the text exactly as Mews sent it.

`MewsProfile` is a hot type: graphql-core calls its argument-free resolvers directly
(`gateway.graphql.fast_fields`), so they may use only `info.context` and `info.path`.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any

import strawberry

from gateway.data.upstreams import THROUGH_PORTFOLIO
from gateway.errors import BadUserInput
from gateway.graphql.base import enum_list, enum_or_none
from gateway.graphql.node import NODE_ID_DESCRIPTION, Node
from gateway.graphql.shapes import RAW_NOTE, upstream_type
from gateway.upstream import mews_types as mt
from gateway.upstream.mews import PROPERTY_KEY

__all__ = [
    "MewsActivityState",
    "MewsAddress",
    "MewsAgeCategoryCount",
    "MewsAmount",
    "MewsCustomerClassification",
    "MewsCustomerItems",
    "MewsCustomerOption",
    "MewsIdentityDocument",
    "MewsOrderItem",
    "MewsOrderItemData",
    "MewsPaymentItem",
    "MewsPaymentItemData",
    "MewsProfile",
    "MewsReservation",
    "MewsReservationOptions",
    "MewsReservationState",
    "MewsSex",
    "MewsTaxBreakdown",
    "MewsTaxBreakdownItem",
    "MewsTaxValue",
    "MewsTitle",
]

Upstream = strawberry.Parent[dict[str, Any]]

_CURRENCY = re.compile(r"[A-Z]{3}")

_UNKNOWN_NOTE = "null when Mews sends a value this gateway does not know yet"
_SKIP_NOTE = "values this gateway does not know yet are left out"


# --- Enums: GraphQL names in SCREAMING_CASE, Python values the Mews text. ---------------------


@strawberry.enum(description="Title prefix of a Mews customer; localise it before display.")
class MewsTitle(enum.Enum):
    MISTER = strawberry.enum_value("Mister", description="Mr.")
    MISS = strawberry.enum_value("Miss", description="Ms.")
    MISSES = strawberry.enum_value("Misses", description="Mrs.")


@strawberry.enum(description="Sex of a Mews customer.")
class MewsSex(enum.Enum):
    MALE = "Male"
    FEMALE = "Female"


@strawberry.enum(description="Classification of a Mews customer.")
class MewsCustomerClassification(enum.Enum):
    PAYMASTER_ACCOUNT = "PaymasterAccount"
    BLACKLIST = strawberry.enum_value(
        "Blacklist", deprecation_reason='Deprecated by Mews: "use Blocklist instead."'
    )
    MEDIA = "Media"
    LOYALTY_PROGRAM = "LoyaltyProgram"
    PREVIOUS_COMPLAINT = "PreviousComplaint"
    RETURNING = "Returning"
    STAFF = "Staff"
    FRIEND_OR_FAMILY = "FriendOrFamily"
    TOP_MANAGEMENT = "TopManagement"
    IMPORTANT = "Important"
    VERY_IMPORTANT = "VeryImportant"
    PROBLEMATIC = "Problematic"
    CASHLIST = "Cashlist"
    DISABLED_PERSON = "DisabledPerson"
    MILITARY = "Military"
    AIRLINE = "Airline"
    HEALTH_COMPLIANT = "HealthCompliant"
    IN_ROOM = "InRoom"
    WAITING_FOR_ROOM = "WaitingForRoom"
    STUDENT = "Student"
    BLOCKLIST = "Blocklist"


@strawberry.enum(description="Option set on a Mews customer (consents, marketing, invoicing).")
class MewsCustomerOption(enum.Enum):
    NONE = "None"
    SEND_MARKETING_EMAILS = "SendMarketingEmails"
    INVOICEABLE = "Invoiceable"
    BILL_ADDRESS_OBJECTION = "BillAddressObjection"
    SEND_MARKETING_POSTAL_MAIL = "SendMarketingPostalMail"
    SEND_PARTNER_MARKETING_EMAILS = "SendPartnerMarketingEmails"
    SEND_PARTNER_MARKETING_POSTAL_MAIL = "SendPartnerMarketingPostalMail"
    WITHDRAW_CARD_CONSENT = "WithdrawCardConsent"
    GUEST_PHOTO_CONSENT = strawberry.enum_value(
        "GuestPhotoConsent", description="Whether to ask for consent to take a guest photo."
    )
    ID_PHOTOS_CONSENT = strawberry.enum_value(
        "IdPhotosConsent",
        description="Whether to ask for consent to take identity document photos.",
    )


@strawberry.enum(description="Whether a Mews record is active or deleted.")
class MewsActivityState(enum.Enum):
    ACTIVE = "Active"
    DELETED = "Deleted"


@strawberry.enum(description="State of a Mews reservation (service order state, ver 2017-04-12).")
class MewsReservationState(enum.Enum):
    ENQUIRED = "Enquired"
    REQUESTED = "Requested"
    OPTIONAL = "Optional"
    CONFIRMED = "Confirmed"
    STARTED = "Started"
    PROCESSED = "Processed"
    CANCELED = "Canceled"


# --- Amounts and open items (customers/getOpenItems) ------------------------------------------


@upstream_type(mt.MewsTaxValue, description="A tax amount applied to a Mews amount.")
class MewsTaxValue:
    pass


@upstream_type(
    mt.MewsTaxBreakdownItem, description="Tax applied at one tax rate within a Mews amount."
)
class MewsTaxBreakdownItem:
    pass


@upstream_type(mt.MewsTaxBreakdown, description="Per-tax-rate breakdown of a Mews amount.")
class MewsTaxBreakdown:
    pass


@upstream_type(mt.MewsAmount, description="A Mews money amount with its taxes.")
class MewsAmount:
    pass


@upstream_type(mt.MewsOrderItemData, description="Kind-specific data of a Mews order item.")
class MewsOrderItemData:
    pass


@upstream_type(mt.MewsPaymentItemData, description="Kind-specific data of a Mews payment item.")
class MewsPaymentItemData:
    pass


@upstream_type(
    mt.MewsOrderItem,
    description="A Mews order item: something consumed, such as a night or product.",
)
class MewsOrderItem:
    pass


@upstream_type(
    mt.MewsPaymentItem,
    description="A Mews payment item, such as cash, a card payment or an invoice.",
)
class MewsPaymentItem:
    pass


@upstream_type(
    mt.MewsCustomerItems,
    description="Open (unbilled) order and payment items of one Mews customer.",
)
class MewsCustomerItems:
    pass


# --- Customer ---------------------------------------------------------------------------------


@upstream_type(mt.MewsAddress, description="A postal address stored in Mews.")
class MewsAddress:
    pass


@upstream_type(
    mt.MewsIdentityDocument,
    description="An identity document (passport, ID card, visa, licence) in Mews.",
)
class MewsIdentityDocument:
    pass


def _title(root: Upstream) -> MewsTitle | None:
    return enum_or_none(MewsTitle, root.get("Title"))


def _sex(root: Upstream) -> MewsSex | None:
    return enum_or_none(MewsSex, root.get("Sex"))


def _classifications(root: Upstream) -> list[MewsCustomerClassification]:
    return enum_list(MewsCustomerClassification, root.get("Classifications"))


def _raw_list(values: object) -> list[str]:
    """The strings of an upstream list; a missing list reads as empty."""
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, str)]


def _classifications_raw(root: Upstream) -> list[str]:
    return _raw_list(root.get("Classifications"))


def _options_raw(root: Upstream) -> list[str]:
    return _raw_list(root.get("Options"))


def _options(root: Upstream) -> list[MewsCustomerOption]:
    return enum_list(MewsCustomerOption, root.get("Options"))


def _activity_state(root: Upstream) -> MewsActivityState | None:
    return enum_or_none(MewsActivityState, root.get("ActivityState"))


async def _open_items(
    root: Upstream,
    info: strawberry.Info,
    currency: Annotated[
        str | None,
        strawberry.argument(
            description="ISO 4217 code, e.g. `EUR`, to convert the item costs to; "
            "default: the property's own currency."
        ),
    ] = None,
) -> MewsCustomerItems | None:
    if currency is not None and not _CURRENCY.fullmatch(currency):
        raise BadUserInput(
            f"currency must be an ISO 4217 code of three capital letters, such as EUR; "
            f"got {currency!r}",
            field="currency",
        )
    # The request's loader for this currency gathers every profile's id into one
    # customers/getOpenItems call.
    loader = info.context.loaders.mews_open_items_in(currency)
    items = await loader.load(root["Id"])
    if items is not None and items.get(THROUGH_PORTFOLIO):
        raise BadUserInput(
            "openItems: Mews gives no open items through a portfolio access token; add this "
            "property's own token to MEWS_ACCESS_TOKENS to read them",
            field="openItems",
        )
    return items  # type: ignore[no-any-return]


def _property(root: Upstream) -> str | None:
    name = root.get(PROPERTY_KEY)
    return name if isinstance(name, str) else None


def _node_id(root: Upstream) -> strawberry.ID:
    return strawberry.ID(f"mews:{root['Id']}")


@upstream_type(
    mt.MewsCustomer,
    name="MewsProfile",
    description="A customer profile in Mews, the hotel PMS.",
    raw=("Title", "Sex", "ActivityState"),
)
class MewsProfile(Node):
    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Mews customer dicts use capitalised keys (`Id`); Fullwhere's use `id`."""
        if isinstance(obj, dict):  # (no generator: this runs for every guest of a page)
            return "Id" in obj or "ChainId" in obj or "LastName" in obj
        return isinstance(obj, cls)

    id: strawberry.ID = strawberry.field(
        resolver=_node_id, description=f"`mews:<Id>`, the person's id. {NODE_ID_DESCRIPTION}"
    )
    Id: strawberry.ID = strawberry.field(
        name="mewsId",
        description="Unique identifier of the customer in Mews (`Id`, a UUID).",
    )
    property: str | None = strawberry.field(
        resolver=_property,
        description=(
            "The `MEWS_ACCESS_TOKENS` name of the property token that reaches this guest; "
            "null through `MEWS_ACCESS_TOKEN` (a single property, or a portfolio token: see "
            "`chainId`)."
        ),
    )
    title: MewsTitle | None = strawberry.field(
        resolver=_title,
        description=f"Title of the customer; {_UNKNOWN_NOTE} (see `titleRaw`).",
    )
    sex: MewsSex | None = strawberry.field(
        resolver=_sex, description=f"Sex of the customer; {_UNKNOWN_NOTE} (see `sexRaw`)."
    )
    classifications: list[MewsCustomerClassification] = strawberry.field(
        resolver=_classifications,
        description=f"Classifications of the customer; {_SKIP_NOTE} (see `classificationsRaw`).",
    )
    options: list[MewsCustomerOption] = strawberry.field(
        resolver=_options,
        description=f"Options of the customer; {_SKIP_NOTE} (see `optionsRaw`).",
    )
    # Required upstream; a missing list still reads as empty rather than failing the profile.
    Classifications: list[str] = strawberry.field(
        resolver=_classifications_raw,
        name="classificationsRaw",
        description=f"Classifications of the customer. {RAW_NOTE}",
    )
    Options: list[str] = strawberry.field(
        resolver=_options_raw, name="optionsRaw", description=f"Options of the customer. {RAW_NOTE}"
    )
    activity_state: MewsActivityState | None = strawberry.field(
        resolver=_activity_state,
        description=f"Whether the record is active or deleted; {_UNKNOWN_NOTE}.",
        deprecation_reason='Deprecated by Mews: "Use IsActive instead." (`isActive`)',
    )
    open_items: MewsCustomerItems | None = strawberry.field(
        resolver=_open_items,
        description="Open order and payment items of the customer (customers/getOpenItems).",
        deprecation_reason=(
            "Mews deprecated customers/getOpenItems; use Get all payments and Get all order items."
        ),
    )


# --- Search result reservation ----------------------------------------------------------------


@upstream_type(
    mt.MewsPersonCount,
    name="MewsAgeCategoryCount",
    description="Number of people of one age category on a Mews reservation.",
)
class MewsAgeCategoryCount:
    pass


@upstream_type(mt.MewsReservationOptions, description="Check-in flags of a Mews reservation.")
class MewsReservationOptions:
    pass


def _reservation_state(root: Upstream) -> MewsReservationState | None:
    return enum_or_none(MewsReservationState, root.get("State"))


def _origin_details(root: Upstream) -> str | None:
    # The Mews docs' table says OriginDetails, their example sends OriginDetail.
    value = root.get("OriginDetails", root.get("OriginDetail"))
    return value if isinstance(value, str) else None


@upstream_type(
    mt.MewsReservation,
    description="A Mews reservation (ver 2017-04-12), as customers/search returns it.",
    raw=("State",),
)
class MewsReservation:
    state: MewsReservationState | None = strawberry.field(
        resolver=_reservation_state,
        description=f"State of the reservation; {_UNKNOWN_NOTE} (see `stateRaw`).",
    )
    OriginDetails: str | None = strawberry.field(
        resolver=_origin_details,
        description="Details about the reservation origin (also read from `OriginDetail`).",
    )
