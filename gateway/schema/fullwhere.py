"""GraphQL types for a Fullwhere customer record and its per-source `metadata` blocks.

Every type here is a view over the dict the Fullwhere client decoded (see `base`): fields
without a resolver carry the upstream key as their Python name and are read with
`dict.get`. The only wrapping is in `metadata_entries`, which tags each metadata block with
its source so the `CustomerMetadata` union can tell the 21 block types apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Union, cast, get_args

import strawberry

from gateway.schema.base import JSON, DateTime

__all__ = [
    "METADATA_TYPES",
    "CustomerMetadata",
    "FullwhereProfile",
    "MetadataBlock",
    "Tag",
    "metadata_entries",
]


class MetadataBlock(dict[str, Any]):
    """One upstream metadata block, tagged with the source key it was found under.

    Still a dict, so `resolve_attribute` reads its fields by key like any upstream record;
    the tag is what the union members' `is_type_of` look at.
    """

    __slots__ = ("source",)

    def __init__(self, source: str, block: Mapping[str, Any]) -> None:
        super().__init__(block)
        self.source = source


def _block_source(root: strawberry.Parent[MetadataBlock]) -> str:
    return root.source


@strawberry.type(description="Fields shared by every Fullwhere metadata block type.")
class _MetadataSource:
    """Base of the `CustomerMetadata` members; each sets `SOURCE` to its block's key."""

    SOURCE: ClassVar[str] = ""

    source: str = strawberry.field(
        resolver=_block_source,
        description="The key of this block in Fullwhere's `metadata` object, e.g. `zelty`.",
    )

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, MetadataBlock) and obj.source == cls.SOURCE


# --- googleMyBusiness -------------------------------------------------------------------


@strawberry.type(
    name="GoogleMyBusinessMetadata",
    description="Google Business Profile reviewer, as Fullwhere stores it.",
)
class GoogleMyBusinessMetadata(_MetadataSource):
    SOURCE = "googleMyBusiness"
    displayName: str | None
    profilePhotoUrl: str | None
    isAnonymous: bool | None


# --- zelty -------------------------------------------------------------------------------


@strawberry.type(name="ZeltyAddress", description="A delivery address of a Zelty customer.")
class ZeltyAddress:
    id: int | None
    remote_id: str | None
    name: str | None
    street: str | None
    street_num: str | None
    zip_code: str | None
    city: str | None
    formatted_address: str | None
    google_id: str | None
    location: list[float] | None = strawberry.field(
        description="Coordinates of the address as Zelty sends them."
    )
    address_more: str | None
    floor: str | None
    door: str | None
    building: str | None
    code: str | None = strawberry.field(description="Door or building access code.")


@strawberry.type(
    name="ZeltyMetadata",
    description="Zelty (restaurant POS) customer record, as Fullwhere stores it.",
)
class ZeltyMetadata(_MetadataSource):
    SOURCE = "zelty"
    metadata: JSON | None = strawberry.field(description="Free-form data attached in Zelty.")
    id: int | None
    uuid: str | None
    remote_id: str | None
    nice_name: str | None
    updated_at: str | None
    name: str | None
    fname: str | None = strawberry.field(description="First name.")
    company: str | None
    card: str | None = strawberry.field(description="Loyalty card number.")
    phone: str | None
    phone2: str | None
    mail: str | None
    birthday: str | None
    balance: float | None = strawberry.field(description="Account balance.")
    personal_info: str | None
    loyalty: int | None = strawberry.field(description="Loyalty points.")
    registration: str | None
    default_address: int | None = strawberry.field(
        description="Id of the default entry in `addresses`."
    )
    billing_address: int | None = strawberry.field(
        description="Id of the billing entry in `addresses`."
    )
    sms_optin: bool | None
    mail_optin: bool | None
    turnover: float | None = strawberry.field(description="Total spent by the customer.")
    nb_orders: int | None
    last_order_date: str | None
    other: str | None
    addresses: list[ZeltyAddress] | None
    country_code: str | None


# --- zenchef ------------------------------------------------------------------------------


@strawberry.type(name="ZenchefOptin", description="A Zenchef consent record.")
class ZenchefOptin:
    id: int | None
    customer_sheet_id: int | None
    type: JSON | None = strawberry.field(description="The opt-in type object, free-form.")
    value: bool | None
    is_last: int | None = strawberry.field(description="1 when this is the latest record.")
    created_at: str | None


