"""The Mews customer types: a small schema built with the project's conventions serves the
Mews docs' own examples, and the answers must carry every documented field with its value."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
import strawberry
from aiodataloader import DataLoader

from gateway.graphql.base import schema_config
from gateway.graphql.mews import (
    MewsCustomerClassification,
    MewsCustomerOption,
    MewsProfile,
    MewsReservation,
    MewsTitle,
)
from tests.support.docs import mews_added_customer, mews_doc_customer, mews_open_items

DOCS_CUSTOMER = mews_doc_customer()
# The "Add customer" response example: coordinates, Italian codes, no options, no sex.
DOCS_ADDED_CUSTOMER = mews_added_customer()

PASSPORT: dict[str, Any] = {
    "Id": "4a2b5b56-0d0e-4d4b-9d1a-0c6f1f3d2e11",
    "CustomerId": DOCS_CUSTOMER["Id"],
    "Type": "Passport",
    "Number": "P1234567",
    "Expiration": "2030-05-31",
    "Issuance": "2020-06-01",
    "IssuingCountryCode": "ES",
    "IssuingCountrySubdivisionCode": "ES-C",
    "IssuingCity": "A Coruña",
    "IdentityDocumentSupportNumber": "ABC123456",
}

# The "Get customers open items" response example for the documented customer, plus the
# payment item of the Mews "Get all accounting items" example (a page not kept in docs/).
OPEN_ITEMS: dict[str, Any] = {
    **mews_open_items(),
    "CustomerId": DOCS_CUSTOMER["Id"],
    "PaymentItems": [
        {
            "Id": "44ca12b8-f009-455e-be91-ad4c013fcbc5",
            "AccountId": "5da55e5c-18e5-48d8-9a0e-ac0600704c5c",
            "BillId": None,
            "AccountingCategoryId": "b89345c1-2814-4750-808d-aa7900ee464a",
            "Amount": {
                "Currency": "GBP",
                "NetValue": 850.00,
                "GrossValue": 850.00,
                "TaxValues": [],
                "Breakdown": {"Items": [{"TaxRateCode": None, "NetValue": 850.0, "TaxValue": 0.0}]},
            },
            "Notes": "NORMAL0140",
            "SettlementId": "po_1Lun9w4JpyDC38oQJQz7hAcx",
            "ConsumedUtc": "2021-06-19T19:24:20Z",
            "ClosedUtc": None,
            "AccountingState": "Open",
            "State": "Charged",
            "Data": {
                "Discriminator": "Invoice",
                "Value": {"InvoiceId": "3c818013-d9de-47e9-bb2c-ad4c013f9ad3"},
            },
        }
    ],
}

# reservations.md, Reservation (ver 2017-04-12) example, with the documented fields the
# example leaves out.
DOCS_RESERVATION: dict[str, Any] = {
    "Id": "bfee2c44-1f84-4326-a862-5289598f6e2d",
    "ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
    "GroupId": "94843f6f-3be3-481b-a1c7-06458774c3df",
    "Number": "52",
    "ChannelNumber": "TW48ZP",
    "ChannelManager": "",
    "ChannelManagerGroupNumber": None,
    "ChannelManagerNumber": None,
    "State": "Processed",
    "Origin": "Connector",
    "OriginDetail": "via test",
    "Purpose": "Student",
    "CreatedUtc": "2016-02-20T14:58:02Z",
    "UpdatedUtc": "2016-02-20T14:58:02Z",
    "CancelledUtc": None,
    "StartUtc": "2016-02-20T13:00:00Z",
    "EndUtc": "2016-02-22T11:00:00Z",
    "ReleasedUtc": None,
    "RequestedCategoryId": "773d5e42-de1e-43a0-9ce6-f940faf2303f",
    "AssignedResourceId": "20e00c32-d561-4008-8609-82d8aa525714",
    "AssignedResourceLocked": False,
    "BusinessSegmentId": None,
    "CompanyId": None,
    "TravelAgencyId": None,
    "AvailabilityBlockId": None,
    "RateId": "ed4b660b-19d0-434b-9360-a4de2ea42eda",
    "VoucherId": None,
    "CreditCardId": None,
    "CancellationReason": None,
    "CustomerId": "35d4b117-4e60-44a3-9580-c582117eff98",
    "OwnerId": "35d4b117-4e60-44a3-9580-c582117eff98",
    "BookerId": None,
    "PersonCounts": [
        {"AgeCategoryId": "1f67644f-052d-4863-acdf-ae1600c60ca0", "Count": 2},
        {"AgeCategoryId": "ab58c939-be30-4a60-8f75-ae1600c60c9f", "Count": 2},
    ],
    "Options": {
        "OwnerCheckedIn": True,
        "AllCompanionsCheckedIn": False,
        "AnyCompanionCheckedIn": True,
    },
    "AssignedSpaceId": "20e00c32-d561-4008-8609-82d8aa525714",
    "AssignedSpaceLocked": False,
    "AdultCount": 2,
    "ChildCount": 2,
    "CompanionIds": ["35d4b117-4e60-44a3-9580-c582117eff98"],
    "ChannelManagerId": None,
}


# --- A tiny schema with the project's conventions --------------------------------------------


@strawberry.type(description="Stand-in for the lead's Fullwhere profile, to exercise the union.")
class FakeFullwhereProfile:
    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, dict) and "firstName" in obj

    firstName: str | None


@strawberry.type(description="Stand-in for the lead's search result.")
class FakeSearchResult:
    Customer: MewsProfile
    Reservation: MewsReservation | None


FakeSource = Annotated[FakeFullwhereProfile | MewsProfile, strawberry.union("FakeSource")]


@dataclass
class Store:
    customers: list[dict[str, Any]] = field(default_factory=lambda: [DOCS_CUSTOMER])
    reservation: dict[str, Any] = field(default_factory=lambda: DOCS_RESERVATION)


@dataclass
class Loaders:
    mews_open_items: DataLoader[str, dict[str, Any] | None]

    def mews_open_items_in(self, currency: str | None) -> DataLoader[str, dict[str, Any] | None]:
        assert currency is None
        return self.mews_open_items


@dataclass
class Context:
    store: Store
    loaders: Loaders


@strawberry.type
class Query:
    @strawberry.field
    def mews_customers(self, info: strawberry.Info) -> list[MewsProfile]:
        customers: list[MewsProfile] = info.context.store.customers
        return customers

    @strawberry.field
    def sources(self, info: strawberry.Info) -> list[FakeSource]:
        return [{"firstName": "Jean"}, *info.context.store.customers]

    @strawberry.field
    def search(self, info: strawberry.Info) -> list[FakeSearchResult]:
        result = {"Customer": info.context.store.customers[0]}
        result["Reservation"] = info.context.store.reservation
        return [result]  # type: ignore[list-item]


SCHEMA = strawberry.Schema(
    Query,
    config=schema_config(),
)


class OpenItemsBackend:
    """Stands in for customers/getOpenItems: records each batch of customer ids."""

    def __init__(self, items: dict[str, dict[str, Any]]) -> None:
        self.items = items
        self.batches: list[list[str]] = []

    async def load(self, ids: list[str]) -> list[dict[str, Any] | None]:
        self.batches.append(list(ids))
        return [self.items.get(customer_id) for customer_id in ids]


def make_context(
    customers: list[dict[str, Any]] | None = None,
    open_items: dict[str, dict[str, Any]] | None = None,
) -> tuple[Context, OpenItemsBackend]:
    backend = OpenItemsBackend(open_items or {})
    store = Store(customers=customers if customers is not None else [DOCS_CUSTOMER])
    return Context(store=store, loaders=Loaders(DataLoader(backend.load))), backend


async def run(query: str, context: Context | None = None) -> dict[str, Any]:
    result = await SCHEMA.execute(query, context_value=context or make_context()[0])
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


ADDRESS_FIELDS = """
  id line1 line2 city postalCode countryCode countrySubdivisionCode latitude longitude
