"""Shapes of the Mews Connector API customers operations, in Mews spelling.

Every documented field is named (reference/mews/operations-customers.md, _objects.md, and the
fields the Fullwhere seed shows under `metadata.mews.customer`). All TypedDicts are
`total=False`: upstream omits or nulls optional fields, and request bodies are built piecemeal.
Enum-valued fields are plain `str` so that a value Mews adds later (it has added `Blocklist`,
`GuestPhotoConsent`, ...) never breaks a response; the documented values are exported as tuples
for validation and for the GraphQL enums.
"""

from __future__ import annotations

from typing import Any, TypedDict

#: Title prefix (localise for display: `Misses` is "Mrs." in English).
TITLES: tuple[str, ...] = ("Mister", "Miss", "Misses")
SEXES: tuple[str, ...] = ("Male", "Female")
#: Customer classification (`Blacklist` is deprecated in favour of `Blocklist`).
CLASSIFICATIONS: tuple[str, ...] = (
    "PaymasterAccount",
    "Blacklist",
    "Media",
    "LoyaltyProgram",
    "PreviousComplaint",
    "Returning",
    "Staff",
    "FriendOrFamily",
    "TopManagement",
    "Important",
    "VeryImportant",
    "Problematic",
    "Cashlist",
    "DisabledPerson",
    "Military",
    "Airline",
    "HealthCompliant",
    "InRoom",
    "WaitingForRoom",
    "Student",
    "Blocklist",
)
#: Customer option. `None` appears on returned customers only; `customers/add` and
#: `customers/update` document the other values.
OPTIONS: tuple[str, ...] = (
    "None",
    "SendMarketingEmails",
    "Invoiceable",
    "BillAddressObjection",
    "SendMarketingPostalMail",
    "SendPartnerMarketingEmails",
    "SendPartnerMarketingPostalMail",
    "WithdrawCardConsent",
    "GuestPhotoConsent",
    "IdPhotosConsent",
)
ACTIVITY_STATES: tuple[str, ...] = ("Active", "Deleted")
#: `State` of a Reservation (ver 2017-04-12); `Started` means checked in.
RESERVATION_STATES: tuple[str, ...] = (
    "Enquired",
    "Requested",
    "Optional",
    "Confirmed",
    "Started",
    "Processed",
    "Canceled",
)
#: MIME types `customers/addFile` accepts.
FILE_TYPES: tuple[str, ...] = (
    "application/pdf",
    "image/bmp",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/tiff",
)


# --- shared objects -------------------------------------------------------------------------


class MewsAddress(TypedDict, total=False):
    """Address (configuration.md#address), as returned on a customer."""

    Id: str
    Line1: str | None
    Line2: str | None
    City: str | None
    PostalCode: str | None
    CountryCode: str | None
    CountrySubdivisionCode: str | None
    Latitude: float | None
    Longitude: float | None


class MewsAddressParameters(TypedDict, total=False):
    """Address parameters (companies.md#address-parameters), as sent to add/update."""

    Line1: str | None
    Line2: str | None
    City: str | None
    PostalCode: str | None
    CountryCode: str | None
    CountrySubdivisionCode: str | None


class MewsIdentityDocument(TypedDict, total=False):
    """Identity document (deprecated on the customer; kept for old integrations)."""

    Id: str
    CustomerId: str
    Type: str
    Number: str | None
    Expiration: str | None
    Issuance: str | None
    IssuingCountryCode: str | None
    IssuingCountrySubdivisionCode: str | None
    IssuingCity: str | None
    IdentityDocumentSupportNumber: str | None


class MewsIdentityDocumentParameters(TypedDict, total=False):
    Number: str | None
    Expiration: str | None
    Issuance: str | None
    IssuingCountryCode: str | None
    IssuingCountrySubdivisionCode: str | None
    IssuingCity: str | None


class MewsTimeInterval(TypedDict, total=False):
    """UTC `YYYY-MM-DDThh:mm:ssZ` bounds; Start == End means equality, else [Start, End)."""

    StartUtc: str
    EndUtc: str