@strawberry.type(
    name="ZenchefMetadata",
    description="Zenchef (restaurant bookings) customer sheet, as Fullwhere stores it.",
)
class ZenchefMetadata(_MetadataSource):
    SOURCE = "zenchef"
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
    membershipnum: str | None = strawberry.field(description="Membership number.")
    vip: int | None = strawberry.field(description="1 for a VIP.")
    has_no_show: int | None = strawberry.field(description="1 if the customer ever no-showed.")
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


# --- juxta -------------------------------------------------------------------------------


@strawberry.type(
    name="JuxtaMetadata",
    description="Juxta (healthcare scheduling) patient, as Fullwhere stores it.",
)
class JuxtaMetadata(_MetadataSource):
    SOURCE = "juxta"
    patient_fullname: str | None
    patient_firstname: str | None
    patient_lastname: str | None
    phone_number: str | None
    email: str | None


# --- salesforce ------------------------------------------------------------------------


@strawberry.type(
    name="SalesforceDentego",
    description=(
        "Dentego appointment record from Salesforce: the org's custom fields (`__c`), "
        "named after their French API names."
    ),
)
class SalesforceDentego:
    EXTERNAL_ID__c: str | None
    Centre_du_RDV__c: str | None = strawberry.field(description="Centre of the appointment.")
    Type_de_RDV__c: str | None = strawberry.field(description="Appointment type.")
    EnddatepourProcessbuilder__c: str | None
    Statut__c: str | None = strawberry.field(description="Status.")
    Pas_de_R_ponse__c: bool | None = strawberry.field(description="No answer.")
    Motif_du_RDV__c: str | None = strawberry.field(description="Reason for the appointment.")
    Pas_int_ress__c: bool | None = strawberry.field(description="Not interested.")
    Recontacter_ce_soir__c: bool | None = strawberry.field(description="Call back tonight.")
    Commentaire_support_Th_o__c: str | None
    X1er_contact_par_SMS__c: bool | None = strawberry.field(description="First contact by SMS.")
    Nombre_de_RDV_non_honor__c: int | None = strawberry.field(
        description="Number of missed appointments."
    )
    Action_r_alis_e__c: str | None = strawberry.field(description="Action taken.")
    Commentaire_li_l_action_r_alis_e__c: str | None
    Recontacter_le__c: str | None = strawberry.field(description="Call back on (date).")
    KO__c: bool | None
    Date_du_RDV__c: str | None = strawberry.field(description="Appointment date.")
    Commentaire_li_e_la_t_che__c: str | None
    RDV_plant__c: int | None = strawberry.field(description="Appointment planned.")
    Is_RDV__c: int | None
    Logiciel_met__c: str | None = strawberry.field(description="Practice software.")
    Date_d_annulation_du_RDV__c: str | None = strawberry.field(description="Cancellation date.")
    RDV_ADMIN__c: int | None
    DateFlow__c: str | None
    Mail__c: str | None
    Mobile__c: str | None
    isFinished__c: bool | None
    techSentToHelloCustomer__c: bool | None
    P_rim_tre_r_gional__c: str | None = strawberry.field(description="Regional perimeter.")
    Etat_de_confirmation__c: str | None = strawberry.field(description="Confirmation state.")
    Traite_dans_Doctolib__c: bool | None = strawberry.field(description="Handled in Doctolib.")
    Date_d_envoi_de_la_confirmation__c: str | None
    Date_de_r_ponse__c: str | None = strawberry.field(description="Answer date.")
    Type_de_demande__c: str | None = strawberry.field(description="Request type.")
    Aujourd_hui__c: str | None = strawberry.field(description="Today (formula field).")
    Voyant__c: str | None = strawberry.field(description="Status indicator.")
    Event_date_1er_RDV__c: str | None
    RDV_NP__c: bool | None
    Date_de_prise_du_RDV__c: str | None = strawberry.field(description="Booking date.")


@strawberry.type(
    name="SalesforceMetadata",
    description="Salesforce CRM records about the customer, as Fullwhere stores them.",
)
class SalesforceMetadata(_MetadataSource):
    SOURCE = "salesforce"
    dentego: SalesforceDentego | None


