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
from tests.support.docs import mews_example

CLIENT_TOKEN = "contract-client-token"
ACCESS_TOKEN = "contract-access-token"
CLIENT = "Sample Client 1.0.0"
AUTH = {"ClientToken": CLIENT_TOKEN, "AccessToken": ACCESS_TOKEN, "Client": CLIENT}
CREDENTIALS = MewsCredentials(CLIENT_TOKEN, ACCESS_TOKEN, CLIENT)

# The documented example responses (docs/reference/mews/operations-customers.md).
DOC_GET_ALL = mews_example("Get all customers")
DOC_OPEN_ITEMS = mews_example("Get customers open items")
DOC_ADDED = mews_example("Add customer")
DOC_UPDATED = mews_example("Update customer")
DOC_FILE = mews_example("Add customer file")
DOC_SEARCH = mews_example("Search customers")
DOC_EMPTY = mews_example("Merge customers")

# The "Add customer" request example's parameters the client is given and must send as is.
ADD_PARAMETERS: Any = {
    "Title": "Miss",
    "FirstName": "Thea",
    "LastName": "Carbone",
    "BirthDate": "1985-09-30",
    "Email": "thea@quotidiano.example",
    "Address": {
        "Line1": "Via Antimo 474 Piano 5",
        "City": "Liborio laziale",
        "PostalCode": "30228",
        "CountryCode": "IT",
        "CountrySubdivisionCode": "IT-65",
    },
    "Classifications": ["Media", "FriendOrFamily"],
    "Options": ["SendMarketingEmails"],
    "OverwriteExisting": False,
    "ItalianDestinationCode": "7654321",
    "ItalianFiscalCode": "ZGNZLR17U72P554F",
    "ItalianLotteryCode": "AB12345",
}


@dataclass
class Recording:
    """Answers every request with `answer` and keeps what was sent."""

    answer: Any
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(
            200,
            content=orjson.dumps(self.answer),
            headers={"Content-Type": "application/json", "Request-Id": "req-1"},
        )

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]


Connect = Callable[[Any], tuple[MewsClient, Recording]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    clients: list[httpx.AsyncClient] = []

    def make(answer: Any) -> tuple[MewsClient, Recording]:
        recording = Recording(answer)
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(recording.handle), base_url="https://api.mews-demo.com"
        )
        clients.append(http)
        return MewsClient(http, CREDENTIALS), recording

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


async def test_get_all_request(connect: Connect) -> None:
    client, recording = connect(DOC_GET_ALL)
    page = await client.get_all(
        {"Emails": ["j.smith@example.com"], "ActivityStates": ["Active"]}, count=10
    )
    assert_request(
        recording.only,
        "/api/connector/v1/customers/getAll",
        {
            **AUTH,
            "Emails": ["j.smith@example.com"],
            "ActivityStates": ["Active"],
            "Extent": {"Customers": True, "Addresses": True, "Documents": False},
            "Limitation": {"Count": 10},
        },
    )
    assert page["Customers"][0]["Email"] == "j.smith@example.com"
    assert page["Cursor"] == "fadd5bb6-b428-45d5-94f8-fd0d89fece6d"


async def test_get_all_request_with_cursor_and_extent(
    connect: Connect,
) -> None:
    client, recording = connect(DOC_GET_ALL)
    interval: MewsTimeInterval = {
        "StartUtc": "2018-01-01T00:00:00Z",
        "EndUtc": "2018-01-30T00:00:00Z",
    }
    await client.get_all(
        {"CreatedUtc": interval},
        count=100,
        cursor="e7f26210-10e7-462e-9da8-ae8300be8ab7",
        extent={"Customers": True, "Documents": False, "Addresses": False},
    )
    assert_request(
        recording.only,
        "/api/connector/v1/customers/getAll",
        {
            **AUTH,
            "CreatedUtc": {"StartUtc": "2018-01-01T00:00:00Z", "EndUtc": "2018-01-30T00:00:00Z"},
            "Extent": {"Customers": True, "Documents": False, "Addresses": False},
            "Limitation": {"Cursor": "e7f26210-10e7-462e-9da8-ae8300be8ab7", "Count": 100},
        },
    )