class MewsStringUpdateValue(TypedDict, total=False):
    """`{"Value": "x"}` sets, `{"Value": null}` clears; omit the property to keep."""

    Value: str | None


# --- customer ---------------------------------------------------------------------------------


class MewsCustomer(TypedDict, total=False):
    Id: str
    ChainId: str
    Number: str
    Title: str | None
    Sex: str | None
    FirstName: str | None
    LastName: str
    SecondLastName: str | None
    NationalityCode: str | None
    PreferredLanguageCode: str | None
    LanguageCode: str | None
    BirthDate: str | None
    BirthCountryCode: str | None
    BirthCountrySubdivisionCode: str | None
    BirthPlace: str | None
    Occupation: str | None
    Email: str | None
    HasOtaEmail: bool
    Phone: str | None
    TaxIdentificationNumber: str | None
    LoyaltyCode: str | None
    AccountingCode: str | None
    BillingCode: str | None
    Notes: str | None
    CarRegistrationNumber: str | None
    DietaryRequirements: str | None
    CreatedUtc: str
    UpdatedUtc: str
    AddressId: str | None
    Classifications: list[str]
    Options: list[str]
    ItalianDestinationCode: str | None
    ItalianFiscalCode: str | None
    ItalianLotteryCode: str | None
    CompanyId: str | None
    MergeTargetId: str | None
    IsActive: bool
    PreferredSpaceFeatures: list[str]
    CreatorProfileId: str
    UpdaterProfileId: str
    # Deprecated upstream, still returned.
    Passport: MewsIdentityDocument | None
    IdentityCard: MewsIdentityDocument | None
    Visa: MewsIdentityDocument | None
    DriversLicense: MewsIdentityDocument | None
    Address: MewsAddress | None
    ActivityState: str | None
    # Seen in the Fullwhere seed's `metadata.mews.customer` (older or undocumented Mews fields).
    CitizenNumber: str | None
    MotherName: str | None
    FatherName: str | None
    CategoryId: str | None
    BirthDateUtc: str | None
    IsUpdatedByMe: bool | None


# --- customers/getAll -------------------------------------------------------------------------


class MewsCustomerFilters(TypedDict, total=False):
    """The getAll filters. `CustomerIds` is required when no other filter is given."""

    ChainIds: list[str]
    CreatedUtc: MewsTimeInterval
    UpdatedUtc: MewsTimeInterval
    DeletedUtc: MewsTimeInterval
    ActivityStates: list[str]
    CustomerIds: list[str]
    CompanyIds: list[str]
    Emails: list[str]
    FirstNames: list[str]
    LastNames: list[str]
    LoyaltyCodes: list[str]


class MewsCustomerExtent(TypedDict, total=False):
    Customers: bool
    Addresses: bool
    Documents: bool


class MewsLimitation(TypedDict, total=False):
    """`Count` 1..1000; `Cursor` is the id of the item one newer than those wanted."""

    Count: int
    Cursor: str | None


class MewsCustomerPage(TypedDict, total=False):
    Customers: list[MewsCustomer]
    Cursor: str | None
    Documents: list[MewsIdentityDocument] | None


# --- customers/getOpenItems -------------------------------------------------------------------


class MewsTaxValue(TypedDict, total=False):
    Code: str | None
    Value: float


class MewsTaxBreakdownItem(TypedDict, total=False):
    TaxRateCode: str | None
    NetValue: float
    TaxValue: float


class MewsTaxBreakdown(TypedDict, total=False):
    Items: list[MewsTaxBreakdownItem]


class MewsAmount(TypedDict, total=False):
    Currency: str
    NetValue: float
    GrossValue: float
    TaxValues: list[MewsTaxValue]
    Breakdown: MewsTaxBreakdown


class MewsItemData(TypedDict, total=False):
    """Coproduct: `Discriminator` names the type, `Value` holds its data or null."""

    Discriminator: str
    Value: dict[str, Any] | None


