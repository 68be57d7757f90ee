"""Shapes of the Mews Connector API customers operations, in Mews spelling.

Every documented field is named, and the response shapes are the only place that lists them:
the GraphQL types are derived from them (`gateway.graphql.shapes`), with the Mews description of
each field as its `Doc` and the Mews contract as its type (`str` for a property Mews documents
as required, `str | None` for an optional one). All TypedDicts are `total=False`: request bodies
are built piecemeal.
Enum-valued fields are plain `str` so that a value Mews adds later (it has added `Blocklist`,
`GuestPhotoConsent`, ...) never breaks a response; the documented values are exported as tuples
for validation and for the GraphQL enums.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from gateway.upstream.shapes import DateStr, DateTimeStr, Deprecated, Doc, IdStr

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

    Id: Annotated[IdStr, Doc("Unique identifier of the address.")]
    Line1: Annotated[str | None, Doc("First line of the address.")]
    Line2: Annotated[str | None, Doc("Second line of the address.")]
    City: Annotated[str | None, Doc("City.")]
    PostalCode: Annotated[str | None, Doc("Postal code.")]
    CountryCode: Annotated[str | None, Doc("ISO 3166-1 alpha-2 country code.")]
    CountrySubdivisionCode: Annotated[
        str | None, Doc("ISO 3166-2 code of the country subdivision, e.g. GB-ENG.")
    ]
    Latitude: Annotated[float | None, Doc("Latitude.")]
    Longitude: Annotated[float | None, Doc("Longitude.")]


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

    Id: Annotated[IdStr, Doc("Unique identifier of the document.")]
    CustomerId: Annotated[IdStr, Doc("Identifier of the customer.")]
    Type: Annotated[
        str, Doc("Document type: IdentityCard, Passport, Visa, DriversLicense, or a newer one.")
    ]
    Number: Annotated[str | None, Doc("Number of the document.")]
    Expiration: Annotated[DateStr | None, Doc("Expiration date.")]
    Issuance: Annotated[DateStr | None, Doc("Date of issuance.")]
    IssuingCountryCode: Annotated[str | None, Doc("ISO 3166-1 code of the issuing country.")]
    IssuingCountrySubdivisionCode: Annotated[
        str | None, Doc("Country subdivision (province, state or region) where it was issued.")
    ]
    IssuingCity: Annotated[str | None, Doc("City where it was issued.")]
    IdentityDocumentSupportNumber: Annotated[
        str | None,
        Doc("Support number; only required for Spanish identity cards in Spanish hotels."),
    ]


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
    """Customer, keys in the order of the `customers/getAll` response example."""

    Id: Annotated[IdStr, Doc("Unique identifier of the customer.")]
    ChainId: Annotated[IdStr, Doc("Unique identifier of the chain.")]
    Number: Annotated[str, Doc("Unique number of the customer (max 19 digits).")]
    Title: Annotated[str | None, Doc("Title of the customer: Mister, Miss or Misses.")]
    Sex: Annotated[str | None, Doc("Sex of the customer: Male or Female.")]
    FirstName: Annotated[str | None, Doc("First name.")]
    LastName: Annotated[str, Doc("Last name.")]
    SecondLastName: Annotated[str | None, Doc("Second last name.")]
    NationalityCode: Annotated[str | None, Doc("ISO 3166-1 code of the country of nationality.")]
    PreferredLanguageCode: Annotated[
        str | None, Doc("Language and culture code the profile prefers, e.g. `en-GB`.")
    ]
    LanguageCode: Annotated[
        str | None,
        Doc("Language and culture code Mews derives from several sources, e.g. `en-US`."),
    ]
    BirthDate: Annotated[DateStr | None, Doc("Date of birth.")]
    BirthCountryCode: Annotated[str | None, Doc("ISO 3166-1 alpha-2 code of the birth country.")]
    BirthCountrySubdivisionCode: Annotated[
        str | None, Doc("ISO 3166-2 code of the birth subdivision, e.g. ES-C.")
    ]
    BirthPlace: Annotated[str | None, Doc("Place of birth.")]
    Occupation: Annotated[str | None, Doc("Occupation.")]
    Email: Annotated[str | None, Doc("Email address.")]
    HasOtaEmail: Annotated[
        bool, Doc("Whether the email address is a temporary address from an OTA.")
    ]
    Phone: Annotated[str | None, Doc("Phone number (possibly mobile).")]
    TaxIdentificationNumber: Annotated[str | None, Doc("Tax identification number.")]
    LoyaltyCode: Annotated[str | None, Doc("Loyalty code.")]
    AccountingCode: Annotated[str | None, Doc("Accounting code.")]
    BillingCode: Annotated[str | None, Doc("Billing code.")]
    Notes: Annotated[str | None, Doc("Internal notes about the customer.")]
    CarRegistrationNumber: Annotated[str | None, Doc("Registration number of the customer's car.")]
    DietaryRequirements: Annotated[str | None, Doc("Dietary requirements, e.g. Vegan, Halal.")]
    CreatedUtc: Annotated[DateTimeStr, Doc("When the customer was created.")]
    UpdatedUtc: Annotated[DateTimeStr, Doc("When the customer was last updated.")]
    Passport: Annotated[
        MewsIdentityDocument | None,
        Doc("Passport."),
        Deprecated(
            'Deprecated by Mews: "Use Get all identity documents to fetch identity documents."'
        ),
    ]
    IdentityCard: Annotated[
        MewsIdentityDocument | None,
        Doc("Identity card."),
        Deprecated(
            'Deprecated by Mews: "Use Get all identity documents to fetch identity documents."'
        ),
    ]
    Visa: Annotated[
        MewsIdentityDocument | None,
        Doc("Visa."),
        Deprecated(
            'Deprecated by Mews: "Use Get all identity documents to fetch identity documents."'
        ),
    ]
    DriversLicense: Annotated[
        MewsIdentityDocument | None,
        Doc("Driver's licence."),
        Deprecated(
            'Deprecated by Mews: "Use Get all identity documents to fetch identity documents."'
        ),
    ]
    Address: Annotated[
        MewsAddress | None,
        Doc("Address of the customer."),
        Deprecated('Deprecated by Mews: "Use AddressId instead." (`addressId`)'),
    ]
    AddressId: Annotated[IdStr | None, Doc("Unique identifier of the customer's address.")]
    Classifications: Annotated[list[str], Doc("Classifications of the customer.")]
    Options: Annotated[list[str], Doc("Options of the customer.")]
    ItalianDestinationCode: Annotated[str | None, Doc("Italian destination code.")]
    ItalianFiscalCode: Annotated[str | None, Doc("Italian fiscal code.")]
    ItalianLotteryCode: Annotated[str | None, Doc("Italian lottery code.")]
    CompanyId: Annotated[IdStr | None, Doc("Company the customer is associated with.")]
    MergeTargetId: Annotated[
        IdStr | None, Doc("Customer account this customer is linked (merged) to.")
    ]
    ActivityState: Annotated[
        str | None,
        Doc("Activity state of the record: Active or Deleted."),
        Deprecated('Deprecated by Mews: "Use IsActive instead." (`isActive`)'),
    ]

    IsActive: Annotated[bool, Doc("Whether the customer record is still active.")]
    PreferredSpaceFeatures: Annotated[
        list[str], Doc("Room preferences (resource feature classifications), e.g. OceanView.")
    ]
    # Not in every Mews document of the customer (the Connector API's own pages list them as
    # required, the customers document the gateway's users hold does not): null when absent.
    CreatorProfileId: Annotated[IdStr | None, Doc("User who created the customer.")]
    UpdaterProfileId: Annotated[IdStr | None, Doc("User who last updated the customer.")]


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
    Code: Annotated[str | None, Doc("Code corresponding to the tax type.")]
    Value: Annotated[float, Doc("Amount of tax applied.")]


class MewsTaxBreakdownItem(TypedDict, total=False):
    TaxRateCode: Annotated[str | None, Doc("Tax rate code for the item; null for untaxed amounts.")]
    NetValue: Annotated[float, Doc("The net value that the tax is calculated from.")]
    TaxValue: Annotated[float, Doc("The value of the tax.")]


class MewsTaxBreakdown(TypedDict, total=False):
    Items: Annotated[
        list[MewsTaxBreakdownItem], Doc("Tax breakdown items, one per tax rate applied.")
    ]


class MewsAmount(TypedDict, total=False):
    Currency: Annotated[str, Doc("ISO-4217 currency code.")]
    NetValue: Annotated[float, Doc("Net value without taxes.")]
    GrossValue: Annotated[float, Doc("Gross value including all taxes.")]
    TaxValues: Annotated[list[MewsTaxValue], Doc("The tax values applied.")]
    Breakdown: Annotated[MewsTaxBreakdown, Doc("Information about individual tax amounts.")]


class MewsOrderItemData(TypedDict, total=False):
    """Coproduct: `Discriminator` names the type, `Value` holds its data or null."""

    Discriminator: Annotated[
        str,
        Doc(
            "Type of the order item: CancellationFee, Rebate, Deposit, ExchangeRateDifference, "
            "CustomItem, Surcharge, SurchargeDiscount, ProductOrder, Other, or a newer one."
        ),
    ]
    Value: Annotated[
        dict[str, Any] | None,
        Doc(
            "Data whose shape depends on `discriminator` (Rebate: `RebatedItemId`; "
            "ProductOrder: `ProductId`, `AgeCategoryId`); null for types without data."
        ),
    ]


class MewsPaymentItemData(TypedDict, total=False):
    """Coproduct: `Discriminator` names the type, `Value` holds its data or null."""

    Discriminator: Annotated[
        str,
        Doc(
            "Type of the payment item: CreditCard, Invoice, Cash, Unspecified, BadDebts, "
            "WireTransfer, ExchangeRateDifference, ExchangeRoundingDifference, BankCharges, "
            "Cheque, Other, or a newer one."
        ),
    ]
    Value: Annotated[
        dict[str, Any] | None,
        Doc(
            "Data whose shape depends on `discriminator` (CreditCard: `CreditCardId`; "
            "Invoice: `InvoiceId`); null for types without data."
        ),
    ]


class MewsOrderItem(TypedDict, total=False):
    """Order item. `customers/getOpenItems` sends the keys of its example; the others, which
    Mews's order items carry elsewhere, may be missing from its answer and are nullable."""

    Id: Annotated[IdStr, Doc("Unique identifier of the item.")]
    AccountId: Annotated[IdStr, Doc("Account (for example the customer) the item belongs to.")]
    OrderId: Annotated[IdStr, Doc("Order (or reservation, a special order) the item belongs to.")]
    BillId: Annotated[IdStr | None, Doc("Bill the item is assigned to.")]
    AccountingCategoryId: Annotated[IdStr | None, Doc("Accounting category the item belongs to.")]
    UnitCount: Annotated[int | None, Doc("Number of sub-items or units.")]
    UnitAmount: Annotated[MewsAmount | None, Doc("Amount of each unit.")]
    Amount: Annotated[MewsAmount, Doc("Amount of the item; negative for a rebate or payment.")]
    OriginalAmount: Annotated[
        MewsAmount | None, Doc("Earliest known amount of the item in its conversion chain.")
    ]
    RevenueType: Annotated[str, Doc("Revenue type: Service, Product, Additional, or a newer one.")]
    CreatorProfileId: Annotated[IdStr | None, Doc("User who created the item.")]
    UpdaterProfileId: Annotated[IdStr | None, Doc("User who last updated the item.")]
    CreatedUtc: Annotated[DateTimeStr | None, Doc("When the item was created.")]
    UpdatedUtc: Annotated[DateTimeStr | None, Doc("When the item was last updated.")]
    ConsumedUtc: Annotated[DateTimeStr | None, Doc("When the item was consumed.")]
    CanceledUtc: Annotated[DateTimeStr | None, Doc("When the item was canceled.")]
    ClosedUtc: Annotated[DateTimeStr | None, Doc("When the item's bill was closed.")]
    StartUtc: Annotated[DateTimeStr | None, Doc("Start of the service the item is for.")]
    AccountingState: Annotated[
        str, Doc("Accounting state: Open, Closed, Inactive, Canceled, or a newer one.")
    ]
    Data: Annotated[MewsOrderItemData, Doc("Additional data specific to the kind of order item.")]