# --- deliveroo, tripadvisor, booking, ubereats, sevenrooms -----------------------------


@strawberry.type(
    name="DeliverooMetadata",
    description="Deliveroo (food delivery) customer, as Fullwhere stores it.",
)
class DeliverooMetadata(_MetadataSource):
    SOURCE = "deliveroo"
    id: int | None
    frequency: int | None = strawberry.field(description="Number of orders.")


@strawberry.type(
    name="TripadvisorMetadata",
    description="Tripadvisor reviewer, as Fullwhere stores it.",
)
class TripadvisorMetadata(_MetadataSource):
    SOURCE = "tripadvisor"
    helpfulVotes: int | None
    contributionCount: int | None
    homeTown: str | None
    avatarUrl: str | None
    username: str | None


@strawberry.type(
    name="BookingMetadata",
    description="Booking.com reviewer, as Fullwhere stores it.",
)
class BookingMetadata(_MetadataSource):
    SOURCE = "booking"
    yourname: str | None = strawberry.field(description="Name the reviewer gave.")


@strawberry.type(
    name="UbereatsMetadata",
    description="Uber Eats (food delivery) customer, as Fullwhere stores it.",
)
class UbereatsMetadata(_MetadataSource):
    SOURCE = "ubereats"
    name: str | None
    profileURL: str | None
    uuid: str | None
    isEatsPassSubscriber: bool | None
    numOrders: int | None


@strawberry.type(
    name="SevenroomsMetadata",
    description="SevenRooms (hospitality CRM) client, as Fullwhere stores it.",
)
class SevenroomsMetadata(_MetadataSource):
    SOURCE = "sevenrooms"
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


# --- facebook, instagram, whatsapp -------------------------------------------------------


@strawberry.type(
    name="FacebookMetadata",
    description="Facebook (Messenger) user profile, as Fullwhere stores it.",
)
class FacebookMetadata(_MetadataSource):
    SOURCE = "facebook"
    id: str | None
    profile_pic: str | None
    first_name: str | None
    last_name: str | None
    name: str | None
    name_format: str | None
    gender: str | None


@strawberry.type(
    name="InstagramMetadata",
    description="Instagram user profile, as Fullwhere stores it.",
)
class InstagramMetadata(_MetadataSource):
    SOURCE = "instagram"
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


@strawberry.type(name="WhatsappProfile", description="The WhatsApp profile of a contact.")
class WhatsappProfile:
    name: str | None


@strawberry.type(
    name="WhatsappMetadata",
    description="WhatsApp contact, as Fullwhere stores it.",
)
class WhatsappMetadata(_MetadataSource):
    SOURCE = "whatsapp"
    wa_id: str | None = strawberry.field(description="WhatsApp id (the phone number).")
    profile: WhatsappProfile | None


# --- mews --------------------------------------------------------------------------------


@strawberry.type(
    name="MewsMetadataAddress",
    description="Address of the Mews customer copy kept in Fullwhere metadata.",
)
class MewsMetadataAddress:
    Id: str | None
    Line1: str | None
    Line2: str | None
    City: str | None
    PostalCode: str | None
    CountryCode: str | None
    CountrySubdivisionCode: str | None
    Latitude: float | None
    Longitude: float | None


@strawberry.type(
    name="MewsMetadataCustomer",
    description=(
        "The Mews customer as Fullwhere copied it into its metadata; the live record is "
        "`MewsProfile`."
    ),
)
class MewsMetadataCustomer:
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
    Address: MewsMetadataAddress | None
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


@strawberry.type(
    name="MewsMetadataDocument",
    description="An identity document of the Mews customer copy kept in Fullwhere metadata.",
)
class MewsMetadataDocument:
    Id: str | None
    CustomerId: str | None
    Type: str | None
    Number: str | None
    Expiration: str | None
    Issuance: str | None
    IssuingCountryCode: str | None
    IssuingCity: str | None


@strawberry.type(
    name="MewsMetadata",
    description="Mews (hotel PMS) customer and documents, as Fullwhere stores them.",
)
class MewsMetadata(_MetadataSource):
    SOURCE = "mews"
    customer: MewsMetadataCustomer | None
    documents: list[MewsMetadataDocument] | None