class MewsOrderItem(TypedDict, total=False):
    Id: str
    AccountId: str
    OrderId: str
    BillId: str | None
    AccountingCategoryId: str | None
    UnitCount: int
    UnitAmount: MewsAmount
    Amount: MewsAmount
    OriginalAmount: MewsAmount
    RevenueType: str
    CreatorProfileId: str
    UpdaterProfileId: str
    CreatedUtc: str
    UpdatedUtc: str
    ConsumedUtc: str | None
    CanceledUtc: str | None
    ClosedUtc: str | None
    StartUtc: str | None
    AccountingState: str
    Data: MewsItemData


class MewsPaymentItem(TypedDict, total=False):
    Id: str
    AccountId: str
    BillId: str | None
    AccountingCategoryId: str | None
    Amount: MewsAmount
    OriginalAmount: MewsAmount
    AmountDefault: MewsAmount | None
    Notes: str | None
    SettlementId: str | None
    ConsumedUtc: str
    ClosedUtc: str | None
    AccountingState: str
    State: str
    Identifier: str | None
    Data: MewsItemData


class MewsCustomerItems(TypedDict, total=False):
    CustomerId: str
    OrderItems: list[MewsOrderItem]
    PaymentItems: list[MewsPaymentItem]
    #: Deprecated accounting items.
    Items: list[dict[str, Any]]


# --- customers/add and customers/update -------------------------------------------------------


class MewsAddBody(TypedDict, total=False):
    """`customers/add` body without the auth keys. `LastName`, `OverwriteExisting` required."""

    Title: str | None
    FirstName: str | None
    LastName: str
    SecondLastName: str | None
    NationalityCode: str | None
    PreferredLanguageCode: str | None
    Sex: str | None
    BirthDate: str | None
    BirthCountryCode: str | None
    BirthCountrySubdivisionCode: str | None
    BirthPlace: str | None
    Occupation: str | None
    Email: str | None
    Phone: str | None
    LoyaltyCode: str | None
    Notes: str | None
    CarRegistrationNumber: str | None
    DietaryRequirements: str | None
    TaxIdentificationNumber: str | None
    CompanyId: str | None
    Address: MewsAddressParameters | None
    Classifications: list[str] | None
    Options: list[str] | None
    ChainId: str | None
    OverwriteExisting: bool
    ItalianDestinationCode: str | None
    ItalianFiscalCode: str | None
    ItalianLotteryCode: str | None
    IdentityCard: MewsIdentityDocumentParameters | None
    Passport: MewsIdentityDocumentParameters | None
    Visa: MewsIdentityDocumentParameters | None
    DriversLicense: MewsIdentityDocumentParameters | None


class MewsUpdateBody(TypedDict, total=False):
    """`customers/update` body without the auth keys. `CustomerId` required.

    Blank fields are left as they are; only the Italian codes can be cleared, by sending
    `{"Value": None}`.
    """

    ChainId: str | None
    CustomerId: str
    Title: str | None
    FirstName: str | None
    LastName: str | None
    SecondLastName: str | None
    NationalityCode: str | None
    PreferredLanguageCode: str | None
    Sex: str | None
    BirthDate: str | None
    BirthCountryCode: str | None
    BirthCountrySubdivisionCode: str | None
    BirthPlace: str | None
    Occupation: str | None
    Email: str | None
    Phone: str | None
    LoyaltyCode: str | None
    Notes: str | None
    CarRegistrationNumber: str | None
    DietaryRequirements: str | None
    TaxIdentificationNumber: str | None
    CompanyId: str | None
    Address: MewsAddressParameters | None
    Classifications: list[str] | None
    Options: list[str] | None
    ItalianDestinationCode: MewsStringUpdateValue | None
    ItalianFiscalCode: MewsStringUpdateValue | None
    ItalianLotteryCode: MewsStringUpdateValue | None
    IdentityCard: MewsIdentityDocumentParameters | None
    Passport: MewsIdentityDocumentParameters | None
    Visa: MewsIdentityDocumentParameters | None
    DriversLicense: MewsIdentityDocumentParameters | None