class MewsPaymentItem(TypedDict, total=False):
    Id: Annotated[IdStr, Doc("Unique identifier of the item.")]
    AccountId: Annotated[IdStr, Doc("Account (for example the customer) the item belongs to.")]
    BillId: Annotated[IdStr | None, Doc("Bill the item is assigned to.")]
    AccountingCategoryId: Annotated[IdStr | None, Doc("Accounting category the item belongs to.")]
    Amount: Annotated[MewsAmount, Doc("Amount of the item; negative for a rebate or payment.")]
    OriginalAmount: Annotated[
        MewsAmount, Doc("Earliest known amount of the item in its conversion chain.")
    ]
    AmountDefault: Annotated[
        MewsAmount | None,
        Doc("Amount in the property's default currency."),
        Deprecated("Deprecated by Mews; read `amount` instead."),
    ]
    Notes: Annotated[str | None, Doc("Additional notes.")]
    SettlementId: Annotated[
        str | None,
        Doc("Identifier of the settled payment in the external system (ApplePay/GooglePay)."),
    ]
    ConsumedUtc: Annotated[DateTimeStr, Doc("When the item was consumed.")]
    ClosedUtc: Annotated[DateTimeStr | None, Doc("When the item's bill was closed.")]
    AccountingState: Annotated[
        str, Doc("Accounting state: Open, Closed, Inactive, Canceled, or a newer one.")
    ]
    State: Annotated[
        str, Doc("Payment state: Charged, Canceled, Pending, Failed, Verifying, or a newer one.")
    ]
    Identifier: Annotated[
        str | None,
        Doc("Additional unique identifier of the payment, such as a card authorisation code."),
    ]
    Data: Annotated[
        MewsPaymentItemData, Doc("Additional data specific to the kind of payment item.")
    ]