async def test_get_by_ids_request(connect: Connect) -> None:
    client, recording = connect(DOC_GET_ALL)
    found = await client.get_by_ids(
        [
            "fadd5bb6-b428-45d5-94f8-fd0d89fece6d",
            "bccdafd1-3e44-439d-861f-341526b597a9",
            "fadd5bb6-b428-45d5-94f8-fd0d89fece6d",
        ]
    )
    assert_request(
        recording.only,
        "/api/connector/v1/customers/getAll",
        {
            **AUTH,
            "CustomerIds": [
                "fadd5bb6-b428-45d5-94f8-fd0d89fece6d",
                "bccdafd1-3e44-439d-861f-341526b597a9",
            ],
            "Extent": {"Customers": True, "Addresses": True, "Documents": False},
            "Limitation": {"Count": 2},
        },
    )
    assert [c["Id"] for c in found] == ["fadd5bb6-b428-45d5-94f8-fd0d89fece6d"]


async def test_get_by_emails_request(
    connect: Connect,
) -> None:
    client, recording = connect(DOC_GET_ALL)
    await client.get_by_emails(["j.smith@example.com"])
    assert_request(
        recording.only,
        "/api/connector/v1/customers/getAll",
        {
            **AUTH,
            "Emails": ["j.smith@example.com"],
            "Extent": {"Customers": True, "Addresses": True, "Documents": False},
            "Limitation": {"Count": 1000},
        },
    )


async def test_get_open_items_request(
    connect: Connect,
) -> None:
    client, recording = connect(DOC_OPEN_ITEMS)
    items = await client.get_open_items(["2a1a4315-7e6f-4131-af21-402cec59b8b9"], currency="GBP")
    assert_request(
        recording.only,
        "/api/connector/v1/customers/getOpenItems",
        {
            **AUTH,
            "CustomerIds": ["2a1a4315-7e6f-4131-af21-402cec59b8b9"],
            "Currency": "GBP",
        },
    )
    assert items[0]["OrderItems"][0]["Data"]["Discriminator"] == "Rebate"


async def test_get_open_items_request_without_currency(
    connect: Connect,
) -> None:
    client, recording = connect(DOC_OPEN_ITEMS)
    await client.get_open_items(["2a1a4315-7e6f-4131-af21-402cec59b8b9"])
    assert_request(
        recording.only,
        "/api/connector/v1/customers/getOpenItems",
        {
            **AUTH,
            "CustomerIds": ["2a1a4315-7e6f-4131-af21-402cec59b8b9"],
        },
    )


async def test_add_request(connect: Connect) -> None:
    client, recording = connect(DOC_ADDED)
    customer = await client.add(ADD_PARAMETERS)
    assert_request(
        recording.only,
        "/api/connector/v1/customers/add",
        {
            "ClientToken": "contract-client-token",
            "AccessToken": "contract-access-token",
            "Client": "Sample Client 1.0.0",
            **ADD_PARAMETERS,
        },
    )
    assert customer["Id"] == "99b4f0af-9558-463b-8452-07a9bc414708"


async def test_add_request_cannot_override_the_auth_keys(
    connect: Connect,
) -> None:
    client, recording = connect(DOC_ADDED)
    body: Any = {"LastName": "Carbone", "OverwriteExisting": True, "AccessToken": "other"}
    await client.add(body)
    sent = orjson.loads(recording.only.content)
    assert sent["AccessToken"] == "contract-access-token"