# --- oracle ------------------------------------------------------------------------------


@strawberry.type(name="OracleMembership", description="Loyalty membership of an Oracle guest.")
class OracleMembership:
    membershipId: int | None
    programCode: str | None
    bonusCode: str | None
    membershipTypeDesc: str | None
    membershipLevelDesc: str | None
    accountId: str | None
    membershipLevel: str | None
    playerRanking: int | None


@strawberry.type(name="OracleNationality", description="Nationality of an Oracle guest.")
class OracleNationality:
    value: str | None
    code: str | None
    displayCountryFlag: bool | None
    isoCode: str | None


@strawberry.type(name="OracleVip", description="VIP status of an Oracle guest.")
class OracleVip:
    vipCode: str | None
    vipDescription: str | None


@strawberry.type(name="OracleAddressCountry", description="Country of an Oracle address.")
class OracleAddressCountry:
    value: str | None
    code: str | None


@strawberry.type(name="OracleAddress", description="Address of an Oracle guest.")
class OracleAddress:
    cityName: str | None
    postalCode: str | None
    state: str | None
    streetAddress: str | None
    country: OracleAddressCountry | None
    excludeNoCity: bool | None


@strawberry.type(
    name="OracleAnonymization", description="Anonymization state of an Oracle guest profile."
)
class OracleAnonymization:
    anonymizationStatus: str | None


@strawberry.type(name="OracleProfileId", description="An id of a profile in Oracle.")
class OracleProfileId:
    id: str | None
    type: str | None


@strawberry.type(
    name="OracleAccompanyGuest", description="A guest travelling with the Oracle guest."
)
class OracleAccompanyGuest:
    firstName: str | None
    lastName: str | None
    fullName: str | None
    registrationCardNo: str | None
    profileIdList: list[OracleProfileId] | None


@strawberry.type(name="OracleLastStayRate", description="Rate of an Oracle guest's last stay.")
class OracleLastStayRate:
    amount: float | None
    currencyCode: str | None


@strawberry.type(
    name="OracleGuestLastStayInformation",
    description="The last stay of an Oracle guest.",
)
class OracleGuestLastStayInformation:
    lastStayDate: DateTime | None
    lastStayRoom: str | None
    lastStayRate: OracleLastStayRate | None
    totalStay: int | None = strawberry.field(description="Number of stays.")


@strawberry.type(
    name="OracleMetadata",
    description="Oracle OPERA (hotel PMS) guest profile, as Fullwhere stores it.",
)
class OracleMetadata(_MetadataSource):
    SOURCE = "oracle"
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
    birthDate: DateTime | None
    language: str | None
    nationality: OracleNationality | None
    vip: OracleVip | None
    address: OracleAddress | None
    anonymization: OracleAnonymization | None
    accompanyGuests: list[OracleAccompanyGuest] | None
    guestLastStayInformation: OracleGuestLastStayInformation | None
    guestRestrictedCode: str | None
    guestRestrictedReasonDesc: str | None
    guestRestricted: bool | None
    registrationCardNo: str | None
    nameType: str | None
    id: str | None
    type: str | None


# --- partouche ---------------------------------------------------------------------------


@strawberry.type(
    name="PartoucheMetadata",
    description="Partouche (casino group) contact, as Fullwhere stores it.",
)
class PartoucheMetadata(_MetadataSource):
    SOURCE = "partouche"
    id: int | None
    mail: str | None
    name: str | None
    firstname: str | None
    lastname: str | None
    civility: int | None = strawberry.field(description="Civility as Partouche codes it.")
    optout: bool | None
    optout_source: str | None
    testuser: bool | None
    only_text: bool | None
    subscribe_source: str | None
    subscribe_source_detail: str | None
    created_dt: DateTime | None
    modified_dt: DateTime | None
    optout_dt: DateTime | None
    language: str | None
    bouncecnt: int | None = strawberry.field(description="Number of bounced emails.")
    bouncedt: DateTime | None = strawberry.field(description="When an email last bounced.")
    mobile: str | None
    valide_email: bool | None
    valide_print: bool | None
    valide_sms: bool | None
    abo_email: bool | None = strawberry.field(description="Subscribed to email.")
    abo_sms: bool | None = strawberry.field(description="Subscribed to SMS.")
    abo_print: bool | None = strawberry.field(description="Subscribed to print mail.")
    casino_rattachement: str | None = strawberry.field(
        description="Casino the contact is attached to."
    )
    id_contact: str | None
    today: DateTime | None
    do_not_contact: bool | None


