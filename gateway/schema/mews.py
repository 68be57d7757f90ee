"""GraphQL types for Mews Connector API customer data.

Every type is a view over the dict the Mews client decoded (see `gateway.schema.base`): plain
fields are declared under their Mews key (`FirstName`) and read with `dict.get`, so nothing is
converted and keys Mews adds later are simply ignored. Mews enums are exposed twice: a GraphQL
enum that is null (or, in lists, skipped) for values this gateway does not know yet, and a
`...Raw` String twin carrying the text exactly as Mews sent it.

`MewsProfile` is a hot type: graphql-core calls its argument-free resolvers directly
(`gateway.schema.fast_fields`), so they may use only `info.context` and `info.path`.
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from gateway.schema.base import JSON, Date, DateTime, enum_list, enum_or_none
from gateway.schema.node import NODE_ID_DESCRIPTION, Node

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

_UNKNOWN_NOTE = "null when Mews sends a value this gateway does not know yet"
_SKIP_NOTE = "values this gateway does not know yet are left out"
_RAW_NOTE = "exactly as Mews sent it, including values newer than this gateway"

_IDENTITY_DOCUMENTS_DEPRECATED = (
    'Deprecated by Mews: "Use Get all identity documents to fetch identity documents."'
)


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
    NONE = "None"
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


def _raw_list(values: object) -> list[str]:
    """The strings of an upstream list; a missing list reads as empty."""
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, str)]


# --- Amounts and open items (customers/getOpenItems) ------------------------------------------


@strawberry.type(description="A tax amount applied to a Mews amount.")
class MewsTaxValue:
    Code: str | None = strawberry.field(description="Code corresponding to the tax type.")
    Value: float | None = strawberry.field(description="Amount of tax applied.")


@strawberry.type(description="Tax applied at one tax rate within a Mews amount.")
class MewsTaxBreakdownItem:
    TaxRateCode: str | None = strawberry.field(
        description="Tax rate code for the item; null for untaxed amounts."
    )
    NetValue: float | None = strawberry.field(
        description="The net value that the tax is calculated from."
    )
    TaxValue: float | None = strawberry.field(description="The value of the tax.")


@strawberry.type(description="Per-tax-rate breakdown of a Mews amount.")
class MewsTaxBreakdown:
    Items: list[MewsTaxBreakdownItem] | None = strawberry.field(
        description="Tax breakdown items, one per tax rate applied."
    )


@strawberry.type(description="A Mews money amount with its taxes.")
class MewsAmount:
    Currency: str | None = strawberry.field(description="ISO-4217 currency code.")
    NetValue: float | None = strawberry.field(description="Net value without taxes.")
    GrossValue: float | None = strawberry.field(description="Gross value including all taxes.")
    TaxValues: list[MewsTaxValue] | None = strawberry.field(description="The tax values applied.")
    Breakdown: MewsTaxBreakdown | None = strawberry.field(
        description="Information about individual tax amounts."
    )


@strawberry.type(description="Kind-specific data of a Mews order item.")
class MewsOrderItemData:
    Discriminator: str | None = strawberry.field(
        description=(
            "Type of the order item: CancellationFee, Rebate, Deposit, ExchangeRateDifference, "
            "CustomItem, Surcharge, SurchargeDiscount, ProductOrder, Other, or a newer one."
        )
    )
    Value: JSON | None = strawberry.field(
        description=(
            "Data whose shape depends on `discriminator` (Rebate: `RebatedItemId`; "
            "ProductOrder: `ProductId`, `AgeCategoryId`); null for types without data."
        )
    )


@strawberry.type(description="Kind-specific data of a Mews payment item.")
class MewsPaymentItemData:
    Discriminator: str | None = strawberry.field(
        description=(
            "Type of the payment item: CreditCard, Invoice, Cash, Unspecified, BadDebts, "
            "WireTransfer, ExchangeRateDifference, ExchangeRoundingDifference, BankCharges, "
            "Cheque, Other, or a newer one."
        )
    )
    Value: JSON | None = strawberry.field(
        description=(
            "Data whose shape depends on `discriminator` (CreditCard: `CreditCardId`; "
            "Invoice: `InvoiceId`); null for types without data."
        )
    )


@strawberry.type(description="A Mews order item: something consumed, such as a night or product.")
class MewsOrderItem:
    Id: strawberry.ID | None = strawberry.field(description="Unique identifier of the item.")
    AccountId: strawberry.ID | None = strawberry.field(
        description="Account (for example the customer) the item belongs to."
    )
    OrderId: strawberry.ID | None = strawberry.field(
        description="Order (or reservation, a special order) the item belongs to."
    )
    BillId: strawberry.ID | None = strawberry.field(description="Bill the item is assigned to.")
    AccountingCategoryId: strawberry.ID | None = strawberry.field(
        description="Accounting category the item belongs to."
    )
    UnitCount: int | None = strawberry.field(description="Number of sub-items or units.")
    UnitAmount: MewsAmount | None = strawberry.field(description="Amount of each unit.")
    Amount: MewsAmount | None = strawberry.field(
        description="Amount of the item; negative for a rebate or payment."
    )
    OriginalAmount: MewsAmount | None = strawberry.field(
        description="Earliest known amount of the item in its conversion chain."
    )
    RevenueType: str | None = strawberry.field(
        description="Revenue type: Service, Product, Additional, or a newer one."
    )
    ConsumedUtc: DateTime | None = strawberry.field(description="When the item was consumed.")
    ClosedUtc: DateTime | None = strawberry.field(description="When the item's bill was closed.")
    AccountingState: str | None = strawberry.field(
        description="Accounting state: Open, Closed, Inactive, Canceled, or a newer one."
    )
    Data: MewsOrderItemData | None = strawberry.field(
        description="Additional data specific to the kind of order item."
    )


@strawberry.type(description="A Mews payment item, such as cash, a card payment or an invoice.")
class MewsPaymentItem:
    Id: strawberry.ID | None = strawberry.field(description="Unique identifier of the item.")
    AccountId: strawberry.ID | None = strawberry.field(
        description="Account (for example the customer) the item belongs to."
    )
    BillId: strawberry.ID | None = strawberry.field(description="Bill the item is assigned to.")
    AccountingCategoryId: strawberry.ID | None = strawberry.field(
        description="Accounting category the item belongs to."
    )
    Amount: MewsAmount | None = strawberry.field(
        description="Amount of the item; negative for a rebate or payment."
    )
    OriginalAmount: MewsAmount | None = strawberry.field(
        description="Earliest known amount of the item in its conversion chain."
    )
    AmountDefault: MewsAmount | None = strawberry.field(
        description="Amount in the property's default currency.",
        deprecation_reason="Deprecated by Mews; read `amount` instead.",
    )
    Notes: str | None = strawberry.field(description="Additional notes.")
    SettlementId: str | None = strawberry.field(
        description="Identifier of the settled payment in the external system (ApplePay/GooglePay)."
    )
    ConsumedUtc: DateTime | None = strawberry.field(description="When the item was consumed.")
    ClosedUtc: DateTime | None = strawberry.field(description="When the item's bill was closed.")
    AccountingState: str | None = strawberry.field(
        description="Accounting state: Open, Closed, Inactive, Canceled, or a newer one."
    )
    State: str | None = strawberry.field(
        description="Payment state: Charged, Canceled, Pending, Failed, Verifying, or a newer one."
    )
    Data: MewsPaymentItemData | None = strawberry.field(
        description="Additional data specific to the kind of payment item."
    )


@strawberry.type(description="Open (unbilled) order and payment items of one Mews customer.")
class MewsCustomerItems:
    CustomerId: strawberry.ID | None = strawberry.field(
        description="Unique identifier of the customer."
    )
    OrderItems: list[MewsOrderItem] | None = strawberry.field(
        description="The open order items (consumed items such as nights or products)."
    )
    PaymentItems: list[MewsPaymentItem] | None = strawberry.field(
        description="The open payment items (such as cash, credit card payments or invoices)."
    )


# --- Customer ---------------------------------------------------------------------------------


@strawberry.type(description="A postal address stored in Mews.")
class MewsAddress:
    Id: strawberry.ID | None = strawberry.field(description="Unique identifier of the address.")
    Line1: str | None = strawberry.field(description="First line of the address.")
    Line2: str | None = strawberry.field(description="Second line of the address.")
    City: str | None = strawberry.field(description="City.")
    PostalCode: str | None = strawberry.field(description="Postal code.")
    CountryCode: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    CountrySubdivisionCode: str | None = strawberry.field(
        description="ISO 3166-2 code of the country subdivision, e.g. GB-ENG."
    )
    Latitude: float | None = strawberry.field(description="Latitude.")
    Longitude: float | None = strawberry.field(description="Longitude.")


@strawberry.type(description="An identity document (passport, ID card, visa, licence) in Mews.")
class MewsIdentityDocument:
    Id: strawberry.ID | None = strawberry.field(description="Unique identifier of the document.")
    CustomerId: strawberry.ID | None = strawberry.field(description="Identifier of the customer.")
    Type: str | None = strawberry.field(
        description="Document type: IdentityCard, Passport, Visa, DriversLicense, or a newer one."
    )
    Number: str | None = strawberry.field(description="Number of the document.")
    Expiration: Date | None = strawberry.field(description="Expiration date.")
    Issuance: Date | None = strawberry.field(description="Date of issuance.")
    IssuingCountryCode: str | None = strawberry.field(
        description="ISO 3166-1 code of the issuing country."
    )
    IssuingCountrySubdivisionCode: str | None = strawberry.field(
        description="Country subdivision (province, state or region) where it was issued."
    )
    IssuingCity: str | None = strawberry.field(description="City where it was issued.")
    IdentityDocumentSupportNumber: str | None = strawberry.field(
        description="Support number; only required for Spanish identity cards in Spanish hotels."
    )


def _title(root: Upstream) -> MewsTitle | None:
    return enum_or_none(MewsTitle, root.get("Title"))


def _sex(root: Upstream) -> MewsSex | None:
    return enum_or_none(MewsSex, root.get("Sex"))


def _classifications(root: Upstream) -> list[MewsCustomerClassification]:
    return enum_list(MewsCustomerClassification, root.get("Classifications"))


def _classifications_raw(root: Upstream) -> list[str]:
    return _raw_list(root.get("Classifications"))


def _options(root: Upstream) -> list[MewsCustomerOption]:
    return enum_list(MewsCustomerOption, root.get("Options"))


def _options_raw(root: Upstream) -> list[str]:
    return _raw_list(root.get("Options"))


def _activity_state(root: Upstream) -> MewsActivityState | None:
    return enum_or_none(MewsActivityState, root.get("ActivityState"))


async def _open_items(root: Upstream, info: strawberry.Info) -> MewsCustomerItems | None:
    # The request's loader gathers every profile's id into one customers/getOpenItems call.
    return await info.context.loaders.mews_open_items.load(root["Id"])  # type: ignore[no-any-return]


def _node_id(root: Upstream) -> strawberry.ID:
    return strawberry.ID(f"mews:{root['Id']}")


@strawberry.type(description="A customer profile in Mews, the hotel PMS.")
class MewsProfile(Node):
    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Mews customer dicts use capitalised keys (`Id`); Fullwhere's use `id`."""
        if isinstance(obj, cls):
            return True
        return isinstance(obj, dict) and any(key in obj for key in ("Id", "ChainId", "LastName"))

    id: strawberry.ID = strawberry.field(
        resolver=_node_id, description=f"`mews:<Id>`, the person's id. {NODE_ID_DESCRIPTION}"
    )
    Id: strawberry.ID = strawberry.field(
        name="mewsId",
        description="Unique identifier of the customer in Mews (`Id`, a UUID).",
    )
    ChainId: strawberry.ID | None = strawberry.field(description="Unique identifier of the chain.")
    Number: str | None = strawberry.field(
        description="Unique number of the customer (max 19 digits)."
    )
    title: MewsTitle | None = strawberry.field(
        resolver=_title,
        description=f"Title of the customer; {_UNKNOWN_NOTE} (see `titleRaw`).",
    )
    Title: str | None = strawberry.field(
        name="titleRaw", description=f"Title of the customer {_RAW_NOTE}."
    )
    sex: MewsSex | None = strawberry.field(
        resolver=_sex, description=f"Sex of the customer; {_UNKNOWN_NOTE} (see `sexRaw`)."
    )
    Sex: str | None = strawberry.field(
        name="sexRaw", description=f"Sex of the customer {_RAW_NOTE}."
    )
    FirstName: str | None = strawberry.field(description="First name.")
    LastName: str | None = strawberry.field(description="Last name.")
    SecondLastName: str | None = strawberry.field(description="Second last name.")
    NationalityCode: str | None = strawberry.field(
        description="ISO 3166-1 code of the country of nationality."
    )
    PreferredLanguageCode: str | None = strawberry.field(
        description="Language and culture code the profile prefers, e.g. `en-GB`."
    )
    LanguageCode: str | None = strawberry.field(
        description="Language and culture code Mews derives from several sources, e.g. `en-US`."
    )
    BirthDate: Date | None = strawberry.field(description="Date of birth.")
    BirthCountryCode: str | None = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the birth country."
    )
    BirthCountrySubdivisionCode: str | None = strawberry.field(
        description="ISO 3166-2 code of the birth subdivision, e.g. ES-C."
    )
    BirthPlace: str | None = strawberry.field(description="Place of birth.")
    Occupation: str | None = strawberry.field(description="Occupation.")
    Email: str | None = strawberry.field(description="Email address.")
    HasOtaEmail: bool | None = strawberry.field(
        description="Whether the email address is a temporary address from an OTA."
    )
    Phone: str | None = strawberry.field(description="Phone number (possibly mobile).")
    TaxIdentificationNumber: str | None = strawberry.field(description="Tax identification number.")
    LoyaltyCode: str | None = strawberry.field(description="Loyalty code.")
    AccountingCode: str | None = strawberry.field(description="Accounting code.")
    BillingCode: str | None = strawberry.field(description="Billing code.")
    Notes: str | None = strawberry.field(description="Internal notes about the customer.")
    CarRegistrationNumber: str | None = strawberry.field(
        description="Registration number of the customer's car."
    )
    DietaryRequirements: str | None = strawberry.field(
        description="Dietary requirements, e.g. Vegan, Halal."
    )
    CreatedUtc: DateTime | None = strawberry.field(description="When the customer was created.")
    UpdatedUtc: DateTime | None = strawberry.field(
        description="When the customer was last updated."
    )
    AddressId: strawberry.ID | None = strawberry.field(
        description="Unique identifier of the customer's address."
    )
    classifications: list[MewsCustomerClassification] = strawberry.field(
        resolver=_classifications,
        description=f"Classifications of the customer; {_SKIP_NOTE} (see `classificationsRaw`).",
    )
    classifications_raw: list[str] = strawberry.field(
        resolver=_classifications_raw,
        description=f"Classifications of the customer {_RAW_NOTE}.",
    )
    options: list[MewsCustomerOption] = strawberry.field(
        resolver=_options,
        description=f"Options of the customer; {_SKIP_NOTE} (see `optionsRaw`).",
    )
    options_raw: list[str] = strawberry.field(
        resolver=_options_raw, description=f"Options of the customer {_RAW_NOTE}."
    )
    ItalianDestinationCode: str | None = strawberry.field(description="Italian destination code.")
    ItalianFiscalCode: str | None = strawberry.field(description="Italian fiscal code.")
    ItalianLotteryCode: str | None = strawberry.field(description="Italian lottery code.")
    CompanyId: strawberry.ID | None = strawberry.field(
        description="Company the customer is associated with."
    )
    MergeTargetId: strawberry.ID | None = strawberry.field(
        description="Customer account this customer is linked (merged) to."
    )
    IsActive: bool | None = strawberry.field(
        description="Whether the customer record is still active."
    )
    PreferredSpaceFeatures: list[str] | None = strawberry.field(
        description="Room preferences (resource feature classifications), e.g. OceanView."
    )
    CreatorProfileId: strawberry.ID | None = strawberry.field(
        description="User who created the customer."
    )
    UpdaterProfileId: strawberry.ID | None = strawberry.field(
        description="User who last updated the customer."
    )
    Passport: MewsIdentityDocument | None = strawberry.field(
        description="Passport.", deprecation_reason=_IDENTITY_DOCUMENTS_DEPRECATED
    )
    IdentityCard: MewsIdentityDocument | None = strawberry.field(
        description="Identity card.", deprecation_reason=_IDENTITY_DOCUMENTS_DEPRECATED
    )
    Visa: MewsIdentityDocument | None = strawberry.field(
        description="Visa.", deprecation_reason=_IDENTITY_DOCUMENTS_DEPRECATED
    )
    DriversLicense: MewsIdentityDocument | None = strawberry.field(
        description="Driver's licence.", deprecation_reason=_IDENTITY_DOCUMENTS_DEPRECATED
    )
    Address: MewsAddress | None = strawberry.field(
        description="Address of the customer.",
        deprecation_reason='Deprecated by Mews: "Use AddressId instead." (`addressId`)',
    )
    activity_state: MewsActivityState | None = strawberry.field(
        resolver=_activity_state,
        description=f"Whether the record is active or deleted; {_UNKNOWN_NOTE}.",
        deprecation_reason='Deprecated by Mews: "Use IsActive instead." (`isActive`)',
    )
    ActivityState: str | None = strawberry.field(
        name="activityStateRaw",
        description=f"Activity state of the record {_RAW_NOTE}.",
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


@strawberry.type(description="Number of people of one age category on a Mews reservation.")
class MewsAgeCategoryCount:
    AgeCategoryId: strawberry.ID | None = strawberry.field(description="The age category.")
    Count: int | None = strawberry.field(description="Number of people of that age category.")


@strawberry.type(description="Check-in flags of a Mews reservation.")
class MewsReservationOptions:
    OwnerCheckedIn: bool | None = strawberry.field(
        description="Owner of the reservation checked in."
    )
    AllCompanionsCheckedIn: bool | None = strawberry.field(
        description="All companions of the reservation checked in."
    )
    AnyCompanionCheckedIn: bool | None = strawberry.field(
        description="Any companion of the reservation checked in."
    )


def _reservation_state(root: Upstream) -> MewsReservationState | None:
    return enum_or_none(MewsReservationState, root.get("State"))


def _origin_details(root: Upstream) -> str | None:
    # The Mews docs' table says OriginDetails, their example sends OriginDetail.
    value = root.get("OriginDetails", root.get("OriginDetail"))
    return value if isinstance(value, str) else None


@strawberry.type(description="A Mews reservation (ver 2017-04-12), as customers/search returns it.")
class MewsReservation:
    Id: strawberry.ID | None = strawberry.field(description="Unique identifier of the reservation.")
    ServiceId: strawberry.ID | None = strawberry.field(description="Service that is reserved.")
    GroupId: strawberry.ID | None = strawberry.field(description="Reservation group.")
    Number: str | None = strawberry.field(description="Confirmation number in Mews.")
    ChannelNumber: str | None = strawberry.field(
        description="Number of the reservation in the channel (OTA, GDS, CRS, ...)."
    )
    ChannelManagerNumber: str | None = strawberry.field(
        description="Unique number of the reservation within the reservation group."
    )
    ChannelManagerGroupNumber: str | None = strawberry.field(
        description="Number of the reservation group within the channel manager."
    )
    ChannelManager: str | None = strawberry.field(
        description="Name of the channel manager (e.g. AvailPro, SiteMinder)."
    )
    state: MewsReservationState | None = strawberry.field(
        resolver=_reservation_state,
        description=f"State of the reservation; {_UNKNOWN_NOTE} (see `stateRaw`).",
    )
    State: str | None = strawberry.field(
        name="stateRaw", description=f"State of the reservation {_RAW_NOTE}."
    )
    Origin: str | None = strawberry.field(
        description="Origin of the reservation, e.g. Distributor, ChannelManager, Connector."
    )
    origin_details: str | None = strawberry.field(
        resolver=_origin_details, description="Details about the reservation origin."
    )
    Purpose: str | None = strawberry.field(
        description="Purpose of the reservation: Leisure, Business, Student, or a newer one."
    )
    CreatedUtc: DateTime | None = strawberry.field(description="When the reservation was created.")
    UpdatedUtc: DateTime | None = strawberry.field(
        description="When the reservation was last updated."
    )
    CancelledUtc: DateTime | None = strawberry.field(description="When it was cancelled.")
    StartUtc: DateTime | None = strawberry.field(
        description="Start: scheduled start, or the actual check-in when that was earlier."
    )
    EndUtc: DateTime | None = strawberry.field(description="End of the reservation (departure).")
    ReleasedUtc: DateTime | None = strawberry.field(
        description="When the optional reservation is released."
    )
    RequestedCategoryId: strawberry.ID | None = strawberry.field(
        description="Requested resource category."
    )
    AssignedResourceId: strawberry.ID | None = strawberry.field(
        description="Assigned resource (room)."
    )
    AssignedResourceLocked: bool | None = strawberry.field(
        description="Whether the reservation is locked to the assigned resource."
    )
    BusinessSegmentId: strawberry.ID | None = strawberry.field(description="Business segment.")
    CompanyId: strawberry.ID | None = strawberry.field(
        description="Company on behalf of which the reservation was made."
    )
    TravelAgencyId: strawberry.ID | None = strawberry.field(
        description="Company that mediated the reservation."
    )
    AvailabilityBlockId: strawberry.ID | None = strawberry.field(
        description="Availability block the reservation is assigned to."
    )
    RateId: strawberry.ID | None = strawberry.field(description="Rate of the reservation.")
    VoucherId: strawberry.ID | None = strawberry.field(
        description="Voucher used to create the reservation."
    )
    CreditCardId: strawberry.ID | None = strawberry.field(description="Credit card.")
    CancellationReason: str | None = strawberry.field(
        description="Cancellation reason, e.g. NoShow, RequestedByGuest, Other."
    )
    PersonCounts: list[MewsAgeCategoryCount] | None = strawberry.field(
        description="Number of people per age category the reservation was booked for."
    )
    OwnerId: strawberry.ID | None = strawberry.field(
        description="Customer or company who owns the reservation."
    )
    BookerId: strawberry.ID | None = strawberry.field(
        description="Customer on whose behalf the reservation was made."
    )
    Options: MewsReservationOptions | None = strawberry.field(
        description="Check-in options of the reservation."
    )
    AssignedSpaceId: strawberry.ID | None = strawberry.field(
        description="Assigned space.",
        deprecation_reason='Deprecated by Mews: "Use AssignedResourceId instead."',
    )
    AssignedSpaceLocked: bool | None = strawberry.field(
        description="Whether the reservation is locked to the assigned space.",
        deprecation_reason='Deprecated by Mews: "Use AssignedResourceLocked instead."',
    )
    AdultCount: int | None = strawberry.field(
        description="Count of adults.",
        deprecation_reason='Deprecated by Mews: "Use PersonCounts instead."',
    )
    ChildCount: int | None = strawberry.field(
        description="Count of children.",
        deprecation_reason='Deprecated by Mews: "Use PersonCounts instead."',
    )
    CustomerId: strawberry.ID | None = strawberry.field(
        description="Customer who owns the reservation.",
        deprecation_reason='Deprecated by Mews: "Use OwnerId instead."',
    )
    CompanionIds: list[strawberry.ID] | None = strawberry.field(
        description="Customers that will use the resource.",
        deprecation_reason='Deprecated by Mews: "Use companionships/getAll instead."',
    )
    ChannelManagerId: str | None = strawberry.field(
        description="Channel manager number.",
        deprecation_reason='Deprecated by Mews: "Use ChannelManagerNumber instead."',
    )
