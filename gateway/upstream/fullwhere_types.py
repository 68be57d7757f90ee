"""The Fullwhere Partner API's records, named field by field after its documented examples.

Source: the Partner API customer documents (the customer returned by `GET /partners/customer`,
`POST /partners/customer` and inside `POST /partners/customer/list`, the list page, and the
import body). Every key of those examples is declared here, and these TypedDicts are the only
place that lists them: the GraphQL types are derived from them (`gateway.graphql.shapes`), with
the `Doc` of each field as its description (the documents give examples, not field texts, so
the texts say what the example and the source system mean).

These are static types only. At run time records stay the plain dicts the client decoded:
fields the documents do not list and enum values they do not know (`type`, `dataSources`,
Mews `Classifications`, ...) are kept exactly as they came. Every field is optional
(`total=False`) and nullable, the customer's `id` excepted: the examples show shapes, not
guarantees. Numbers that are amounts or coordinates are `float`, counts and numeric ids `int`;
dates are the upstream's ISO 8601 text (`"2025-10-28T12:26:05.938Z"`) or free text where the
example says `"text"`.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, TypedDict

from gateway.upstream.shapes import DateTimeStr, Doc, IdStr

# --- the customer's tags -------------------------------------------------------------------


class FullwhereTag(TypedDict, total=False):
    id: Annotated[IdStr | None, Doc("Fullwhere's id of the tag.")]
    createdAt: Annotated[DateTimeStr | None, Doc("When the tag was created.")]
    updatedAt: Annotated[DateTimeStr | None, Doc("When the tag was last changed.")]
    tag: Annotated[str | None, Doc("The tag's text.")]
    color: Annotated[str | None, Doc("Display colour of the tag.")]


# --- metadata: one block per source, in documented order ------------------------------


class GoogleMyBusinessMetadata(TypedDict, total=False):
    displayName: Annotated[str | None, Doc("Name the reviewer shows on Google.")]
    profilePhotoUrl: Annotated[str | None, Doc("Address of the reviewer's profile photo.")]
    isAnonymous: Annotated[bool | None, Doc("Whether the reviewer posts anonymously.")]


class ZeltyAddress(TypedDict, total=False):
    id: Annotated[int | None, Doc("Zelty's id of the address.")]
    remote_id: Annotated[str | None, Doc("Id of the address in the system that sent it to Zelty.")]
    name: Annotated[str | None, Doc("Label of the address, e.g. `Home`.")]
    street: Annotated[str | None, Doc("Street name.")]
    street_num: Annotated[str | None, Doc("Street number.")]
    zip_code: Annotated[str | None, Doc("Postal code.")]
    city: Annotated[str | None, Doc("City.")]
    formatted_address: Annotated[str | None, Doc("The whole address on one line.")]
    google_id: Annotated[str | None, Doc("Google Places id of the address.")]
    location: Annotated[list[float] | None, Doc("Coordinates of the address as Zelty sends them.")]
    address_more: Annotated[str | None, Doc("Address complement.")]
    floor: Annotated[str | None, Doc("Floor.")]
    door: Annotated[str | None, Doc("Door.")]
    building: Annotated[str | None, Doc("Building.")]
    code: Annotated[str | None, Doc("Door or building access code.")]


class ZeltyMetadata(TypedDict, total=False):
    metadata: Annotated[dict[str, Any] | None, Doc("Free-form data attached in Zelty.")]
    id: Annotated[int | None, Doc("Zelty's numeric id of the customer.")]
    uuid: Annotated[str | None, Doc("Zelty's UUID of the customer.")]
    remote_id: Annotated[str | None, Doc("Id of the customer in the system that sent it to Zelty.")]
    nice_name: Annotated[str | None, Doc("Display name Zelty composes from the names.")]
    updated_at: Annotated[
        str | None, Doc("When Zelty last changed the record (as Zelty formats it).")
    ]
    name: Annotated[str | None, Doc("Last name.")]
    fname: Annotated[str | None, Doc("First name.")]
    company: Annotated[str | None, Doc("Company.")]
    card: Annotated[str | None, Doc("Loyalty card number.")]
    phone: Annotated[str | None, Doc("Phone number.")]
    phone2: Annotated[str | None, Doc("Second phone number.")]
    mail: Annotated[str | None, Doc("Email address.")]
    birthday: Annotated[str | None, Doc("Date of birth (as Zelty formats it).")]
    balance: Annotated[float | None, Doc("Account balance.")]
    personal_info: Annotated[str | None, Doc("Free-text notes about the customer.")]
    loyalty: Annotated[int | None, Doc("Loyalty points.")]
    registration: Annotated[str | None, Doc("When the customer registered (as Zelty formats it).")]
    default_address: Annotated[int | None, Doc("Id of the default entry in `addresses`.")]
    billing_address: Annotated[int | None, Doc("Id of the billing entry in `addresses`.")]
    sms_optin: Annotated[bool | None, Doc("Whether the customer accepts SMS marketing.")]
    mail_optin: Annotated[bool | None, Doc("Whether the customer accepts email marketing.")]
    turnover: Annotated[float | None, Doc("Total spent by the customer.")]
    nb_orders: Annotated[int | None, Doc("Number of orders.")]
    last_order_date: Annotated[str | None, Doc("Date of the last order (as Zelty formats it).")]
    other: Annotated[str | None, Doc("Other free-text information.")]
    addresses: Annotated[list[ZeltyAddress] | None, Doc("Delivery addresses of the customer.")]
    country_code: Annotated[str | None, Doc("Country code of the phone number or address.")]


class ZenchefOptin(TypedDict, total=False):
    id: Annotated[int | None, Doc("Zenchef's id of the consent record.")]
    customer_sheet_id: Annotated[int | None, Doc("The customer sheet the record belongs to.")]
    type: Annotated[Any, Doc("The opt-in type object, free-form.")]
    value: Annotated[bool | None, Doc("Whether the customer consented.")]
    is_last: Annotated[int | None, Doc("1 when this is the latest record of its type.")]
    created_at: Annotated[str | None, Doc("When the record was made (as Zenchef formats it).")]


class ZenchefMetadata(TypedDict, total=False):
    id: Annotated[int | None, Doc("Zenchef's id of the customer sheet.")]
    created_at: Annotated[str | None, Doc("When the sheet was created (as Zenchef formats it).")]
    updated_at: Annotated[
        str | None, Doc("When the sheet was last changed (as Zenchef formats it).")
    ]
    deleted_at: Annotated[str | None, Doc("When the sheet was deleted, if it was.")]
    owner_id: Annotated[int | None, Doc("Zenchef user who owns the sheet.")]
    restaurantid: Annotated[
        int | None, Doc("Restaurant id under Zenchef's key without underscore.")
    ]
    restaurant_id: Annotated[int | None, Doc("Id of the restaurant the sheet belongs to.")]
    retention_rate_label: Annotated[str | None, Doc("Retention rate as a label.")]
    retention_rate: Annotated[
        float | None, Doc("How often the customer comes back, as Zenchef computes it.")
    ]
    company: Annotated[str | None, Doc("Company.")]
    status: Annotated[str | None, Doc("Status of the sheet.")]
    account_id: Annotated[int | None, Doc("Zenchef account (restaurant group) of the sheet.")]
    customer_social_id: Annotated[str | None, Doc("Id of the customer's social-network profile.")]
    customer_company_id: Annotated[str | None, Doc("Id of the customer's company.")]
    lastname: Annotated[str | None, Doc("Last name.")]
    firstname: Annotated[str | None, Doc("First name.")]
    civility: Annotated[str | None, Doc("Civility as Zenchef writes it.")]
    email: Annotated[str | None, Doc("Email address.")]
    phone: Annotated[str | None, Doc("Phone number.")]
    professional_email: Annotated[str | None, Doc("Work email address.")]
    professional_phone: Annotated[str | None, Doc("Work phone number.")]
    birthdate: Annotated[str | None, Doc("Date of birth (as Zenchef formats it).")]
    address: Annotated[str | None, Doc("Postal address (street).")]
    city: Annotated[str | None, Doc("City.")]
    zip: Annotated[str | None, Doc("Postal code.")]
    country: Annotated[str | None, Doc("Country.")]
    lang: Annotated[str | None, Doc("Language of the customer.")]
    membershipnum: Annotated[str | None, Doc("Membership number.")]
    vip: Annotated[int | None, Doc("1 for a VIP.")]
    has_no_show: Annotated[int | None, Doc("1 if the customer ever failed to show up.")]
    is_new: Annotated[int | None, Doc("1 for a first-time customer.")]
    is_blacklisted: Annotated[int | None, Doc("1 if the restaurant refuses the customer.")]
    allergies: Annotated[str | None, Doc("Allergies.")]
    comment: Annotated[str | None, Doc("Notes of the restaurant.")]
    unsubscribed: Annotated[bool | None, Doc("Whether the customer unsubscribed from messages.")]
    has_opt_in_market_mail: Annotated[int | None, Doc("1 if the customer accepts marketing email.")]
    has_opt_in_review_mail: Annotated[
        int | None, Doc("1 if the customer accepts review requests by email.")
    ]
    imported_nb_bookings: Annotated[int | None, Doc("Bookings imported from a previous system.")]
    non_duplicate_with: Annotated[str | None, Doc("Sheets marked as not duplicates of this one.")]
    optins: Annotated[list[ZenchefOptin] | None, Doc("Consent records of the customer.")]


class JuxtaMetadata(TypedDict, total=False):
    patient_fullname: Annotated[str | None, Doc("Full name of the patient.")]
    patient_firstname: Annotated[str | None, Doc("First name of the patient.")]
    patient_lastname: Annotated[str | None, Doc("Last name of the patient.")]
    phone_number: Annotated[str | None, Doc("Phone number.")]
    email: Annotated[str | None, Doc("Email address.")]


class SalesforceDentego(TypedDict, total=False):
    EXTERNAL_ID__c: Annotated[str | None, Doc("External id of the record.")]
    Centre_du_RDV__c: Annotated[str | None, Doc("Centre of the appointment.")]
    Type_de_RDV__c: Annotated[str | None, Doc("Appointment type.")]
    EnddatepourProcessbuilder__c: Annotated[
        str | None, Doc("End date used by a Process Builder automation.")
    ]
    Statut__c: Annotated[str | None, Doc("Status.")]
    Pas_de_R_ponse__c: Annotated[bool | None, Doc("No answer.")]
    Motif_du_RDV__c: Annotated[str | None, Doc("Reason for the appointment.")]
    Pas_int_ress__c: Annotated[bool | None, Doc("Not interested.")]
    Recontacter_ce_soir__c: Annotated[bool | None, Doc("Call back tonight.")]
    Commentaire_support_Th_o__c: Annotated[str | None, Doc("Comment from the support team.")]
    X1er_contact_par_SMS__c: Annotated[bool | None, Doc("First contact by SMS.")]
    Nombre_de_RDV_non_honor__c: Annotated[int | None, Doc("Number of missed appointments.")]
    Action_r_alis_e__c: Annotated[str | None, Doc("Action taken.")]
    Commentaire_li_l_action_r_alis_e__c: Annotated[str | None, Doc("Comment on the action taken.")]
    Recontacter_le__c: Annotated[str | None, Doc("Call back on (date).")]
    KO__c: Annotated[bool | None, Doc("Lead lost (KO).")]
    Date_du_RDV__c: Annotated[str | None, Doc("Appointment date.")]
    Commentaire_li_e_la_t_che__c: Annotated[str | None, Doc("Comment on the task.")]
    RDV_plant__c: Annotated[int | None, Doc("Appointment planned.")]
    Is_RDV__c: Annotated[int | None, Doc("1 when the record is an appointment.")]
    Logiciel_met__c: Annotated[str | None, Doc("Practice software.")]
    Date_d_annulation_du_RDV__c: Annotated[str | None, Doc("Cancellation date.")]
    RDV_ADMIN__c: Annotated[int | None, Doc("1 for an administrative appointment.")]
    DateFlow__c: Annotated[str | None, Doc("Date set by a Flow automation.")]
    Mail__c: Annotated[str | None, Doc("Email address.")]
    Mobile__c: Annotated[str | None, Doc("Mobile phone number.")]
    isFinished__c: Annotated[bool | None, Doc("Whether the follow-up is finished.")]
    techSentToHelloCustomer__c: Annotated[
        bool | None, Doc("Technical flag: sent to the HelloCustomer survey tool.")
    ]
    P_rim_tre_r_gional__c: Annotated[str | None, Doc("Regional perimeter.")]
    Etat_de_confirmation__c: Annotated[str | None, Doc("Confirmation state.")]
    Traite_dans_Doctolib__c: Annotated[bool | None, Doc("Handled in Doctolib.")]
    Date_d_envoi_de_la_confirmation__c: Annotated[
        str | None, Doc("Date the confirmation was sent.")
    ]
    Date_de_r_ponse__c: Annotated[str | None, Doc("Answer date.")]
    Type_de_demande__c: Annotated[str | None, Doc("Request type.")]
    Aujourd_hui__c: Annotated[str | None, Doc("Today (formula field).")]
    Voyant__c: Annotated[str | None, Doc("Status indicator.")]
    Event_date_1er_RDV__c: Annotated[str | None, Doc("Date of the first appointment.")]
    RDV_NP__c: Annotated[bool | None, Doc("Appointment of a new patient.")]
    Date_de_prise_du_RDV__c: Annotated[str | None, Doc("Booking date.")]


class SalesforceMetadata(TypedDict, total=False):
    dentego: Annotated[SalesforceDentego | None, Doc("The Dentego appointment record.")]


class DeliverooMetadata(TypedDict, total=False):
    id: Annotated[int | None, Doc("Deliveroo's id of the customer.")]
    frequency: Annotated[int | None, Doc("Number of orders.")]


class TripadvisorMetadata(TypedDict, total=False):
    helpfulVotes: Annotated[int | None, Doc("Helpful votes the reviewer received.")]
    contributionCount: Annotated[int | None, Doc("Number of contributions (reviews, photos).")]
    homeTown: Annotated[str | None, Doc("Home town the reviewer gives.")]
    avatarUrl: Annotated[str | None, Doc("Address of the reviewer's avatar.")]
    username: Annotated[str | None, Doc("Tripadvisor user name.")]


class BookingMetadata(TypedDict, total=False):
    yourname: Annotated[str | None, Doc("Name the reviewer gave.")]


class UbereatsMetadata(TypedDict, total=False):
    name: Annotated[str | None, Doc("Name of the customer.")]
    profileURL: Annotated[str | None, Doc("Address of the customer's profile.")]
    uuid: Annotated[str | None, Doc("Uber Eats id of the customer.")]
    isEatsPassSubscriber: Annotated[
        bool | None, Doc("Whether the customer subscribes to Eats Pass (Uber One).")
    ]
    numOrders: Annotated[int | None, Doc("Number of orders.")]


class SevenroomsMetadata(TypedDict, total=False):
    first_name: Annotated[str | None, Doc("First name.")]
    last_name: Annotated[str | None, Doc("Last name.")]
    email: Annotated[str | None, Doc("Email address.")]
    phone_number: Annotated[str | None, Doc("Phone number.")]
    client_id: Annotated[str | None, Doc("SevenRooms id of the client.")]
    venue_group_client_id: Annotated[str | None, Doc("Id of the client across the venue group.")]
    client_reference_code: Annotated[str | None, Doc("Reference code of the client.")]
    external_client_id: Annotated[str | None, Doc("Id of the client in an external system.")]
    source_client_id: Annotated[str | None, Doc("Id of the client in the system it came from.")]
    reservation_sms_opt_in: Annotated[
        bool | None, Doc("Whether the client accepts reservation SMS.")
    ]


class FacebookMetadata(TypedDict, total=False):
    id: Annotated[str | None, Doc("Page-scoped id of the user.")]
    profile_pic: Annotated[str | None, Doc("Address of the profile picture.")]
    first_name: Annotated[str | None, Doc("First name.")]
    last_name: Annotated[str | None, Doc("Last name.")]
    name: Annotated[str | None, Doc("Full name.")]
    name_format: Annotated[str | None, Doc("How the name is displayed, e.g. `{first} {last}`.")]
    gender: Annotated[str | None, Doc("Gender the user gives.")]


class InstagramMetadata(TypedDict, total=False):
    id: Annotated[str | None, Doc("Instagram-scoped id of the user.")]
    biography: Annotated[str | None, Doc("Profile biography.")]
    profile_picture_url: Annotated[str | None, Doc("Address of the profile picture.")]
    profile_pic: Annotated[str | None, Doc("Address of the profile picture (messaging API).")]
    followers_count: Annotated[str | None, Doc("Number of followers.")]
    follows_count: Annotated[str | None, Doc("Number of accounts followed.")]
    media_count: Annotated[str | None, Doc("Number of posts.")]
    username: Annotated[str | None, Doc("User name.")]
    name: Annotated[str | None, Doc("Display name.")]
    website: Annotated[str | None, Doc("Website on the profile.")]


class WhatsappProfile(TypedDict, total=False):
    name: Annotated[str | None, Doc("Name on the WhatsApp profile.")]


class WhatsappMetadata(TypedDict, total=False):
    wa_id: Annotated[str | None, Doc("WhatsApp id (the phone number).")]
    profile: Annotated[WhatsappProfile | None, Doc("The contact's WhatsApp profile.")]


class MewsCustomerAddress(TypedDict, total=False):
    Id: Annotated[str | None, Doc("Unique identifier of the address.")]
    Line1: Annotated[str | None, Doc("First line of the address.")]
    Line2: Annotated[str | None, Doc("Second line of the address.")]
    City: Annotated[str | None, Doc("City.")]
    PostalCode: Annotated[str | None, Doc("Postal code.")]
    CountryCode: Annotated[str | None, Doc("ISO 3166-1 alpha-2 country code.")]
    CountrySubdivisionCode: Annotated[
        str | None, Doc("ISO 3166-2 code of the country subdivision.")
    ]
    Latitude: Annotated[float | None, Doc("Latitude.")]
    Longitude: Annotated[float | None, Doc("Longitude.")]


class MewsCustomerRecord(TypedDict, total=False):
    Id: Annotated[str | None, Doc("Unique identifier of the customer.")]
    ChainId: Annotated[str | None, Doc("Unique identifier of the chain.")]
    Number: Annotated[str | None, Doc("Number of the customer.")]
    FirstName: Annotated[str | None, Doc("First name.")]
    LastName: Annotated[str | None, Doc("Last name.")]
    SecondLastName: Annotated[str | None, Doc("Second last name.")]
    Title: Annotated[str | None, Doc("Title prefix (Mister, Miss, Misses).")]
    Sex: Annotated[str | None, Doc("Sex (Male, Female).")]
    NationalityCode: Annotated[str | None, Doc("ISO 3166-1 code of the country of nationality.")]
    LanguageCode: Annotated[
        str | None, Doc("Language and culture code of the customer's language.")
    ]
    BirthDate: Annotated[str | None, Doc("Date of birth.")]
    BirthPlace: Annotated[str | None, Doc("Place of birth.")]
    Email: Annotated[str | None, Doc("Email address.")]
    Phone: Annotated[str | None, Doc("Phone number.")]
    TaxIdentificationNumber: Annotated[str | None, Doc("Tax identification number.")]
    LoyaltyCode: Annotated[str | None, Doc("Loyalty code.")]
    AccountingCode: Annotated[str | None, Doc("Accounting code.")]
    BillingCode: Annotated[str | None, Doc("Billing code.")]
    Notes: Annotated[str | None, Doc("Internal notes.")]
    CarRegistrationNumber: Annotated[str | None, Doc("Registration number of the customer's car.")]
    Classifications: Annotated[list[str] | None, Doc("Classifications of the customer.")]
    Options: Annotated[list[str] | None, Doc("Options of the customer.")]
    Address: Annotated[MewsCustomerAddress | None, Doc("Address of the customer.")]
    CreatedUtc: Annotated[str | None, Doc("When the customer was created.")]
    UpdatedUtc: Annotated[str | None, Doc("When the customer was last updated.")]
    ItalianDestinationCode: Annotated[str | None, Doc("Italian destination code.")]
    ItalianFiscalCode: Annotated[str | None, Doc("Italian fiscal code.")]
    CompanyId: Annotated[str | None, Doc("Company the customer is associated with.")]
    MergeTargetId: Annotated[str | None, Doc("Customer this one was merged into.")]
    ActivityState: Annotated[str | None, Doc("Active or Deleted.")]
    CitizenNumber: Annotated[str | None, Doc("Citizen number.")]
    MotherName: Annotated[str | None, Doc("Mother's name.")]
    FatherName: Annotated[str | None, Doc("Father's name.")]
    Occupation: Annotated[str | None, Doc("Occupation.")]
    HasOtaEmail: Annotated[
        bool | None, Doc("Whether the email address is a temporary address from an OTA.")
    ]
    Passport: Annotated[str | None, Doc("Passport number.")]
    IdentityCard: Annotated[str | None, Doc("Identity card number.")]
    Visa: Annotated[str | None, Doc("Visa number.")]
    DriversLicense: Annotated[str | None, Doc("Driver's licence number.")]
    AddressId: Annotated[str | None, Doc("Unique identifier of the customer's address.")]
    CategoryId: Annotated[str | None, Doc("Customer category.")]
    BirthDateUtc: Annotated[str | None, Doc("Date of birth as a UTC time.")]
    IsActive: Annotated[bool | None, Doc("Whether the customer record is active.")]
    IsUpdatedByMe: Annotated[bool | None, Doc("Whether the integration made the last update.")]


class MewsDocument(TypedDict, total=False):
    Id: Annotated[str | None, Doc("Unique identifier of the document.")]
    CustomerId: Annotated[str | None, Doc("Identifier of the customer.")]
    Type: Annotated[str | None, Doc("Document type, e.g. Passport.")]
    Number: Annotated[str | None, Doc("Number of the document.")]
    Expiration: Annotated[str | None, Doc("Expiration date.")]
    Issuance: Annotated[str | None, Doc("Date of issuance.")]
    IssuingCountryCode: Annotated[str | None, Doc("ISO 3166-1 code of the issuing country.")]
    IssuingCity: Annotated[str | None, Doc("City where it was issued.")]


class MewsMetadata(TypedDict, total=False):
    customer: Annotated[MewsCustomerRecord | None, Doc("The Mews customer as Fullwhere copied it.")]
    documents: Annotated[list[MewsDocument] | None, Doc("Identity documents of the customer.")]


class OracleMembership(TypedDict, total=False):
    membershipId: Annotated[int | None, Doc("Id of the membership.")]
    programCode: Annotated[str | None, Doc("Loyalty programme code.")]
    bonusCode: Annotated[str | None, Doc("Bonus code.")]
    membershipTypeDesc: Annotated[str | None, Doc("Description of the membership type.")]
    membershipLevelDesc: Annotated[str | None, Doc("Description of the membership level.")]
    accountId: Annotated[str | None, Doc("Membership account number.")]
    membershipLevel: Annotated[str | None, Doc("Membership level code.")]
    playerRanking: Annotated[int | None, Doc("Ranking of the member.")]


class OracleNationality(TypedDict, total=False):
    value: Annotated[str | None, Doc("Name of the country.")]
    code: Annotated[str | None, Doc("Country code.")]
    displayCountryFlag: Annotated[bool | None, Doc("Whether to show the country's flag.")]
    isoCode: Annotated[str | None, Doc("ISO code of the country.")]


class OracleVip(TypedDict, total=False):
    vipCode: Annotated[str | None, Doc("VIP code.")]
    vipDescription: Annotated[str | None, Doc("Description of the VIP code.")]


class OracleCountry(TypedDict, total=False):
    value: Annotated[str | None, Doc("Name of the country.")]
    code: Annotated[str | None, Doc("Country code.")]


class OracleAddress(TypedDict, total=False):
    cityName: Annotated[str | None, Doc("City.")]
    postalCode: Annotated[str | None, Doc("Postal code.")]
    state: Annotated[str | None, Doc("State or region.")]
    streetAddress: Annotated[str | None, Doc("Street address.")]
    country: Annotated[OracleCountry | None, Doc("Country.")]
    excludeNoCity: Annotated[bool | None, Doc("Whether an address without city is excluded.")]


class OracleAnonymization(TypedDict, total=False):
    anonymizationStatus: Annotated[str | None, Doc("Anonymization status of the profile.")]


class OracleProfileId(TypedDict, total=False):
    id: Annotated[str | None, Doc("The id.")]
    type: Annotated[str | None, Doc("What kind of id it is, e.g. `Profile`.")]


class OracleAccompanyGuest(TypedDict, total=False):
    firstName: Annotated[str | None, Doc("First name.")]
    lastName: Annotated[str | None, Doc("Last name.")]
    fullName: Annotated[str | None, Doc("Full name.")]
    registrationCardNo: Annotated[str | None, Doc("Registration card number.")]
    profileIdList: Annotated[list[OracleProfileId] | None, Doc("Ids of the guest's profile.")]


class OracleLastStayRate(TypedDict, total=False):
    amount: Annotated[float | None, Doc("Rate amount.")]
    currencyCode: Annotated[str | None, Doc("ISO 4217 currency code.")]


class OracleLastStayInformation(TypedDict, total=False):
    lastStayDate: Annotated[DateTimeStr | None, Doc("Date of the last stay.")]
    lastStayRoom: Annotated[str | None, Doc("Room of the last stay.")]
    lastStayRate: Annotated[OracleLastStayRate | None, Doc("Rate of the last stay.")]
    totalStay: Annotated[int | None, Doc("Number of stays.")]


class OracleMetadata(TypedDict, total=False):
    membership: Annotated[OracleMembership | None, Doc("Loyalty membership.")]
    namePrefix: Annotated[str | None, Doc("Name prefix.")]
    givenName: Annotated[str | None, Doc("Given name.")]
    alternateGivenName: Annotated[str | None, Doc("Given name in another script.")]
    middleName: Annotated[str | None, Doc("Middle name.")]
    surname: Annotated[str | None, Doc("Surname.")]
    alternateSurname: Annotated[str | None, Doc("Surname in another script.")]
    nameTitle: Annotated[str | None, Doc("Title, e.g. `Mr`.")]
    fullName: Annotated[str | None, Doc("Full name.")]
    phoneNumber: Annotated[str | None, Doc("Phone number.")]
    email: Annotated[str | None, Doc("Email address.")]
    birthDate: Annotated[DateTimeStr | None, Doc("Date of birth.")]
    language: Annotated[str | None, Doc("Language code.")]
    nationality: Annotated[OracleNationality | None, Doc("Nationality.")]
    vip: Annotated[OracleVip | None, Doc("VIP status.")]
    address: Annotated[OracleAddress | None, Doc("Address.")]
    anonymization: Annotated[OracleAnonymization | None, Doc("Anonymization state of the profile.")]
    accompanyGuests: Annotated[
        list[OracleAccompanyGuest] | None, Doc("Guests travelling with this one.")
    ]
    guestLastStayInformation: Annotated[
        OracleLastStayInformation | None, Doc("The guest's last stay.")
    ]
    guestRestrictedCode: Annotated[
        str | None, Doc("Restriction code, when the guest is restricted.")
    ]
    guestRestrictedReasonDesc: Annotated[str | None, Doc("Why the guest is restricted.")]
    guestRestricted: Annotated[bool | None, Doc("Whether the guest is restricted.")]
    registrationCardNo: Annotated[str | None, Doc("Registration card number.")]
    nameType: Annotated[str | None, Doc("Profile type, e.g. `Guest`.")]
    id: Annotated[str | None, Doc("Oracle's id of the profile.")]
    type: Annotated[str | None, Doc("What kind of id `id` is.")]


class PartoucheMetadata(TypedDict, total=False):
    id: Annotated[int | None, Doc("Partouche's id of the contact.")]
    mail: Annotated[str | None, Doc("Email address.")]
    name: Annotated[str | None, Doc("Full name.")]
    firstname: Annotated[str | None, Doc("First name.")]
    lastname: Annotated[str | None, Doc("Last name.")]
    civility: Annotated[int | None, Doc("Civility as Partouche codes it.")]
    optout: Annotated[bool | None, Doc("Whether the contact opted out.")]
    optout_source: Annotated[str | None, Doc("Where the opt-out came from.")]
    testuser: Annotated[bool | None, Doc("Whether this is a test contact.")]
    only_text: Annotated[bool | None, Doc("Whether the contact wants text-only emails.")]
    subscribe_source: Annotated[str | None, Doc("Where the contact subscribed.")]
    subscribe_source_detail: Annotated[str | None, Doc("Details of where the contact subscribed.")]
    created_dt: Annotated[DateTimeStr | None, Doc("When the contact was created.")]
    modified_dt: Annotated[DateTimeStr | None, Doc("When the contact was last changed.")]
    optout_dt: Annotated[DateTimeStr | None, Doc("When the contact opted out.")]
    language: Annotated[str | None, Doc("Language.")]
    bouncecnt: Annotated[int | None, Doc("Number of bounced emails.")]
    bouncedt: Annotated[DateTimeStr | None, Doc("When an email last bounced.")]
    mobile: Annotated[str | None, Doc("Mobile phone number.")]
    valide_email: Annotated[bool | None, Doc("Whether the email address is valid.")]
    valide_print: Annotated[bool | None, Doc("Whether the postal address is valid.")]
    valide_sms: Annotated[bool | None, Doc("Whether the mobile number is valid.")]
    abo_email: Annotated[bool | None, Doc("Subscribed to email.")]
    abo_sms: Annotated[bool | None, Doc("Subscribed to SMS.")]
    abo_print: Annotated[bool | None, Doc("Subscribed to print mail.")]
    casino_rattachement: Annotated[str | None, Doc("Casino the contact is attached to.")]
    id_contact: Annotated[str | None, Doc("Id of the contact in the casino's system.")]
    today: Annotated[DateTimeStr | None, Doc("When Fullwhere read the record.")]
    do_not_contact: Annotated[bool | None, Doc("Whether the contact must not be contacted.")]


class ComoMembership(TypedDict, total=False):
    MembershipStatus: Annotated[str | None, Doc("Membership status.")]
    AccumulatedPoints: Annotated[str | None, Doc("Points accumulated over time.")]
    Email: Annotated[str | None, Doc("Email address.")]
    LastUpdate: Annotated[str | None, Doc("When the membership last changed.")]
    BudgetWeighted: Annotated[str | None, Doc("Weighted budget (credit) balance.")]
    UserKey: Annotated[str | None, Doc("Como key of the member.")]
    LocationID: Annotated[str | None, Doc("Como location (business) id.")]
    Points: Annotated[str | None, Doc("Current points balance.")]
    AllowEmail: Annotated[str | None, Doc("Whether the member accepts email.")]
    Consent: Annotated[str | None, Doc("Whether the member consented to the programme terms.")]
    Assets: Annotated[
        list[dict[str, Any]] | None, Doc("Assets held by the member, free-form objects.")
    ]
    Kind: Annotated[str | None, Doc("Kind of record.")]
    CreatedOn: Annotated[str | None, Doc("When the member joined.")]
    RegistrationSource: Annotated[str | None, Doc("Where the member registered.")]
    WeightedPoints: Annotated[str | None, Doc("Weighted points balance.")]
    AllowSMS: Annotated[str | None, Doc("Whether the member accepts SMS.")]
    UnweightedBudgetPoints: Annotated[str | None, Doc("Unweighted budget points.")]
    Status: Annotated[str | None, Doc("Member status.")]
    FirstName: Annotated[str | None, Doc("First name.")]
    ConsentForHub: Annotated[str | None, Doc("Whether the member consented to the Como hub.")]
    PreviousUserKeys: Annotated[list[str] | None, Doc("Earlier user keys of the member.")]
    EntityId: Annotated[str | None, Doc("Como entity id.")]
    CommonExtID: Annotated[str | None, Doc("External id shared with other systems.")]
    PhoneNumber: Annotated[str | None, Doc("Phone number.")]
    LastName: Annotated[str | None, Doc("Last name.")]
    Tag: Annotated[list[str] | None, Doc("Tags on the member.")]
    BudgetAccumulatedUnweighted: Annotated[
        str | None, Doc("Unweighted budget accumulated over time.")
    ]
    BudgetUnweighted: Annotated[str | None, Doc("Unweighted budget balance.")]
    BudgetAccumulatedWeighted: Annotated[str | None, Doc("Weighted budget accumulated over time.")]
    Key: Annotated[str | None, Doc("Key of the membership.")]
    ComoMemberID: Annotated[str | None, Doc("Como member id.")]


class ComoAsset(TypedDict, total=False):
    template: Annotated[str | None, Doc("Template the asset was made from.")]
    type: Annotated[str | None, Doc("Asset type.")]
    key: Annotated[str | None, Doc("Key of the asset.")]
    status: Annotated[str | None, Doc("Status of the asset.")]


class ComoMetadata(TypedDict, total=False):
    membership: Annotated[ComoMembership | None, Doc("Loyalty membership.")]
    assets: Annotated[list[ComoAsset] | None, Doc("Assets (gifts, benefits) of the member.")]


class ExperienceMetadata(TypedDict, total=False):
    customer_custom_properties: Annotated[
        list[dict[str, Any]] | None, Doc("Custom properties, free-form objects.")
    ]
    customer_additional_properties: Annotated[
        list[dict[str, Any]] | None, Doc("Additional properties, free-form objects.")
    ]
    email: Annotated[str | None, Doc("Email address.")]
    title: Annotated[str | None, Doc("Title.")]
    firstname: Annotated[str | None, Doc("First name.")]
    lastname: Annotated[str | None, Doc("Last name.")]
    language: Annotated[str | None, Doc("Language.")]
    birthdate: Annotated[str | None, Doc("Date of birth.")]
    age_at_time_of_stay: Annotated[int | None, Doc("Age during the stay.")]
    addr_street: Annotated[str | None, Doc("Street.")]
    addr_city: Annotated[str | None, Doc("City.")]
    addr_zipcode: Annotated[str | None, Doc("Postal code.")]
    addr_country: Annotated[str | None, Doc("Country.")]
    continent: Annotated[str | None, Doc("Continent.")]
    nationality: Annotated[str | None, Doc("Nationality.")]
    mobile_phone: Annotated[str | None, Doc("Mobile phone number.")]
    phone: Annotated[str | None, Doc("Phone number.")]
    number_of_stays: Annotated[int | None, Doc("Number of stays.")]
    often_travel_to_city: Annotated[
        bool | None, Doc("Whether the guest often travels to the city.")
    ]


class AutoGestionMetadata(TypedDict, total=False):
    firstname: Annotated[str | None, Doc("First name.")]
    lastname: Annotated[str | None, Doc("Last name.")]
    email: Annotated[str | None, Doc("Email address.")]
    phone: Annotated[str | None, Doc("Phone number.")]
    thoroughfare: Annotated[str | None, Doc("Street and number.")]
    premise: Annotated[str | None, Doc("Apartment, floor, building.")]
    postal_code: Annotated[str | None, Doc("Postal code.")]
    locality: Annotated[str | None, Doc("City.")]
    country: Annotated[str | None, Doc("Country.")]


class TheForkOptins(TypedDict, total=False):
    restaurantNewsletter: Annotated[
        bool | None, Doc("Whether the customer accepts the restaurant's newsletter.")
    ]


class TheForkCustomField(TypedDict, total=False):
    labelUuid: Annotated[str | None, Doc("Id of the field's label.")]
    label: Annotated[str | None, Doc("The field's label.")]
    type: Annotated[Any, Doc("The field type object, free-form.")]
    value: Annotated[str | None, Doc("The field's value.")]
    valueUuid: Annotated[str | None, Doc("Id of the chosen value.")]


class TheForkMetadata(TypedDict, total=False):
    customerUuid: Annotated[str | None, Doc("TheFork id of the customer.")]
    email: Annotated[str | None, Doc("Email address.")]
    firstName: Annotated[str | None, Doc("First name.")]
    lastName: Annotated[str | None, Doc("Last name.")]
    phone: Annotated[str | None, Doc("Phone number.")]
    birthDate: Annotated[str | None, Doc("Date of birth.")]
    locale: Annotated[str | None, Doc("Locale, e.g. `fr_FR`.")]
    civility: Annotated[str | None, Doc("Civility.")]
    rank: Annotated[str | None, Doc("Rank the restaurant gave.")]
    computedRank: Annotated[str | None, Doc("Rank TheFork computed.")]
    isVip: Annotated[bool | None, Doc("Whether the customer is a VIP.")]
    address: Annotated[str | None, Doc("Postal address.")]
    allergiesAndIntolerances: Annotated[list[str] | None, Doc("Allergies and intolerances.")]
    dietaryRestrictions: Annotated[list[str] | None, Doc("Dietary restrictions.")]
    favFood: Annotated[str | None, Doc("Favourite food.")]
    favDrinks: Annotated[str | None, Doc("Favourite drinks.")]
    favSeating: Annotated[str | None, Doc("Favourite seating.")]
    notes: Annotated[str | None, Doc("Notes of the restaurant.")]
    originRestaurantUuid: Annotated[str | None, Doc("Restaurant the customer came from.")]
    originRestaurantName: Annotated[
        str | None, Doc("Name of the restaurant the customer came from.")
    ]
    creationDate: Annotated[str | None, Doc("When the customer was created.")]
    lastUpdateDate: Annotated[str | None, Doc("When the customer was last changed.")]
    isPromoter: Annotated[bool | None, Doc("Whether the customer recommends the restaurant.")]
    secondaryPhone: Annotated[str | None, Doc("Second phone number.")]
    country: Annotated[str | None, Doc("Country.")]
    city: Annotated[str | None, Doc("City.")]
    zipcode: Annotated[str | None, Doc("Postal code.")]
    optins: Annotated[TheForkOptins | None, Doc("Consents.")]
    customFields: Annotated[list[TheForkCustomField] | None, Doc("Restaurant-defined fields.")]


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
    id: Annotated[IdStr, Doc("Fullwhere's id of the customer.")]
    createdAt: Annotated[DateTimeStr | None, Doc("When Fullwhere created the record.")]
    updatedAt: Annotated[DateTimeStr | None, Doc("When Fullwhere last changed the record.")]
    description: Annotated[str | None, Doc("Free-text description.")]
    company: Annotated[str | None, Doc("Company.")]
    firstName: Annotated[str | None, Doc("First name.")]
    lastName: Annotated[str | None, Doc("Last name.")]
    displayName: Annotated[str | None, Doc("Name to display.")]
    language: Annotated[str | None, Doc("ISO 639-1 language code, e.g. `fr`.")]
    phoneNumber: Annotated[str | None, Doc("Phone number.")]
    email: Annotated[str | None, Doc("Email address.")]
    emailBounced: Annotated[bool | None, Doc("Whether mail to the address bounced.")]
    civility: Annotated[str | None, Doc("Civility, e.g. `Mr.`, `Ms.`.")]
    tags: Annotated[list[FullwhereTag] | None, Doc("Tags on the customer.")]
    emailOptin: Annotated[bool | None, Doc("Whether the customer accepts marketing email.")]
    smsOptin: Annotated[bool | None, Doc("Whether the customer accepts marketing SMS.")]
    zenchefId: Annotated[str | None, Doc("Id of the customer in Zenchef.")]
    ubereatsId: Annotated[str | None, Doc("Id of the customer in Uber Eats.")]
    deliverooId: Annotated[str | None, Doc("Id of the customer in Deliveroo.")]
    zeltyId: Annotated[str | None, Doc("Id of the customer in Zelty.")]
    sevenroomsId: Annotated[str | None, Doc("Id of the customer in SevenRooms.")]
    metaId: Annotated[str | None, Doc("Id of the customer in Meta (Facebook/Instagram).")]
    mewsId: Annotated[str | None, Doc("Id of the customer in Mews.")]
    oracleId: Annotated[str | None, Doc("Id of the customer in Oracle.")]
    partoucheId: Annotated[str | None, Doc("Id of the customer in Partouche.")]
    comoId: Annotated[str | None, Doc("Id of the customer in Como.")]
    theForkId: Annotated[str | None, Doc("Id of the customer in TheFork.")]
    type: Annotated[str | None, Doc("Customer type as Fullwhere classifies it.")]
    feedbackCount: Annotated[int | None, Doc("Number of reviews left.")]
    purchaseCount: Annotated[int | None, Doc("Number of purchases.")]
    averageFeedbackRating: Annotated[
        str | None, Doc("Average rating of the customer's reviews, as Fullwhere formats it.")
    ]
    dataSources: Annotated[
        list[str] | None, Doc("Names of the sources the customer came from, e.g. `Google`.")
    ]
    metadata: Annotated[
        FullwhereMetadata | None,
        Doc("What each connected source knows about the customer, one block per source."),
    ]


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
