"""The exact requests the Mews client sends, pinned as literals from the Connector API docs
(reference/mews/operations-customers.md, guidelines-requests.md and the accounts/merge page),
not derived from the client's own constants. A recording transport answers each request with
the documented example response, which the client must also understand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

from gateway.upstream.mews import MewsClient, MewsCredentials
from gateway.upstream.mews_types import MewsTimeInterval

CLIENT_TOKEN = "contract-client-token"
ACCESS_TOKEN = "contract-access-token"
CLIENT = "Sample Client 1.0.0"
AUTH = {"ClientToken": CLIENT_TOKEN, "AccessToken": ACCESS_TOKEN, "Client": CLIENT}

DOC_CUSTOMER: dict[str, Any] = {
    "Id": "fadd5bb6-b428-45d5-94f8-fd0d89fece6d",
    "ChainId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "Number": "12345",
    "Title": "Mister",
    "Sex": "Male",
    "FirstName": "John",
    "LastName": "Smith",
    "SecondLastName": "Williams",
    "NationalityCode": "US",
    "PreferredLanguageCode": "en-GB",
    "LanguageCode": "en-US",
    "BirthDate": "1983-12-31",
    "BirthCountryCode": None,
    "BirthCountrySubdivisionCode": None,
    "BirthPlace": "New York City, NY",
    "Occupation": "Carpenter",
    "Email": "j.smith@example.com",
    "HasOtaEmail": False,
    "Phone": "00420123456789",
    "TaxIdentificationNumber": "123456789",
    "LoyaltyCode": "LL810213",
    "AccountingCode": "AC123",
    "BillingCode": None,
    "Notes": "",
    "CarRegistrationNumber": "1A2 3456",
    "DietaryRequirements": None,
    "CreatedUtc": "2018-01-01T00:00:00Z",
    "UpdatedUtc": "2018-01-02T00:00:00Z",
    "Passport": None,
    "IdentityCard": None,
    "Visa": None,
    "DriversLicense": None,
    "Address": {
        "Id": "f8495413-bf49-45dd-843c-44be7f365569",
        "Line1": "Somerford Road Hello House/135",
        "Line2": None,
        "City": "Christchurch",
        "PostalCode": "BH23 3PY",
        "CountryCode": "GB",
        "CountrySubdivisionCode": "GB-ENG",
        "Latitude": None,
        "Longitude": None,
    },
    "AddressId": "f8495413-bf49-45dd-843c-44be7f365569",
    "Classifications": ["Returning"],
    "Options": ["SendMarketingEmails"],
    "ItalianDestinationCode": None,
    "ItalianFiscalCode": None,
    "ItalianLotteryCode": None,
    "CompanyId": "c6f5c82d-621a-4c8a-903b-1b0a9a23b71f",
    "MergeTargetId": None,
    "ActivityState": "Active",
    "IsActive": True,
    "PreferredSpaceFeatures": ["OceanView"],
    "CreatorProfileId": "3cd637ef-4728-47f9-8fb1-afb900c9cdcf",
    "UpdaterProfileId": "122fc063-ec6e-4198-b8db-6b168a59ffae",
}
DOC_GET_ALL = {
    "Customers": [DOC_CUSTOMER], "Documents": None,
    "Cursor": "fadd5bb6-b428-45d5-94f8-fd0d89fece6d",
}
DOC_OPEN_ITEMS = {"Customers": [{
    "CustomerId": "2a1a4315-7e6f-4131-af21-402cec59b8b9",
    "OrderItems": [{
        "Id": "35820535-b988-4d6f-80cf-ecb19cdc3e58",
        "AccountId": "2a1a4315-7e6f-4131-af21-402cec59b8b9",
        "OrderId": "6645113e-72cc-4f99-ab77-e4452911bf20",
        "BillId": None,
        "AccountingCategoryId": "d250149e-a29d-4c70-b607-a1759faf7320",
        "Amount": {
            "Currency": "GBP", "NetValue": -5, "GrossValue": -5,
            "TaxValues": [{"Code": "UK-Z", "Value": 0}],
            "Breakdown": {"Items": [{"TaxRateCode": "UK-Z", "NetValue": -5, "TaxValue": 0}]},
        },
        "RevenueType": "Additional",
        "ConsumedUtc": "2017-04-04T15:13:39Z",
        "ClosedUtc": None,
        "AccountingState": "Open",
        "Data": {"Discriminator": "Rebate", "Value": {"RebatedItemId": None}},
    }],
    "PaymentItems": [],
}]}
DOC_ADDED = {**DOC_CUSTOMER, "Id": "99b4f0af-9558-463b-8452-07a9bc414708", "LastName": "Carbone"}
DOC_FILE = {"FileId": "f039f5b4-ff18-4510-9086-92b14a68ed78"}
DOC_SEARCH = {"Customers": [{"Customer": DOC_CUSTOMER, "Reservation": None}], "Documents": None}
DOC_EMPTY: dict[str, Any] = {}


@dataclass
class Recording:
    """Answers every request with `answer` and keeps what was sent."""

    answer: Any
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(
            200, content=orjson.dumps(self.answer),
            headers={"Content-Type": "application/json", "Request-Id": "req-1"},
        )

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]



@pytest.fixture
async def connect() -> AsyncIterator[Callable[[Any], tuple[MewsClient, Recording]]]:
    clients: list[httpx.AsyncClient] = []

    def make(answer: Any) -> tuple[MewsClient, Recording]:
        recording = Recording(answer)
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(recording.handle), base_url="https://api.mews-demo.com"
        )
        clients.append(http)
        return MewsClient(http, MewsCredentials(CLIENT_TOKEN, ACCESS_TOKEN, CLIENT)), recording

    yield make
    for http in clients:
        await http.aclose()


def assert_request(request: httpx.Request, path: str, body: dict[str, Any]) -> None:
    assert request.method == "POST"
    assert request.url.scheme == "https" and request.url.host == "api.mews-demo.com"
    assert request.url.path == path
    assert request.url.query == b""
    assert request.headers["content-type"] == "application/json"
    sent = orjson.loads(request.content)
    assert sent == body
    assert set(sent) == set(body)


async def test_get_all_request(connect: Callable[[Any], tuple[MewsClient, Recording]]) -> None:
    client, recording = connect(DOC_GET_ALL)
    page = await client.get_all(
        {"Emails": ["j.smith@example.com"], "ActivityStates": ["Active"]}, count=10
    )
    assert_request(recording.only, "/api/connector/v1/customers/getAll", {
        **AUTH,
        "Emails": ["j.smith@example.com"],
        "ActivityStates": ["Active"],
        "Extent": {"Customers": True, "Addresses": True, "Documents": False},
        "Limitation": {"Count": 10},
    })
    assert page["Customers"][0]["Email"] == "j.smith@example.com"
    assert page["Cursor"] == "fadd5bb6-b428-45d5-94f8-fd0d89fece6d"


async def test_get_all_request_with_cursor_and_extent(
    connect: Callable[[Any], tuple[MewsClient, Recording]],
) -> None:
    client, recording = connect(DOC_GET_ALL)
    interval: MewsTimeInterval = {
        "StartUtc": "2018-01-01T00:00:00Z", "EndUtc": "2018-01-30T00:00:00Z"
    }
    await client.get_all(
        {"CreatedUtc": interval}, count=100, cursor="e7f26210-10e7-462e-9da8-ae8300be8ab7",
        extent={"Customers": True, "Documents": False, "Addresses": False},
    )
    assert_request(recording.only, "/api/connector/v1/customers/getAll", {
        **AUTH,
        "CreatedUtc": {"StartUtc": "2018-01-01T00:00:00Z", "EndUtc": "2018-01-30T00:00:00Z"},
        "Extent": {"Customers": True, "Documents": False, "Addresses": False},
        "Limitation": {"Cursor": "e7f26210-10e7-462e-9da8-ae8300be8ab7", "Count": 100},
    })


async def test_get_by_ids_request(connect: Callable[[Any], tuple[MewsClient, Recording]]) -> None:
    client, recording = connect(DOC_GET_ALL)
    found = await client.get_by_ids([
        "fadd5bb6-b428-45d5-94f8-fd0d89fece6d", "bccdafd1-3e44-439d-861f-341526b597a9",
        "fadd5bb6-b428-45d5-94f8-fd0d89fece6d",
    ])
    assert_request(recording.only, "/api/connector/v1/customers/getAll", {
        **AUTH,
        "CustomerIds": [
            "fadd5bb6-b428-45d5-94f8-fd0d89fece6d", "bccdafd1-3e44-439d-861f-341526b597a9",
        ],
        "Extent": {"Customers": True, "Addresses": True, "Documents": False},
        "Limitation": {"Count": 2},
    })
    assert [c["Id"] for c in found] == ["fadd5bb6-b428-45d5-94f8-fd0d89fece6d"]


async def test_get_by_emails_request(
    connect: Callable[[Any], tuple[MewsClient, Recording]],
) -> None:
    client, recording = connect(DOC_GET_ALL)
    await client.get_by_emails(["j.smith@example.com"])
    assert_request(recording.only, "/api/connector/v1/customers/getAll", {
        **AUTH,
        "Emails": ["j.smith@example.com"],
        "Extent": {"Customers": True, "Addresses": True, "Documents": False},
        "Limitation": {"Count": 1000},
    })


async def test_get_open_items_request(
    connect: Callable[[Any], tuple[MewsClient, Recording]],
) -> None:
    client, recording = connect(DOC_OPEN_ITEMS)
    items = await client.get_open_items(["2a1a4315-7e6f-4131-af21-402cec59b8b9"], currency="GBP")
    assert_request(recording.only, "/api/connector/v1/customers/getOpenItems", {
        **AUTH, "CustomerIds": ["2a1a4315-7e6f-4131-af21-402cec59b8b9"], "Currency": "GBP",
    })
    assert items[0]["OrderItems"][0]["Data"]["Discriminator"] == "Rebate"


async def test_get_open_items_request_without_currency(
    connect: Callable[[Any], tuple[MewsClient, Recording]],
) -> None:
    client, recording = connect(DOC_OPEN_ITEMS)
    await client.get_open_items(["2a1a4315-7e6f-4131-af21-402cec59b8b9"])
    assert_request(recording.only, "/api/connector/v1/customers/getOpenItems", {
        **AUTH, "CustomerIds": ["2a1a4315-7e6f-4131-af21-402cec59b8b9"],
    })


async def test_add_request(connect: Callable[[Any], tuple[MewsClient, Recording]]) -> None:
    client, recording = connect(DOC_ADDED)
    customer = await client.add({
        "Title": "Miss",
        "FirstName": "Thea",
        "LastName": "Carbone",
        "BirthDate": "1985-09-30",
        "Email": "thea@quotidiano.example",
        "Address": {"Line1": "Via Antimo 474 Piano 5", "City": "Liborio laziale",
                    "PostalCode": "30228", "CountryCode": "IT", "CountrySubdivisionCode": "IT-65"},
        "Classifications": ["Media", "FriendOrFamily"],
        "Options": ["SendMarketingEmails"],
        "OverwriteExisting": False,
        "ItalianDestinationCode": "7654321",
        "ItalianFiscalCode": "ZGNZLR17U72P554F",
        "ItalianLotteryCode": "AB12345",
    })
    assert_request(recording.only, "/api/connector/v1/customers/add", {
        "ClientToken": "contract-client-token",
        "AccessToken": "contract-access-token",
        "Client": "Sample Client 1.0.0",
        "Title": "Miss",
        "FirstName": "Thea",
        "LastName": "Carbone",
        "BirthDate": "1985-09-30",
        "Email": "thea@quotidiano.example",
        "Address": {"Line1": "Via Antimo 474 Piano 5", "City": "Liborio laziale",
                    "PostalCode": "30228", "CountryCode": "IT", "CountrySubdivisionCode": "IT-65"},
        "Classifications": ["Media", "FriendOrFamily"],
        "Options": ["SendMarketingEmails"],
        "OverwriteExisting": False,
        "ItalianDestinationCode": "7654321",
        "ItalianFiscalCode": "ZGNZLR17U72P554F",
        "ItalianLotteryCode": "AB12345",
    })
    assert customer["Id"] == "99b4f0af-9558-463b-8452-07a9bc414708"


async def test_add_request_cannot_override_the_auth_keys(
    connect: Callable[[Any], tuple[MewsClient, Recording]],
) -> None:
    client, recording = connect(DOC_ADDED)
    body: Any = {"LastName": "Carbone", "OverwriteExisting": True, "AccessToken": "other"}
    await client.add(body)
    sent = orjson.loads(recording.only.content)
    assert sent["AccessToken"] == "contract-access-token"


async def test_update_request(connect: Callable[[Any], tuple[MewsClient, Recording]]) -> None:
    client, recording = connect(DOC_ADDED)
    await client.update({
        "CustomerId": "99b4f0af-9558-463b-8452-07a9bc414708",
        "Phone": "+39 06 555 5555",
        "ItalianDestinationCode": {"Value": "7654321"},
        "ItalianFiscalCode": {"Value": None},
    })
    assert_request(recording.only, "/api/connector/v1/customers/update", {
        **AUTH,
        "CustomerId": "99b4f0af-9558-463b-8452-07a9bc414708",
        "Phone": "+39 06 555 5555",
        "ItalianDestinationCode": {"Value": "7654321"},
        "ItalianFiscalCode": {"Value": None},
    })


async def test_add_file_request(connect: Callable[[Any], tuple[MewsClient, Recording]]) -> None:
    client, recording = connect(DOC_FILE)
    file_id = await client.add_file(
        customer_id="3fa85f64-5717-4562-b3fc-2c963f66afa6", name="document.pdf",
        mime_type="application/pdf", data="JVBERi0xLjAK",
    )
    assert_request(recording.only, "/api/connector/v1/customers/addFile", {
        **AUTH,
        "CustomerId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "Name": "document.pdf",
        "Type": "application/pdf",
        "Data": "JVBERi0xLjAK",
    })
    assert file_id == "f039f5b4-ff18-4510-9086-92b14a68ed78"


async def test_search_request(connect: Callable[[Any], tuple[MewsClient, Recording]]) -> None:
    client, recording = connect(DOC_SEARCH)
    results = await client.search(name="Smith")
    assert_request(recording.only, "/api/connector/v1/customers/search", {
        **AUTH,
        "Name": "Smith",
        "Extent": {"Customers": True, "Addresses": True, "Documents": False},
    })
    assert results[0]["Customer"]["LastName"] == "Smith" and results[0]["Reservation"] is None


async def test_search_request_by_resource(
    connect: Callable[[Any], tuple[MewsClient, Recording]],
) -> None:
    client, recording = connect(DOC_SEARCH)
    await client.search(resource_id="5ee074b1-6c86-48e8-915f-c7aa4702086f")
    assert_request(recording.only, "/api/connector/v1/customers/search", {
        **AUTH,
        "ResourceId": "5ee074b1-6c86-48e8-915f-c7aa4702086f",
        "Extent": {"Customers": True, "Addresses": True, "Documents": False},
    })


async def test_merge_request(connect: Callable[[Any], tuple[MewsClient, Recording]]) -> None:
    client, recording = connect(DOC_EMPTY)
    await client.merge(
        "e11801ff-4148-4010-87f3-0d111e2893e3", "35d4b117-4e60-44a3-9580-c582117eff98"
    )
    assert_request(recording.only, "/api/connector/v1/customers/merge", {
        **AUTH,
        "SourceCustomerId": "e11801ff-4148-4010-87f3-0d111e2893e3",
        "TargetCustomerId": "35d4b117-4e60-44a3-9580-c582117eff98",
    })


async def test_merge_accounts_request(
    connect: Callable[[Any], tuple[MewsClient, Recording]],
) -> None:
    client, recording = connect(DOC_EMPTY)
    await client.merge_accounts(
        "7799f19a-c9c9-42bf-968f-a759e3ea1ea6", "49b2abd4-df58-4f1d-bead-0fa6342f8a78"
    )
    assert_request(recording.only, "/api/connector/v1/accounts/merge", {
        **AUTH,
        "AccountMergeParameters": [{
            "AccountType": "Customer",
            "SourceAccountIds": ["7799f19a-c9c9-42bf-968f-a759e3ea1ea6"],
            "TargetAccountId": "49b2abd4-df58-4f1d-bead-0fa6342f8a78",
        }],
    })


async def test_paths_keep_a_base_url_prefix() -> None:
    recording = Recording(DOC_EMPTY)
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(recording.handle), base_url="http://gw.test/sandbox/mews"
    ) as http:
        await MewsClient(http, MewsCredentials(CLIENT_TOKEN, ACCESS_TOKEN, CLIENT)).merge("a", "b")
    assert recording.only.url.path == "/sandbox/mews/api/connector/v1/customers/merge"