async def test_update_request(connect: Connect) -> None:
    client, recording = connect(DOC_UPDATED)
    await client.update(
        {
            "CustomerId": "99b4f0af-9558-463b-8452-07a9bc414708",
            "Phone": "+39 06 555 5555",
            "ItalianDestinationCode": {"Value": "7654321"},
            "ItalianFiscalCode": {"Value": None},
        }
    )
    assert_request(
        recording.only,
        "/api/connector/v1/customers/update",
        {
            **AUTH,
            "CustomerId": "99b4f0af-9558-463b-8452-07a9bc414708",
            "Phone": "+39 06 555 5555",
            "ItalianDestinationCode": {"Value": "7654321"},
            "ItalianFiscalCode": {"Value": None},
        },
    )


async def test_add_file_request(connect: Connect) -> None:
    client, recording = connect(DOC_FILE)
    file_id = await client.add_file(
        customer_id="3fa85f64-5717-4562-b3fc-2c963f66afa6",
        name="document.pdf",
        mime_type="application/pdf",
        data="JVBERi0xLjAK",
    )
    assert_request(
        recording.only,
        "/api/connector/v1/customers/addFile",
        {
            **AUTH,
            "CustomerId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "Name": "document.pdf",
            "Type": "application/pdf",
            "Data": "JVBERi0xLjAK",
        },
    )
    assert file_id == "f039f5b4-ff18-4510-9086-92b14a68ed78"


async def test_search_request(connect: Connect) -> None:
    client, recording = connect(DOC_SEARCH)
    results = await client.search(name="Smith")
    assert_request(
        recording.only,
        "/api/connector/v1/customers/search",
        {
            **AUTH,
            "Name": "Smith",
            "Extent": {"Customers": True, "Addresses": True, "Documents": False},
        },
    )
    assert results[0]["Customer"]["LastName"] == "Smith" and results[0]["Reservation"] is None


async def test_search_request_by_resource(
    connect: Connect,
) -> None:
    client, recording = connect(DOC_SEARCH)
    await client.search(resource_id="5ee074b1-6c86-48e8-915f-c7aa4702086f")
    assert_request(
        recording.only,
        "/api/connector/v1/customers/search",
        {
            **AUTH,
            "ResourceId": "5ee074b1-6c86-48e8-915f-c7aa4702086f",
            "Extent": {"Customers": True, "Addresses": True, "Documents": False},
        },
    )


async def test_merge_request(connect: Connect) -> None:
    client, recording = connect(DOC_EMPTY)
    await client.merge(
        "e11801ff-4148-4010-87f3-0d111e2893e3", "35d4b117-4e60-44a3-9580-c582117eff98"
    )
    assert_request(
        recording.only,
        "/api/connector/v1/customers/merge",
        {
            **AUTH,
            "SourceCustomerId": "e11801ff-4148-4010-87f3-0d111e2893e3",
            "TargetCustomerId": "35d4b117-4e60-44a3-9580-c582117eff98",
        },
    )


async def test_merge_accounts_request(
    connect: Connect,
) -> None:
    client, recording = connect(DOC_EMPTY)
    await client.merge_accounts(
        "7799f19a-c9c9-42bf-968f-a759e3ea1ea6", "49b2abd4-df58-4f1d-bead-0fa6342f8a78"
    )
    assert_request(
        recording.only,
        "/api/connector/v1/accounts/merge",
        {
            **AUTH,
            "AccountMergeParameters": [
                {
                    "AccountType": "Customer",
                    "SourceAccountIds": ["7799f19a-c9c9-42bf-968f-a759e3ea1ea6"],
                    "TargetAccountId": "49b2abd4-df58-4f1d-bead-0fa6342f8a78",
                }
            ],
        },
    )


async def test_paths_keep_a_base_url_prefix() -> None:
    recording = Recording(DOC_EMPTY)
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(recording.handle), base_url="http://gw.test/sandbox/mews"
    ) as http:
        await MewsClient(http, CREDENTIALS).merge("a", "b")
    assert recording.only.url.path == "/sandbox/mews/api/connector/v1/customers/merge"