"""
DOCUMENT_FIELDS = """
  id customerId type number expiration issuance issuingCountryCode
  issuingCountrySubdivisionCode issuingCity identityDocumentSupportNumber
"""
PROFILE_FIELDS = f"""
  id mewsId chainId number title titleRaw sex sexRaw firstName lastName secondLastName
  nationalityCode preferredLanguageCode languageCode birthDate birthCountryCode
  birthCountrySubdivisionCode birthPlace occupation email hasOtaEmail phone
  taxIdentificationNumber loyaltyCode accountingCode billingCode notes
  carRegistrationNumber dietaryRequirements createdUtc updatedUtc addressId
  classifications classificationsRaw options optionsRaw italianDestinationCode
  italianFiscalCode italianLotteryCode companyId mergeTargetId isActive
  preferredSpaceFeatures creatorProfileId updaterProfileId
  passport {{ {DOCUMENT_FIELDS} }} identityCard {{ {DOCUMENT_FIELDS} }}
  visa {{ {DOCUMENT_FIELDS} }} driversLicense {{ {DOCUMENT_FIELDS} }}
  address {{ {ADDRESS_FIELDS} }} activityState activityStateRaw
"""


def expected_profile(customer: dict[str, Any]) -> dict[str, Any]:
    """What the GraphQL answer must hold for `customer`, written out field by field."""
    address = customer["Address"]
    return {
        "id": f"mews:{customer['Id']}",
        "mewsId": customer["Id"],
        "chainId": customer["ChainId"],
        "number": customer["Number"],
        "title": MewsTitle(customer["Title"]).name if customer["Title"] else None,
        "titleRaw": customer["Title"],
        "sex": customer["Sex"].upper() if customer["Sex"] else None,
        "sexRaw": customer["Sex"],
        "firstName": customer["FirstName"],
        "lastName": customer["LastName"],
        "secondLastName": customer["SecondLastName"],
        "nationalityCode": customer["NationalityCode"],
        "preferredLanguageCode": customer["PreferredLanguageCode"],
        "languageCode": customer["LanguageCode"],
        "birthDate": customer["BirthDate"],
        "birthCountryCode": customer["BirthCountryCode"],
        "birthCountrySubdivisionCode": customer["BirthCountrySubdivisionCode"],
        "birthPlace": customer["BirthPlace"],
        "occupation": customer["Occupation"],
        "email": customer["Email"],
        "hasOtaEmail": customer["HasOtaEmail"],
        "phone": customer["Phone"],
        "taxIdentificationNumber": customer["TaxIdentificationNumber"],
        "loyaltyCode": customer["LoyaltyCode"],
        "accountingCode": customer["AccountingCode"],
        "billingCode": customer["BillingCode"],
        "notes": customer["Notes"],
        "carRegistrationNumber": customer["CarRegistrationNumber"],
        "dietaryRequirements": customer["DietaryRequirements"],
        "createdUtc": customer["CreatedUtc"],
        "updatedUtc": customer["UpdatedUtc"],
        "addressId": customer["AddressId"],
        "classifications": [
            MewsCustomerClassification(value).name for value in customer["Classifications"]
        ],
        "classificationsRaw": customer["Classifications"],
        "options": [MewsCustomerOption(value).name for value in customer["Options"]],
        "optionsRaw": customer["Options"],
        "italianDestinationCode": customer["ItalianDestinationCode"],
        "italianFiscalCode": customer["ItalianFiscalCode"],
        "italianLotteryCode": customer["ItalianLotteryCode"],
        "companyId": customer["CompanyId"],
        "mergeTargetId": customer["MergeTargetId"],
        "isActive": customer["IsActive"],
        "preferredSpaceFeatures": customer["PreferredSpaceFeatures"],
        "creatorProfileId": customer["CreatorProfileId"],
        "updaterProfileId": customer["UpdaterProfileId"],
        "passport": None,
        "identityCard": None,
        "visa": None,
        "driversLicense": None,
        "address": {
            "id": address["Id"],
            "line1": address["Line1"],
            "line2": address["Line2"],
            "city": address["City"],
            "postalCode": address["PostalCode"],
            "countryCode": address["CountryCode"],
            "countrySubdivisionCode": address["CountrySubdivisionCode"],
            "latitude": address["Latitude"],
            "longitude": address["Longitude"],
        },
        "activityState": customer["ActivityState"].upper() if customer["ActivityState"] else None,
        "activityStateRaw": customer["ActivityState"],
    }


async def type_of_fields(type_name: str) -> dict[str, str]:
    """Field name → printed GraphQL type (e.g. `[String!]!`) of one object type."""
    data = await run(
        f"""{{ __type(name: "{type_name}") {{ fields(includeDeprecated: true) {{
            name type {{ kind name ofType {{ kind name ofType {{ kind name
            ofType {{ kind name }} }} }} }} }} }} }}"""
    )

    def printed(ref: dict[str, Any]) -> str:
        if ref["kind"] == "NON_NULL":
            return printed(ref["ofType"]) + "!"
        if ref["kind"] == "LIST":
            return "[" + printed(ref["ofType"]) + "]"
        return str(ref["name"])

    return {f["name"]: printed(f["type"]) for f in data["__type"]["fields"]}


# --- Tests ------------------------------------------------------------------------------------


async def test_docs_example_customer_comes_back_field_for_field() -> None:
    data = await run(f"{{ mewsCustomers {{ {PROFILE_FIELDS} }} }}")

    assert data["mewsCustomers"] == [expected_profile(DOCS_CUSTOMER)]
    profile = data["mewsCustomers"][0]
    assert profile["title"] == "MISTER" and profile["classifications"] == ["RETURNING"]
    assert profile["hasOtaEmail"] is False and profile["isActive"] is True


async def test_added_customer_example_keeps_coordinates_as_floats_and_empty_options() -> None:
    context, _ = make_context(customers=[DOCS_ADDED_CUSTOMER])
    data = await run(f"{{ mewsCustomers {{ {PROFILE_FIELDS} }} }}", context)

    profile = data["mewsCustomers"][0]
    assert profile == expected_profile(DOCS_ADDED_CUSTOMER)
    assert profile["address"]["latitude"] == pytest.approx(28.56333)
    assert isinstance(profile["address"]["longitude"], float)
    assert profile["classifications"] == ["MEDIA", "FRIEND_OR_FAMILY"]
    assert profile["options"] == [] and profile["sex"] is None


async def test_profile_fields_have_fitting_graphql_types() -> None:
    types = await type_of_fields("MewsProfile")

    assert types["id"] == "ID!"
    # Mews documents these as required: non-null.
    assert types["hasOtaEmail"] == "Boolean!" and types["isActive"] == "Boolean!"
    assert types["createdUtc"] == "DateTime!" and types["updatedUtc"] == "DateTime!"
    assert types["lastName"] == "String!" and types["chainId"] == "ID!"
    assert types["birthDate"] == "Date"
    assert types["title"] == "MewsTitle" and types["titleRaw"] == "String"
    assert types["sex"] == "MewsSex" and types["sexRaw"] == "String"
    assert types["classifications"] == "[MewsCustomerClassification!]!"
    assert types["classificationsRaw"] == "[String!]!"
    assert types["options"] == "[MewsCustomerOption!]!"
    assert types["optionsRaw"] == "[String!]!"
    assert types["activityState"] == "MewsActivityState"
    assert types["preferredSpaceFeatures"] == "[String!]!"
    assert types["address"] == "MewsAddress"
    assert types["passport"] == "MewsIdentityDocument"
    assert types["openItems"] == "MewsCustomerItems"
    address = await type_of_fields("MewsAddress")
    assert address["latitude"] == "Float" and address["longitude"] == "Float"
    document = await type_of_fields("MewsIdentityDocument")
    assert document["expiration"] == "Date" and document["issuance"] == "Date"


async def test_deprecated_identity_documents_are_still_served() -> None:
    customer = {**DOCS_CUSTOMER, "Passport": PASSPORT, "Visa": {**PASSPORT, "Type": "Visa"}}
    context, _ = make_context(customers=[customer])
    data = await run(
        f"{{ mewsCustomers {{ passport {{ {DOCUMENT_FIELDS} }} visa {{ type }} }} }}", context
    )

    passport = data["mewsCustomers"][0]["passport"]
    assert passport == {
        "id": PASSPORT["Id"],
        "customerId": PASSPORT["CustomerId"],
        "type": "Passport",
        "number": "P1234567",
        "expiration": "2030-05-31",
        "issuance": "2020-06-01",
        "issuingCountryCode": "ES",
        "issuingCountrySubdivisionCode": "ES-C",
        "issuingCity": "A Coruña",
        "identityDocumentSupportNumber": "ABC123456",
    }
    assert data["mewsCustomers"][0]["visa"] == {"type": "Visa"}


async def test_unknown_enum_values_are_null_or_skipped_and_kept_raw() -> None:
    customer = {
        **DOCS_CUSTOMER,
        "Title": "Doctor",
        "Sex": "NonBinary",
        "Classifications": ["Blocklist2099", "Blocklist", "Returning", "Blacklist"],
        "Options": ["GuestPhotoConsent", "TelepathyConsent", "None", "IdPhotosConsent"],
        "ActivityState": "Archived",
    }
    context, _ = make_context(customers=[customer])
    data = await run(
        """{ mewsCustomers { title titleRaw sex sexRaw classifications classificationsRaw
             options optionsRaw activityState activityStateRaw } }""",
        context,
    )

    assert data["mewsCustomers"][0] == {
        "title": None,
        "titleRaw": "Doctor",
        "sex": None,
        "sexRaw": "NonBinary",
        "classifications": ["BLOCKLIST", "RETURNING", "BLACKLIST"],
        "classificationsRaw": ["Blocklist2099", "Blocklist", "Returning", "Blacklist"],
        "options": ["GUEST_PHOTO_CONSENT", "NONE", "ID_PHOTOS_CONSENT"],
        "optionsRaw": ["GuestPhotoConsent", "TelepathyConsent", "None", "IdPhotosConsent"],
        "activityState": None,
        "activityStateRaw": "Archived",
    }


async def test_missing_enum_lists_read_as_empty_not_as_errors() -> None:
    customer = {key: value for key, value in DOCS_CUSTOMER.items() if key != "Options"}
    context, _ = make_context(customers=[{**customer, "Classifications": None}])
    data = await run(
        "{ mewsCustomers { classifications classificationsRaw options optionsRaw } }", context
    )

    assert data["mewsCustomers"][0] == {
        "classifications": [],
        "classificationsRaw": [],
        "options": [],
        "optionsRaw": [],
    }


async def test_unknown_upstream_keys_are_ignored() -> None:
    customer = copy.deepcopy(DOCS_CUSTOMER)
    customer["LoyaltyTier"] = {"Name": "Gold"}
    customer["Address"]["What3Words"] = "index.home.raft"
    context, _ = make_context(customers=[customer])
    data = await run("{ mewsCustomers { id lastName address { city } } }", context)

    assert data["mewsCustomers"] == [
        {
            "id": f"mews:{DOCS_CUSTOMER['Id']}",
            "lastName": "Smith",
            "address": {"city": "Christchurch"},
        }
    ]


async def test_deprecated_fields_are_marked_in_introspection() -> None:
    data = await run(
        """{ __type(name: "MewsProfile") { fields(includeDeprecated: true) {
             name isDeprecated deprecationReason } } }"""
    )
    fields = {f["name"]: f for f in data["__type"]["fields"]}

    deprecated = {name for name, f in fields.items() if f["isDeprecated"]}
    assert deprecated == {
        "passport",
        "identityCard",
        "visa",
        "driversLicense",
        "address",
        "activityState",
        "activityStateRaw",
        "openItems",
    }
    assert "AddressId" in fields["address"]["deprecationReason"]
    assert "IsActive" in fields["activityState"]["deprecationReason"]
    assert "identity documents" in fields["passport"]["deprecationReason"]
    assert fields["openItems"]["deprecationReason"] == (
        "Mews deprecated customers/getOpenItems; use Get all payments and Get all order items."
    )
    blacklist = await run(
        """{ __type(name: "MewsCustomerClassification") {
             enumValues(includeDeprecated: true) { name isDeprecated } } }"""
    )
    values = {v["name"]: v["isDeprecated"] for v in blacklist["__type"]["enumValues"]}
    assert values["BLACKLIST"] is True and values["BLOCKLIST"] is False


OPEN_ITEMS_QUERY = """{ mewsCustomers { id openItems {
  customerId
  orderItems { id accountId orderId billId accountingCategoryId revenueType consumedUtc
    closedUtc accountingState
    amount { currency netValue grossValue taxValues { code value }
             breakdown { items { taxRateCode netValue taxValue } } }
    data { discriminator value } }
  paymentItems { id accountId billId accountingCategoryId notes settlementId consumedUtc
    closedUtc accountingState state
    amount { currency netValue grossValue taxValues { code value }
             breakdown { items { taxRateCode netValue taxValue } } }
    data { discriminator value } }
} } }"""


async def test_open_items_load_through_the_context_loader() -> None:
    context, backend = make_context(open_items={DOCS_CUSTOMER["Id"]: OPEN_ITEMS})
    data = await run(OPEN_ITEMS_QUERY, context)

    assert backend.batches == [[DOCS_CUSTOMER["Id"]]]
    items = data["mewsCustomers"][0]["openItems"]
    assert items["customerId"] == DOCS_CUSTOMER["Id"]
    order = items["orderItems"][0]
    assert order["id"] == "35820535-b988-4d6f-80cf-ecb19cdc3e58"
    assert order["billId"] is None and order["closedUtc"] is None
    assert order["consumedUtc"] == "2017-04-04T15:13:39Z"
    assert order["revenueType"] == "Additional" and order["accountingState"] == "Open"
    assert order["amount"] == {
        "currency": "GBP",
        "netValue": -5.0,
        "grossValue": -5.0,
        "taxValues": [{"code": "UK-Z", "value": 0.0}],
        "breakdown": {"items": [{"taxRateCode": "UK-Z", "netValue": -5.0, "taxValue": 0.0}]},
    }
    assert order["data"] == {"discriminator": "Rebate", "value": {"RebatedItemId": None}}
    payment = items["paymentItems"][0]
    assert (
        payment["state"] == "Charged" and payment["settlementId"] == "po_1Lun9w4JpyDC38oQJQz7hAcx"
    )
    assert payment["amount"]["taxValues"] == []
    assert payment["amount"]["breakdown"]["items"][0]["taxRateCode"] is None
    assert payment["data"] == {
        "discriminator": "Invoice",
        "value": {"InvoiceId": "3c818013-d9de-47e9-bb2c-ad4c013f9ad3"},
    }


async def test_open_items_of_several_profiles_batch_into_one_loader_call() -> None:
    ids = ["a1", "b2", "c3"]
    customers = [{**DOCS_CUSTOMER, "Id": customer_id} for customer_id in ids]
    open_items = {
        "a1": {**OPEN_ITEMS, "CustomerId": "a1"},
        "c3": {**OPEN_ITEMS, "CustomerId": "c3"},
    }
    context, backend = make_context(customers=customers, open_items=open_items)
    data = await run("{ mewsCustomers { id openItems { customerId } } }", context)

    assert backend.batches == [ids]
    assert [c["openItems"] for c in data["mewsCustomers"]] == [
        {"customerId": "a1"},
        None,
        {"customerId": "c3"},
    ]


async def test_union_member_is_recognised_from_a_mews_dict() -> None:
    data = await run(
        """{ sources { __typename
             ... on FakeFullwhereProfile { firstName }
             ... on MewsProfile { id lastName } } }"""
    )

    assert data["sources"] == [
        {"__typename": "FakeFullwhereProfile", "firstName": "Jean"},
        {"__typename": "MewsProfile", "id": f"mews:{DOCS_CUSTOMER['Id']}", "lastName": "Smith"},
    ]
    assert MewsProfile.is_type_of({"id": "fw-1", "lastName": "Durand"}, None) is False


async def test_search_reservation_serves_every_documented_field() -> None:
    data = await run(
        """{ search { customer { id } reservation {
             id serviceId groupId number channelNumber channelManagerNumber
             channelManagerGroupNumber channelManager state stateRaw origin originDetails
             purpose createdUtc updatedUtc cancelledUtc startUtc endUtc releasedUtc
             requestedCategoryId assignedResourceId assignedResourceLocked businessSegmentId
             companyId travelAgencyId availabilityBlockId rateId voucherId creditCardId
             cancellationReason personCounts { ageCategoryId count } ownerId bookerId
             options { ownerCheckedIn allCompanionsCheckedIn anyCompanionCheckedIn }
             assignedSpaceId assignedSpaceLocked adultCount childCount customerId
             companionIds channelManagerId } } }"""
    )

    r = DOCS_RESERVATION
    assert data["search"][0]["customer"] == {"id": f"mews:{DOCS_CUSTOMER['Id']}"}
    assert data["search"][0]["reservation"] == {
        "id": r["Id"],
        "serviceId": r["ServiceId"],
        "groupId": r["GroupId"],
        "number": "52",
        "channelNumber": "TW48ZP",
        "channelManagerNumber": None,
        "channelManagerGroupNumber": None,
        "channelManager": "",
        "state": "PROCESSED",
        "stateRaw": "Processed",
        "origin": "Connector",
        "originDetails": "via test",
        "purpose": "Student",
        "createdUtc": "2016-02-20T14:58:02Z",
        "updatedUtc": "2016-02-20T14:58:02Z",
        "cancelledUtc": None,
        "startUtc": "2016-02-20T13:00:00Z",
        "endUtc": "2016-02-22T11:00:00Z",
        "releasedUtc": None,
        "requestedCategoryId": r["RequestedCategoryId"],
        "assignedResourceId": r["AssignedResourceId"],
        "assignedResourceLocked": False,
        "businessSegmentId": None,
        "companyId": None,
        "travelAgencyId": None,
        "availabilityBlockId": None,
        "rateId": r["RateId"],
        "voucherId": None,
        "creditCardId": None,
        "cancellationReason": None,
        "personCounts": [
            {"ageCategoryId": "1f67644f-052d-4863-acdf-ae1600c60ca0", "count": 2},
            {"ageCategoryId": "ab58c939-be30-4a60-8f75-ae1600c60c9f", "count": 2},
        ],
        "ownerId": r["OwnerId"],
        "bookerId": None,
        "options": {
            "ownerCheckedIn": True,
            "allCompanionsCheckedIn": False,
            "anyCompanionCheckedIn": True,
        },
        "assignedSpaceId": r["AssignedSpaceId"],
        "assignedSpaceLocked": False,
        "adultCount": 2,
        "childCount": 2,
        "customerId": r["CustomerId"],
        "companionIds": r["CompanionIds"],
        "channelManagerId": None,
    }


async def test_unknown_reservation_state_is_null_with_raw_text() -> None:
    context, _ = make_context()
    context.store.reservation = {**DOCS_RESERVATION, "State": "Inquired"}
    data = await run("{ search { reservation { state stateRaw } } }", context)

    assert data["search"][0]["reservation"] == {"state": None, "stateRaw": "Inquired"}


async def test_reservation_types_and_deprecations() -> None:
    types = await type_of_fields("MewsReservation")
    # Mews documents these as required: non-null.
    assert types["state"] == "MewsReservationState" and types["stateRaw"] == "String!"
    assert types["startUtc"] == "DateTime!" and types["assignedResourceLocked"] == "Boolean!"
    assert types["adultCount"] == "Int!"
    data = await run(
        """{ __type(name: "MewsReservation") { fields(includeDeprecated: true) {
             name isDeprecated } } }"""
    )
    deprecated = {f["name"] for f in data["__type"]["fields"] if f["isDeprecated"]}
    assert deprecated == {
        "assignedSpaceId",
        "assignedSpaceLocked",
        "adultCount",
        "childCount",
        "customerId",
        "companionIds",
        "channelManagerId",
    }