# --- customers/addFile ------------------------------------------------------------------------


class MewsAddFileBody(TypedDict, total=False):
    ChainId: str | None
    CustomerId: str
    Name: str
    Type: str
    #: Base64-encoded file content.
    Data: str


class MewsAddFileResult(TypedDict, total=False):
    FileId: str


# --- customers/search -------------------------------------------------------------------------


class MewsReservationOptions(TypedDict, total=False):
    OwnerCheckedIn: bool
    AllCompanionsCheckedIn: bool
    AnyCompanionCheckedIn: bool


class MewsPersonCount(TypedDict, total=False):
    AgeCategoryId: str
    Count: int


class MewsReservation(TypedDict, total=False):
    """Reservation (ver 2017-04-12), as returned by `customers/search`."""

    Id: str
    ServiceId: str
    GroupId: str
    Number: str
    ChannelNumber: str | None
    ChannelManagerNumber: str | None
    ChannelManagerGroupNumber: str | None
    ChannelManager: str | None
    State: str
    Origin: str
    OriginDetails: str | None
    Purpose: str | None
    CreatedUtc: str
    UpdatedUtc: str
    CancelledUtc: str | None
    StartUtc: str
    EndUtc: str
    ReleasedUtc: str | None
    RequestedCategoryId: str
    AssignedSpaceId: str | None
    AssignedSpaceLocked: bool
    AssignedResourceId: str | None
    AssignedResourceLocked: bool
    BusinessSegmentId: str | None
    CompanyId: str | None
    TravelAgencyId: str | None
    AvailabilityBlockId: str | None
    RateId: str
    VoucherId: str | None
    CreditCardId: str | None
    CancellationReason: str | None
    AdultCount: int
    ChildCount: int
    PersonCounts: list[MewsPersonCount]
    OwnerId: str
    CustomerId: str
    BookerId: str | None
    CompanionIds: list[str]
    ChannelManagerId: str | None
    Options: MewsReservationOptions


class MewsSearchResult(TypedDict, total=False):
    Customer: MewsCustomer
    #: The reservation the customer is staying on now, if any.
    Reservation: MewsReservation | None


# --- customers/merge and accounts/merge -------------------------------------------------------


class MewsMergeBody(TypedDict, total=False):
    SourceCustomerId: str
    TargetCustomerId: str


class MewsAccountMergeParameter(TypedDict, total=False):
    #: `Customer` or `Company`.
    AccountType: str
    #: 1..1000 ids.
    SourceAccountIds: list[str]
    TargetAccountId: str


class MewsAccountsMergeBody(TypedDict, total=False):
    #: 1..10 merges.
    AccountMergeParameters: list[MewsAccountMergeParameter]


__all__ = [
    "ACTIVITY_STATES",
    "CLASSIFICATIONS",
    "FILE_TYPES",
    "OPTIONS",
    "RESERVATION_STATES",
    "SEXES",
    "TITLES",
    "MewsAccountMergeParameter",
    "MewsAccountsMergeBody",
    "MewsAddBody",
    "MewsAddFileBody",
    "MewsAddFileResult",
    "MewsAddress",
    "MewsAddressParameters",
    "MewsAmount",
    "MewsCustomer",
    "MewsCustomerExtent",
    "MewsCustomerFilters",
    "MewsCustomerItems",
    "MewsCustomerPage",
    "MewsIdentityDocument",
    "MewsIdentityDocumentParameters",
    "MewsItemData",
    "MewsLimitation",
    "MewsMergeBody",
    "MewsOrderItem",
    "MewsPaymentItem",
    "MewsPersonCount",
    "MewsReservation",
    "MewsReservationOptions",
    "MewsSearchResult",
    "MewsStringUpdateValue",
    "MewsTaxBreakdown",
    "MewsTaxBreakdownItem",
    "MewsTaxValue",
    "MewsTimeInterval",
    "MewsUpdateBody",
]