# --- como --------------------------------------------------------------------------------


@strawberry.type(name="ComoMembership", description="Loyalty membership of a Como member.")
class ComoMembership:
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
    Assets: list[JSON] | None = strawberry.field(
        description="Assets held by the member, free-form objects."
    )
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


@strawberry.type(name="ComoAsset", description="An asset (gift, benefit) of a Como member.")
class ComoAsset:
    template: str | None
    type: str | None
    key: str | None
    status: str | None


@strawberry.type(
    name="ComoMetadata",
    description="Como (loyalty platform) member, as Fullwhere stores it.",
)
class ComoMetadata(_MetadataSource):
    SOURCE = "como"
    membership: ComoMembership | None
    assets: list[ComoAsset] | None


# --- experience, autoGestion ------------------------------------------------------------


@strawberry.type(
    name="ExperienceMetadata",
    description="Guest experience (hotel survey) respondent, as Fullwhere stores it.",
)
class ExperienceMetadata(_MetadataSource):
    SOURCE = "experience"
    customer_custom_properties: list[JSON] | None = strawberry.field(
        description="Custom properties, free-form objects."
    )
    customer_additional_properties: list[JSON] | None = strawberry.field(
        description="Additional properties, free-form objects."
    )
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


@strawberry.type(
    name="AutoGestionMetadata",
    description="Customer entered through Fullwhere self-service (auto-gestion) forms.",
)
class AutoGestionMetadata(_MetadataSource):
    SOURCE = "autoGestion"
    firstname: str | None
    lastname: str | None
    email: str | None
    phone: str | None
    thoroughfare: str | None = strawberry.field(description="Street and number.")
    premise: str | None = strawberry.field(description="Apartment, floor, building.")
    postal_code: str | None
    locality: str | None
    country: str | None


# --- theFork -----------------------------------------------------------------------------


@strawberry.type(name="TheForkOptins", description="Consents of a TheFork customer.")
class TheForkOptins:
    restaurantNewsletter: bool | None


@strawberry.type(
    name="TheForkCustomField", description="A restaurant-defined field of a TheFork customer."
)
class TheForkCustomField:
    labelUuid: str | None
    label: str | None
    type: JSON | None = strawberry.field(description="The field type object, free-form.")
    value: str | None
    valueUuid: str | None


@strawberry.type(
    name="TheForkMetadata",
    description="TheFork (restaurant bookings) customer, as Fullwhere stores it.",
)
class TheForkMetadata(_MetadataSource):
    SOURCE = "theFork"
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


# --- import ------------------------------------------------------------------------------


def _import_data(root: strawberry.Parent[MetadataBlock]) -> JSON:
    return cast(JSON, dict(root))


@strawberry.type(
    name="ImportMetadata",
    description="The key/value strings given as `metadata` when the customer was imported.",
)
class ImportMetadata(_MetadataSource):
    SOURCE = "import"
    data: JSON = strawberry.field(
        resolver=_import_data, description="The imported key/value pairs, as one JSON object."
    )


# --- the union ---------------------------------------------------------------------------

CustomerMetadata = Annotated[
    Union[  # noqa: UP007 - strawberry.union needs the explicit Union inside Annotated
        GoogleMyBusinessMetadata,
        ZeltyMetadata,
        ZenchefMetadata,
        JuxtaMetadata,
        SalesforceMetadata,
        DeliverooMetadata,
        TripadvisorMetadata,
        BookingMetadata,
        UbereatsMetadata,
        SevenroomsMetadata,
        FacebookMetadata,
        InstagramMetadata,
        WhatsappMetadata,
        MewsMetadata,
        OracleMetadata,
        PartoucheMetadata,
        ComoMetadata,
        ExperienceMetadata,
        AutoGestionMetadata,
        TheForkMetadata,
        ImportMetadata,
    ],
    strawberry.union(
        "CustomerMetadata",
        description=(
            "One block of a Fullwhere customer's `metadata`: what one connected source "
            "(Zelty, Zenchef, Mews, ...) knows about the customer. `source` names the block."
        ),
    ),
]