class MewsCustomerItems(TypedDict, total=False):
    CustomerId: Annotated[IdStr, Doc("Unique identifier of the customer.")]
    OrderItems: Annotated[
        list[MewsOrderItem],
        Doc("The open order items (consumed items such as nights or products)."),
    ]
    PaymentItems: Annotated[
        list[MewsPaymentItem],
        Doc("The open payment items (such as cash, credit card payments or invoices)."),
    ]
    Items: Annotated[
        list[dict[str, Any]] | None,
        Doc("Accounting items of the customer."),
        Deprecated('Deprecated by Mews: "Use OrderItems and PaymentItems instead."'),
    ]


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
    OwnerCheckedIn: Annotated[bool, Doc("Owner of the reservation checked in.")]
    AllCompanionsCheckedIn: Annotated[bool, Doc("All companions of the reservation checked in.")]
    AnyCompanionCheckedIn: Annotated[bool, Doc("Any companion of the reservation checked in.")]


class MewsPersonCount(TypedDict, total=False):
    AgeCategoryId: Annotated[IdStr, Doc("The age category.")]
    Count: Annotated[int, Doc("Number of people of that age category.")]


class MewsReservation(TypedDict, total=False):
    """Reservation (ver 2017-04-12), as returned by `customers/search`."""

    Id: Annotated[IdStr, Doc("Unique identifier of the reservation.")]
    ServiceId: Annotated[IdStr, Doc("Service that is reserved.")]
    GroupId: Annotated[IdStr, Doc("Reservation group.")]
    Number: Annotated[str, Doc("Confirmation number in Mews.")]
    ChannelNumber: Annotated[
        str | None, Doc("Number of the reservation in the channel (OTA, GDS, CRS, ...).")
    ]
    ChannelManagerNumber: Annotated[
        str | None, Doc("Unique number of the reservation within the reservation group.")
    ]
    ChannelManagerGroupNumber: Annotated[
        str | None, Doc("Number of the reservation group within the channel manager.")
    ]
    ChannelManager: Annotated[
        str | None, Doc("Name of the channel manager (e.g. AvailPro, SiteMinder).")
    ]
    State: Annotated[
        str,
        Doc(
            "State of the reservation: Enquired, Requested, Optional, Confirmed, Started "
            "(checked in), Processed or Canceled."
        ),
    ]
    Origin: Annotated[
        str, Doc("Origin of the reservation, e.g. Distributor, ChannelManager, Connector.")
    ]
    OriginDetails: Annotated[str | None, Doc("Details about the reservation origin.")]
    Purpose: Annotated[
        str | None, Doc("Purpose of the reservation: Leisure, Business, Student, or a newer one.")
    ]
    CreatedUtc: Annotated[DateTimeStr, Doc("When the reservation was created.")]
    UpdatedUtc: Annotated[DateTimeStr, Doc("When the reservation was last updated.")]
    CancelledUtc: Annotated[DateTimeStr | None, Doc("When it was cancelled.")]
    StartUtc: Annotated[
        DateTimeStr, Doc("Start: scheduled start, or the actual check-in when that was earlier.")
    ]
    EndUtc: Annotated[DateTimeStr, Doc("End of the reservation (departure).")]
    ReleasedUtc: Annotated[DateTimeStr | None, Doc("When the optional reservation is released.")]
    RequestedCategoryId: Annotated[IdStr, Doc("Requested resource category.")]
    AssignedSpaceId: Annotated[
        IdStr | None,
        Doc("Assigned space."),
        Deprecated('Deprecated by Mews: "Use AssignedResourceId instead."'),
    ]
    AssignedSpaceLocked: Annotated[
        bool,
        Doc("Whether the reservation is locked to the assigned space."),
        Deprecated('Deprecated by Mews: "Use AssignedResourceLocked instead."'),
    ]
    AssignedResourceId: Annotated[IdStr | None, Doc("Assigned resource (room).")]
    AssignedResourceLocked: Annotated[
        bool, Doc("Whether the reservation is locked to the assigned resource.")
    ]
    BusinessSegmentId: Annotated[IdStr | None, Doc("Business segment.")]
    CompanyId: Annotated[IdStr | None, Doc("Company on behalf of which the reservation was made.")]
    TravelAgencyId: Annotated[IdStr | None, Doc("Company that mediated the reservation.")]
    AvailabilityBlockId: Annotated[
        IdStr | None, Doc("Availability block the reservation is assigned to.")
    ]
    RateId: Annotated[IdStr, Doc("Rate of the reservation.")]
    VoucherId: Annotated[IdStr | None, Doc("Voucher used to create the reservation.")]
    CreditCardId: Annotated[IdStr | None, Doc("Credit card.")]
    CancellationReason: Annotated[
        str | None, Doc("Cancellation reason, e.g. NoShow, RequestedByGuest, Other.")
    ]
    AdultCount: Annotated[
        int, Doc("Count of adults."), Deprecated('Deprecated by Mews: "Use PersonCounts instead."')
    ]
    ChildCount: Annotated[
        int,
        Doc("Count of children."),
        Deprecated('Deprecated by Mews: "Use PersonCounts instead."'),
    ]
    PersonCounts: Annotated[
        list[MewsPersonCount],
        Doc("Number of people per age category the reservation was booked for."),
    ]
    OwnerId: Annotated[IdStr, Doc("Customer or company who owns the reservation.")]
    CustomerId: Annotated[
        IdStr,
        Doc("Customer who owns the reservation."),
        Deprecated('Deprecated by Mews: "Use OwnerId instead."'),
    ]
    BookerId: Annotated[IdStr | None, Doc("Customer on whose behalf the reservation was made.")]
    CompanionIds: Annotated[
        list[IdStr],
        Doc("Customers that will use the resource."),
        Deprecated('Deprecated by Mews: "Use companionships/getAll instead."'),
    ]
    ChannelManagerId: Annotated[
        str | None,
        Doc("Channel manager number."),
        Deprecated('Deprecated by Mews: "Use ChannelManagerNumber instead."'),
    ]
    Options: Annotated[MewsReservationOptions, Doc("Check-in options of the reservation.")]


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
    "MewsLimitation",
    "MewsMergeBody",
    "MewsOrderItem",
    "MewsOrderItemData",
    "MewsPaymentItem",
    "MewsPaymentItemData",
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
