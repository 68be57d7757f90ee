"""The Fullwhere Partner API's records, named field by field after its documented examples.

Source: `seeds/fullwhere-partner-api-customers.txt` (the customer returned by
`GET /partners/customer`, `POST /partners/customer` and inside `POST /partners/customer/list`,
the list page, and the import body). Every key of those examples is declared here.

These are static types only. At run time records stay the plain dicts the client decoded:
fields the documents do not list and enum values they do not know (`type`, `dataSources`,
Mews `Classifications`, ...) are kept exactly as they came. Every field is optional
(`total=False`) and nullable: the examples show shapes, not guarantees. Numbers that are
amounts or coordinates are `float`, counts and numeric ids `int`; dates are the upstream's
ISO 8601 text (`"2025-10-28T12:26:05.938Z"`) or free text where the example says `"text"`.
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

# --- the customer's tags -------------------------------------------------------------------


class FullwhereTag(TypedDict, total=False):
    id: str | None
    createdAt: str | None
    updatedAt: str | None
    tag: str | None
    color: str | None


# --- metadata: one block per source, in documented order ------------------------------


class GoogleMyBusinessMetadata(TypedDict, total=False):
    displayName: str | None
    profilePhotoUrl: str | None
    isAnonymous: bool | None


class ZeltyAddress(TypedDict, total=False):
    id: int | None
    remote_id: str | None
    name: str | None
    street: str | None
    street_num: str | None
    zip_code: str | None
    city: str | None
    formatted_address: str | None
    google_id: str | None
    location: list[float] | None
    address_more: str | None
    floor: str | None
    door: str | None
    building: str | None
    code: str | None


class ZeltyMetadata(TypedDict, total=False):
    metadata: dict[str, Any] | None
    id: int | None
    uuid: str | None
    remote_id: str | None
    nice_name: str | None
    updated_at: str | None
    name: str | None
    fname: str | None
    company: str | None
    card: str | None
    phone: str | None
    phone2: str | None
    mail: str | None
    birthday: str | None
    balance: float | None
    personal_info: str | None
    loyalty: int | None
    registration: str | None
    default_address: int | None
    billing_address: int | None
    sms_optin: bool | None
    mail_optin: bool | None
    turnover: float | None
    nb_orders: int | None
    last_order_date: str | None
    other: str | None
    addresses: list[ZeltyAddress] | None
    country_code: str | None


class ZenchefOptin(TypedDict, total=False):
    id: int | None
    customer_sheet_id: int | None
    type: Any
    value: bool | None
    is_last: int | None
    created_at: str | None


class ZenchefMetadata(TypedDict, total=False):
    id: int | None
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None
    owner_id: int | None
    restaurantid: int | None
    restaurant_id: int | None
    retention_rate_label: str | None
    retention_rate: float | None
    company: str | None
    status: str | None
    account_id: int | None
    customer_social_id: str | None
    customer_company_id: str | None
    lastname: str | None
    firstname: str | None
    civility: str | None
    email: str | None
    phone: str | None
    professional_email: str | None
    professional_phone: str | None
    birthdate: str | None
    address: str | None
    city: str | None
    zip: str | None
    country: str | None
    lang: str | None
    membershipnum: str | None
    vip: int | None
    has_no_show: int | None
    is_new: int | None
    is_blacklisted: int | None
    allergies: str | None
    comment: str | None
    unsubscribed: bool | None
    has_opt_in_market_mail: int | None
    has_opt_in_review_mail: int | None
    imported_nb_bookings: int | None
    non_duplicate_with: str | None
    optins: list[ZenchefOptin] | None


class JuxtaMetadata(TypedDict, total=False):
    patient_fullname: str | None
    patient_firstname: str | None
    patient_lastname: str | None
    phone_number: str | None
    email: str | None


class SalesforceDentego(TypedDict, total=False):
    EXTERNAL_ID__c: str | None
    Centre_du_RDV__c: str | None
    Type_de_RDV__c: str | None
    EnddatepourProcessbuilder__c: str | None
    Statut__c: str | None
    Pas_de_R_ponse__c: bool | None
    Motif_du_RDV__c: str | None
    Pas_int_ress__c: bool | None
    Recontacter_ce_soir__c: bool | None
    Commentaire_support_Th_o__c: str | None
    X1er_contact_par_SMS__c: bool | None
    Nombre_de_RDV_non_honor__c: int | None
    Action_r_alis_e__c: str | None
    Commentaire_li_l_action_r_alis_e__c: str | None
    Recontacter_le__c: str | None
    KO__c: bool | None
    Date_du_RDV__c: str | None
    Commentaire_li_e_la_t_che__c: str | None
    RDV_plant__c: int | None
    Is_RDV__c: int | None
    Logiciel_met__c: str | None
    Date_d_annulation_du_RDV__c: str | None
    RDV_ADMIN__c: int | None
    DateFlow__c: str | None
    Mail__c: str | None
    Mobile__c: str | None
    isFinished__c: bool | None
    techSentToHelloCustomer__c: bool | None
    P_rim_tre_r_gional__c: str | None
    Etat_de_confirmation__c: str | None
    Traite_dans_Doctolib__c: bool | None
    Date_d_envoi_de_la_confirmation__c: str | None
    Date_de_r_ponse__c: str | None
    Type_de_demande__c: str | None
    Aujourd_hui__c: str | None
    Voyant__c: str | None
    Event_date_1er_RDV__c: str | None
    RDV_NP__c: bool | None
    Date_de_prise_du_RDV__c: str | None


class SalesforceMetadata(TypedDict, total=False):
    dentego: SalesforceDentego | None


class DeliverooMetadata(TypedDict, total=False):
    id: int | None
    frequency: int | None


class TripadvisorMetadata(TypedDict, total=False):
    helpfulVotes: int | None
    contributionCount: int | None
    homeTown: str | None
    avatarUrl: str | None
    username: str | None


class BookingMetadata(TypedDict, total=False):
    yourname: str | None


class UbereatsMetadata(TypedDict, total=False):
    name: str | None
    profileURL: str | None
    uuid: str | None
    isEatsPassSubscriber: bool | None
    numOrders: int | None


class SevenroomsMetadata(TypedDict, total=False):
    first_name: str | None
    last_name: str | None
    email: str | None
    phone_number: str | None
    client_id: str | None
    venue_group_client_id: str | None
    client_reference_code: str | None
    external_client_id: str | None
    source_client_id: str | None
    reservation_sms_opt_in: bool | None


class FacebookMetadata(TypedDict, total=False):
    id: str | None
    profile_pic: str | None
    first_name: str | None
    last_name: str | None
    name: str | None
    name_format: str | None
    gender: str | None


class InstagramMetadata(TypedDict, total=False):
    id: str | None
    biography: str | None
    profile_picture_url: str | None
    profile_pic: str | None
    followers_count: str | None
    follows_count: str | None
    media_count: str | None
    username: str | None
    name: str | None
    website: str | None


class WhatsappProfile(TypedDict, total=False):
    name: str | None


class WhatsappMetadata(TypedDict, total=False):
    wa_id: str | None
    profile: WhatsappProfile | None


class MewsCustomerAddress(TypedDict, total=False):
    Id: str | None
    Line1: str | None
    Line2: str | None
    City: str | None
    PostalCode: str | None
    CountryCode: str | None
    CountrySubdivisionCode: str | None
    Latitude: float | None
    Longitude: float | None


class MewsCustomerRecord(TypedDict, total=False):
    Id: str | None
    ChainId: str | None
    Number: str | None
    FirstName: str | None
    LastName: str | None
    SecondLastName: str | None
    Title: str | None
    Sex: str | None
    NationalityCode: str | None
    LanguageCode: str | None
    BirthDate: str | None
    BirthPlace: str | None
    Email: str | None
    Phone: str | None
    TaxIdentificationNumber: str | None
    LoyaltyCode: str | None
    AccountingCode: str | None
    BillingCode: str | None
    Notes: str | None
    CarRegistrationNumber: str | None
    Classifications: list[str] | None
    Options: list[str] | None
    Address: MewsCustomerAddress | None
    CreatedUtc: str | None
    UpdatedUtc: str | None
    ItalianDestinationCode: str | None
    ItalianFiscalCode: str | None
    CompanyId: str | None
    MergeTargetId: str | None
    ActivityState: str | None
    CitizenNumber: str | None
    MotherName: str | None
    FatherName: str | None
    Occupation: str | None
    HasOtaEmail: bool | None
    Passport: str | None
    IdentityCard: str | None
    Visa: str | None
    DriversLicense: str | None
    AddressId: str | None
    CategoryId: str | None
    BirthDateUtc: str | None
    IsActive: bool | None
    IsUpdatedByMe: bool | None


class MewsDocument(TypedDict, total=False):
    Id: str | None
    CustomerId: str | None
    Type: str | None
    Number: str | None
    Expiration: str | None
    Issuance: str | None
    IssuingCountryCode: str | None
    IssuingCity: str | None


class MewsMetadata(TypedDict, total=False):
    customer: MewsCustomerRecord | None
    documents: list[MewsDocument] | None


class OracleMembership(TypedDict, total=False):
    membershipId: int | None
    programCode: str | None
    bonusCode: str | None
    membershipTypeDesc: str | None
    membershipLevelDesc: str | None
    accountId: str | None
    membershipLevel: str | None
    playerRanking: int | None


class OracleNationality(TypedDict, total=False):
    value: str | None
    code: str | None
    displayCountryFlag: bool | None
    isoCode: str | None


class OracleVip(TypedDict, total=False):
    vipCode: str | None
    vipDescription: str | None


class OracleCountry(TypedDict, total=False):
    value: str | None
    code: str | None


class OracleAddress(TypedDict, total=False):
    cityName: str | None
    postalCode: str | None
    state: str | None
    streetAddress: str | None
    country: OracleCountry | None
    excludeNoCity: bool | None


class OracleAnonymization(TypedDict, total=False):
    anonymizationStatus: str | None


class OracleProfileId(TypedDict, total=False):
    id: str | None
    type: str | None


class OracleAccompanyGuest(TypedDict, total=False):
    firstName: str | None
    lastName: str | None
    fullName: str | None
    registrationCardNo: str | None
    profileIdList: list[OracleProfileId] | None


class OracleLastStayRate(TypedDict, total=False):
    amount: float | None
    currencyCode: str | None


class OracleLastStayInformation(TypedDict, total=False):
    lastStayDate: str | None
    lastStayRoom: str | None
    lastStayRate: OracleLastStayRate | None
    totalStay: int | None


class OracleMetadata(TypedDict, total=False):
    membership: OracleMembership | None
    namePrefix: str | None
    givenName: str | None
    alternateGivenName: str | None
    middleName: str | None
    surname: str | None
    alternateSurname: str | None
    nameTitle: str | None
    fullName: str | None
    phoneNumber: str | None
    email: str | None
    birthDate: str | None
    language: str | None
    nationality: OracleNationality | None
    vip: OracleVip | None
    address: OracleAddress | None
    anonymization: OracleAnonymization | None
    accompanyGuests: list[OracleAccompanyGuest] | None
    guestLastStayInformation: OracleLastStayInformation | None
    guestRestrictedCode: str | None
    guestRestrictedReasonDesc: str | None
    guestRestricted: bool | None
    registrationCardNo: str | None
    nameType: str | None
    id: str | None
    type: str | None


class PartoucheMetadata(TypedDict, total=False):
    id: int | None
    mail: str | None
    name: str | None
    firstname: str | None
    lastname: str | None
    civility: int | None
    optout: bool | None
    optout_source: str | None
    testuser: bool | None
    only_text: bool | None
    subscribe_source: str | None
    subscribe_source_detail: str | None
    created_dt: str | None
    modified_dt: str | None
    optout_dt: str | None
    language: str | None
    bouncecnt: int | None
    bouncedt: str | None
    mobile: str | None
    valide_email: bool | None
    valide_print: bool | None
    valide_sms: bool | None
    abo_email: bool | None
    abo_sms: bool | None
    abo_print: bool | None
    casino_rattachement: str | None
    id_contact: str | None
    today: str | None
    do_not_contact: bool | None


class ComoMembership(TypedDict, total=False):
    MembershipStatus: str | None
    AccumulatedPoints: str | None
    Email: str | None
    LastUpdate: str | None
    BudgetWeighted: str | None
    UserKey: str | None
    LocationID: str | None
    Points: str | None
    AllowEmail: str | None
    Consent: str | None
    Assets: list[dict[str, Any]] | None
    Kind: str | None
    CreatedOn: str | None
    RegistrationSource: str | None
    WeightedPoints: str | None
    AllowSMS: str | None
    UnweightedBudgetPoints: str | None
    Status: str | None
    FirstName: str | None
    ConsentForHub: str | None
    PreviousUserKeys: list[str] | None
    EntityId: str | None
    CommonExtID: str | None
    PhoneNumber: str | None
    LastName: str | None
    Tag: list[str] | None
    BudgetAccumulatedUnweighted: str | None
    BudgetUnweighted: str | None
    BudgetAccumulatedWeighted: str | None
    Key: str | None
    ComoMemberID: str | None


class ComoAsset(TypedDict, total=False):
    template: str | None
    type: str | None
    key: str | None
    status: str | None


class ComoMetadata(TypedDict, total=False):
    membership: ComoMembership | None
    assets: list[ComoAsset] | None


class ExperienceMetadata(TypedDict, total=False):
    customer_custom_properties: list[dict[str, Any]] | None
    customer_additional_properties: list[dict[str, Any]] | None
    email: str | None
    title: str | None
    firstname: str | None
    lastname: str | None
    language: str | None
    birthdate: str | None
    age_at_time_of_stay: int | None
    addr_street: str | None
    addr_city: str | None
    addr_zipcode: str | None
    addr_country: str | None
    continent: str | None
    nationality: str | None
    mobile_phone: str | None
    phone: str | None
    number_of_stays: int | None
    often_travel_to_city: bool | None


class AutoGestionMetadata(TypedDict, total=False):
    firstname: str | None
    lastname: str | None
    email: str | None
    phone: str | None
    thoroughfare: str | None
    premise: str | None
    postal_code: str | None
    locality: str | None
    country: str | None


class TheForkOptins(TypedDict, total=False):
    restaurantNewsletter: bool | None


class TheForkCustomField(TypedDict, total=False):
    labelUuid: str | None
    label: str | None
    type: Any
    value: str | None
    valueUuid: str | None


class TheForkMetadata(TypedDict, total=False):
    customerUuid: str | None
    email: str | None
    firstName: str | None
    lastName: str | None
    phone: str | None
    birthDate: str | None
    locale: str | None
    civility: str | None
    rank: str | None
    computedRank: str | None
    isVip: bool | None
    address: str | None
    allergiesAndIntolerances: list[str] | None
    dietaryRestrictions: list[str] | None
    favFood: str | None
    favDrinks: str | None
    favSeating: str | None
    notes: str | None
    originRestaurantUuid: str | None
    originRestaurantName: str | None
    creationDate: str | None
    lastUpdateDate: str | None
    isPromoter: bool | None
    secondaryPhone: str | None
    country: str | None
    city: str | None
    zipcode: str | None
    optins: TheForkOptins | None
    customFields: list[TheForkCustomField] | None


# `import` is a Python keyword, hence the functional form. `import` holds the string map sent
# as `metadata` in an import body.
FullwhereMetadata = TypedDict(
    "FullwhereMetadata",
    {
        "googleMyBusiness": GoogleMyBusinessMetadata | None,
        "zelty": ZeltyMetadata | None,
        "zenchef": ZenchefMetadata | None,
        "juxta": JuxtaMetadata | None,
        "salesforce": SalesforceMetadata | None,
        "deliveroo": DeliverooMetadata | None,
        "tripadvisor": TripadvisorMetadata | None,
        "booking": BookingMetadata | None,
        "ubereats": UbereatsMetadata | None,
        "sevenrooms": SevenroomsMetadata | None,
        "facebook": FacebookMetadata | None,
        "instagram": InstagramMetadata | None,
        "whatsapp": WhatsappMetadata | None,
        "mews": MewsMetadata | None,
        "oracle": OracleMetadata | None,
        "partouche": PartoucheMetadata | None,
        "como": ComoMetadata | None,
        "experience": ExperienceMetadata | None,
        "autoGestion": AutoGestionMetadata | None,
        "theFork": TheForkMetadata | None,
        "import": dict[str, str] | None,
    },
    total=False,
)


# --- the customer --------------------------------------------------------------------------


class FullwhereCustomer(TypedDict, total=False):
    id: str  # always a string: the client refuses records without one
    createdAt: str | None
    updatedAt: str | None
    description: str | None
    company: str | None
    firstName: str | None
    lastName: str | None
    displayName: str | None
    language: str | None
    phoneNumber: str | None
    email: str | None
    emailBounced: bool | None
    civility: str | None
    tags: list[FullwhereTag] | None
    emailOptin: bool | None
    smsOptin: bool | None
    zenchefId: str | None
    ubereatsId: str | None
    deliverooId: str | None
    zeltyId: str | None
    sevenroomsId: str | None
    metaId: str | None
    mewsId: str | None
    oracleId: str | None
    partoucheId: str | None
    comoId: str | None
    theForkId: str | None
    type: str | None
    feedbackCount: int | None
    purchaseCount: int | None
    averageFeedbackRating: str | None
    dataSources: list[str] | None
    metadata: FullwhereMetadata | None


# --- the list page (nestjs-typeorm-paginate) -----------------------------------------------


class FullwherePageMeta(TypedDict, total=False):
    itemCount: int  # items on this page
    totalItems: int
    itemsPerPage: int
    totalPages: int
    currentPage: int


class FullwherePage(TypedDict, total=False):
    items: list[FullwhereCustomer]
    meta: FullwherePageMeta


# --- the import body (POST /partners/customer, and each item of /partners/customer/batch) ---


class FullwhereImportBody(TypedDict, total=False):
    """All optional and nullable. `email` must be an email, `language` an ISO 639-1 code."""

    description: str | None
    company: str | None
    firstName: str | None
    lastName: str | None
    displayName: str | None
    phoneNumber: str | None
    email: str | None
    civility: str | None
    language: str | None
    metadata: dict[str, str] | None
    smsOptin: bool | None
    emailOptin: bool | None
    zenchefId: str | None
    ubereatsId: str | None
    deliverooId: str | None
    zeltyId: str | None
    sevenroomsId: str | None
    metaId: str | None
    mewsId: str | None
    oracleId: str | None
    partoucheId: str | None
    comoId: str | None
    theForkId: str | None


#: Every key of an import body, in documented order.
IMPORT_FIELDS: Final[tuple[str, ...]] = tuple(FullwhereImportBody.__annotations__)

#: The ids of the same person in other systems, in documented order (import body and customer).
FOREIGN_ID_FIELDS: Final[tuple[str, ...]] = IMPORT_FIELDS[IMPORT_FIELDS.index("zenchefId") :]

#: The keys of `customer.metadata`, one per source, in documented order.
METADATA_SOURCES: Final[tuple[str, ...]] = tuple(FullwhereMetadata.__annotations__)

__all__ = [
    "FOREIGN_ID_FIELDS",
    "IMPORT_FIELDS",
    "METADATA_SOURCES",
    "FullwhereCustomer",
    "FullwhereImportBody",
    "FullwhereMetadata",
    "FullwherePage",
    "FullwherePageMeta",
    "FullwhereTag",
]