# The union's members, in the order Fullwhere documents the blocks; `metadata` lists them in
# this order.
_METADATA_CLASSES = cast(tuple[type[_MetadataSource], ...], get_args(get_args(CustomerMetadata)[0]))

METADATA_TYPES: dict[str, type[Any]] = {cls.SOURCE: cls for cls in _METADATA_CLASSES}
"""Fullwhere metadata source key → the GraphQL type of its block, in documented order."""


def metadata_entries(metadata: Mapping[str, Any] | None) -> list[MetadataBlock]:
    """The known, non-null blocks of a Fullwhere `metadata` object, in documented order.

    Blocks from sources this gateway does not know yet, and blocks that are not objects,
    are left out rather than failing the whole customer.
    """
    if not isinstance(metadata, Mapping):
        return []
    entries: list[MetadataBlock] = []
    for source in METADATA_TYPES:
        block = metadata.get(source)
        if isinstance(block, Mapping):
            entries.append(MetadataBlock(source, block))
    return entries


# --- the customer ------------------------------------------------------------------------


def _profile_metadata(root: strawberry.Parent[Mapping[str, Any]]) -> list[CustomerMetadata]:
    return cast(list[CustomerMetadata], metadata_entries(root.get("metadata")))


@strawberry.type(name="Tag", description="A tag put on a Fullwhere customer.")
class Tag:
    id: strawberry.ID | None
    createdAt: DateTime | None
    updatedAt: DateTime | None
    tag: str | None = strawberry.field(description="The tag's text.")
    color: str | None


@strawberry.type(
    name="FullwhereProfile",
    description="The customer record as the Fullwhere customer data platform holds it.",
)
class FullwhereProfile:
    id: strawberry.ID | None = strawberry.field(description="Fullwhere's id of the customer.")
    createdAt: DateTime | None
    updatedAt: DateTime | None
    description: str | None
    company: str | None
    firstName: str | None
    lastName: str | None
    displayName: str | None
    language: str | None = strawberry.field(description="ISO 639-1 language code, e.g. `fr`.")
    phoneNumber: str | None
    email: str | None
    emailBounced: bool | None
    civility: str | None = strawberry.field(description="Civility, e.g. `Mr.`, `Ms.`.")
    tags: list[Tag] | None
    emailOptin: bool | None
    smsOptin: bool | None
    zenchefId: str | None = strawberry.field(description="Id of the customer in Zenchef.")
    ubereatsId: str | None = strawberry.field(description="Id of the customer in Uber Eats.")
    deliverooId: str | None = strawberry.field(description="Id of the customer in Deliveroo.")
    zeltyId: str | None = strawberry.field(description="Id of the customer in Zelty.")
    sevenroomsId: str | None = strawberry.field(description="Id of the customer in SevenRooms.")
    metaId: str | None = strawberry.field(
        description="Id of the customer in Meta (Facebook/Instagram)."
    )
    mewsId: str | None = strawberry.field(description="Id of the customer in Mews.")
    oracleId: str | None = strawberry.field(description="Id of the customer in Oracle.")
    partoucheId: str | None = strawberry.field(description="Id of the customer in Partouche.")
    comoId: str | None = strawberry.field(description="Id of the customer in Como.")
    theForkId: str | None = strawberry.field(description="Id of the customer in TheFork.")
    type: str | None = strawberry.field(description="Customer type as Fullwhere classifies it.")
    feedbackCount: int | None = strawberry.field(description="Number of reviews left.")
    purchaseCount: int | None
    averageFeedbackRating: str | None = strawberry.field(
        description="Average rating of the customer's reviews, as Fullwhere formats it."
    )
    dataSources: list[str] | None = strawberry.field(
        description="Names of the sources the customer came from, e.g. `Google`."
    )

    metadata: list[CustomerMetadata] = strawberry.field(
        resolver=_profile_metadata,
        description="What each connected source knows about the customer, one entry per source.",
    )

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        # Fullwhere keys are lower camel case ("id"); a Mews customer has "Id" and "ChainId".
        return (
            isinstance(obj, dict)
            and not isinstance(obj, MetadataBlock)
            and "id" in obj
            and "ChainId" not in obj
        )
