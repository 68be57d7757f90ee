"""The Mews sandbox answers as the Connector API documents say, over real HTTP."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from gateway.sandbox.control import SandboxControl
from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.support.docs import mews_order_item
from tests.support.mews_data import (
    CLIENT_NAME,
    make_customer,
    make_customers,
    make_reservation,
    mews_http,
)

AUTH = {"ClientToken": DEMO_CLIENT_TOKEN, "AccessToken": DEMO_ACCESS_TOKEN, "Client": CLIENT_NAME}
API = "/api/connector/v1/"
EXTENT = {"Customers": True, "Addresses": True, "Documents": False}


@pytest.fixture
def customers() -> list[dict[str, Any]]:
    return make_customers(5)


@pytest.fixture
def sandbox(customers: list[dict[str, Any]]) -> MewsSandbox:
    return create_mews_sandbox(customers)


@pytest.fixture
async def http(sandbox: MewsSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with mews_http(sandbox) as client:
        yield client


async def call(http: httpx.AsyncClient, operation: str, body: dict[str, Any]) -> httpx.Response:
    return await http.post(API + operation, json={**AUTH, **body})


async def get_all(http: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await call(
        http, "customers/getAll", {"Extent": EXTENT, "Limitation": {"Count": 100}, **body}
    )


def assert_error(response: httpx.Response, status: int, message: str | None = None) -> str:
    """Check the documented error shape; returns the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"Message", "RequestId", "Details"}
    assert body["RequestId"] == response.headers["Request-Id"]
    assert body["Details"] is None
    if message is not None:
        assert body["Message"] == message
    return str(body["Message"])


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["Id"] for c in response.json()["Customers"]]


# --- routing, request ids, bodies, auth -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", API + "customers/getall"),
        ("POST", API + "Customers/getAll"),
        ("POST", API + "customers/getAll/"),
        ("GET", API + "customers/getAll"),
        ("POST", API + "customers/delete"),
        ("POST", "/api/connector/v2/customers/getAll"),
    ],
)
async def test_anything_but_post_to_an_exact_path_is_404(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await http.request(method, path, json=AUTH)
    assert_error(response, 404)


async def test_every_response_has_a_request_id(http: httpx.AsyncClient) -> None:
    first = await call(http, "customers/search", {})
    second = await call(http, "customers/search", {})
    assert first.status_code == 200
    assert first.headers["Request-Id"] != second.headers["Request-Id"]


async def test_invalid_json_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        API + "customers/search",
        content=b'{"ClientToken": "x",}',
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, "Invalid JSON")


async def test_a_body_that_is_not_an_object_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(API + "customers/search", json=[AUTH])
    assert_error(response, 400)


async def test_a_body_that_is_not_declared_json_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        API + "customers/search", content=orjson.dumps(AUTH), headers={"content-type": "text/plain"}
    )
    assert_error(response, 400)


@pytest.mark.parametrize(
    "tokens",
    [
        {},
        {"ClientToken": DEMO_CLIENT_TOKEN},
        {"ClientToken": DEMO_CLIENT_TOKEN, "AccessToken": "C66EF7B239D24632943D115EDE9CB810-X"},
        # Both tokens exist, but not as a pair.
        {
            "ClientToken": "E916C341431C4D28A866AD200152DBD3-A046EB5583FFBE94DE1172237763712",
            "AccessToken": DEMO_ACCESS_TOKEN,
        },
    ],
)
async def test_missing_or_unknown_tokens_are_401(
    http: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    response = await http.post(API + "customers/search", json={"Client": CLIENT_NAME, **tokens})
    message = assert_error(response, 401)
    assert DEMO_ACCESS_TOKEN not in message and DEMO_CLIENT_TOKEN not in message


async def test_other_configured_token_pairs_are_accepted() -> None:
    sandbox = create_mews_sandbox(tokens=[("ct-2", "at-2")])
    async with mews_http(sandbox) as http:
        ok = await http.post(
            API + "customers/search",
            json={"ClientToken": "ct-2", "AccessToken": "at-2", "Client": "c"},
        )
        demo = await http.post(API + "customers/search", json=AUTH)
    assert ok.status_code == 200
    assert_error(demo, 401)


async def test_missing_client_is_400(http: httpx.AsyncClient) -> None:
    body = {"ClientToken": DEMO_CLIENT_TOKEN, "AccessToken": DEMO_ACCESS_TOKEN}
    assert_error(await http.post(API + "customers/search", json=body), 400, "Missing Client.")


async def test_unknown_properties_are_400_naming_them(http: httpx.AsyncClient) -> None:
    response = await call(http, "customers/search", {"Name": "x", "FullName": "y"})
    assert "FullName" in assert_error(response, 400)


async def test_language_and_culture_codes_are_always_allowed(http: httpx.AsyncClient) -> None:
    body = {"LanguageCode": "en-GB", "CultureCode": "en-GB"}
    assert (await call(http, "customers/search", body)).status_code == 200


async def test_it_serves_under_a_mount(sandbox: MewsSandbox) -> None:
    app = Starlette(routes=[Mount("/sandbox/mews", app=sandbox.app)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as http:
        response = await http.post("/sandbox/mews" + API + "customers/search", json=AUTH)
    assert response.status_code == 200


# --- rate limit -----------------------------------------------------------------------------------


async def test_rate_limit_is_a_sliding_window_per_access_token() -> None:
    now = [0.0]
    sandbox = create_mews_sandbox(
        tokens=[(DEMO_CLIENT_TOKEN, DEMO_ACCESS_TOKEN), ("ct-2", "at-2")],
        rate_limit=2,
        rate_window=30.0,
        clock=lambda: now[0],
    )
    other = {"ClientToken": "ct-2", "AccessToken": "at-2", "Client": CLIENT_NAME}
    async with mews_http(sandbox) as http:
        assert (await call(http, "customers/search", {})).status_code == 200
        now[0] = 10.0
        assert (await call(http, "customers/search", {})).status_code == 200
        now[0] = 20.5
        limited = await call(http, "customers/search", {})
        other_token = await http.post(API + "customers/search", json=other)
        now[0] = 30.0  # the request at 0.0 has left the window
        after = await call(http, "customers/search", {})
    assert_error(limited, 429)
    assert limited.headers["Retry-After"] == "10"  # ceil(0 + 30 - 20.5)
    assert other_token.status_code == 200
    assert after.status_code == 200


# --- injected faults ------------------------------------------------------------------------------


async def test_injected_status_answers_the_documented_error_body() -> None:
    control = SandboxControl()
    control.fail_next("customers/getAll", status=429, headers={"Retry-After": "7"})
    sandbox = create_mews_sandbox(control=control)
    async with mews_http(sandbox) as http:
        response = await get_all(http, CustomerIds=[])
        again = await get_all(http, CustomerIds=[])
    assert_error(response, 429)
    assert response.headers["Retry-After"] == "7"
    assert again.status_code == 200


async def test_injected_malformed_answer_is_not_json() -> None:
    control = SandboxControl()
    control.fail_next("customers/search", kind="malformed")
    sandbox = create_mews_sandbox(control=control)
    async with mews_http(sandbox) as http:
        response = await call(http, "customers/search", {})
    assert response.status_code == 200 and response.headers["Request-Id"]
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


async def test_calls_are_counted_before_auth(http: httpx.AsyncClient, sandbox: MewsSandbox) -> None:
    await http.post(API + "customers/search", json={})
    await call(http, "accounts/merge", {})
    assert sandbox.control.calls["customers/search"] == 1
    assert sandbox.control.calls["accounts/merge"] == 1


# --- customers/getAll -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({"Limitation": {"Count": 10}, "CustomerIds": []}, "Extent"),
        ({"Extent": EXTENT, "CustomerIds": []}, "Limitation"),
        ({"Extent": EXTENT, "Limitation": {"Count": 0}, "CustomerIds": []}, "Count"),
        ({"Extent": EXTENT, "Limitation": {"Count": 1001}, "CustomerIds": []}, "Count"),
        ({"Extent": EXTENT, "Limitation": {"Count": True}, "CustomerIds": []}, "Count"),
        ({"Extent": EXTENT, "Limitation": {"Count": "10"}, "CustomerIds": []}, "Count"),
        ({"Extent": EXTENT, "Limitation": {"Count": 10}}, "CustomerIds"),
        ({"Extent": EXTENT, "Limitation": {"Count": 10}, "ChainIds": ["c"]}, "CustomerIds"),
    ],
)
async def test_get_all_requires_extent_limitation_and_a_filter(
    http: httpx.AsyncClient, body: dict[str, Any], message_part: str
) -> None:
    response = await call(http, "customers/getAll", body)
    assert message_part in assert_error(response, 400)


@pytest.mark.parametrize(
    "key", ["CustomerIds", "Emails", "FirstNames", "LastNames", "LoyaltyCodes", "ChainIds"]
)
async def test_get_all_list_filters_take_at_most_1000_items(
    http: httpx.AsyncClient, key: str
) -> None:
    values = [f"value-{i}" for i in range(1001)]
    assert key in assert_error(await get_all(http, **{key: values}), 400)
    ok = await get_all(http, **{key: values[:1000]}, ActivityStates=["Active"])
    assert ok.status_code == 200


async def test_get_all_company_ids_take_at_most_one_item(http: httpx.AsyncClient) -> None:
    assert_error(await get_all(http, CompanyIds=["a", "b"]), 400)
    assert (await get_all(http, CompanyIds=["a"])).status_code == 200


async def test_get_all_refuses_unknown_activity_states(http: httpx.AsyncClient) -> None:
    assert_error(await get_all(http, ActivityStates=["Archived"]), 400)


@pytest.mark.parametrize(
    "interval",
    [
        {"StartUtc": "2024-01-01T00:00:00Z"},
        {"EndUtc": "2024-01-01T00:00:00Z"},
        {"StartUtc": "2024-01-01T00:00:00+01:00", "EndUtc": "2024-01-02T00:00:00Z"},
        {"StartUtc": "2024-01-01", "EndUtc": "2024-01-02T00:00:00Z"},
        {"StartUtc": "2024-02-30T00:00:00Z", "EndUtc": "2024-03-02T00:00:00Z"},
        {"StartUtc": "2024-01-02T00:00:00Z", "EndUtc": "2024-01-01T00:00:00Z"},
        {"StartUtc": "2024-01-01T00:00:00Z", "EndUtc": "2024-04-01T00:00:01Z"},
        {"StartUtc": "2024-01-01T00:00:00Z", "EndUtc": "2024-01-02T00:00:00Z", "Extra": 1},
    ],
)
@pytest.mark.parametrize("key", ["CreatedUtc", "UpdatedUtc", "DeletedUtc"])
async def test_get_all_refuses_bad_or_longer_than_3_month_intervals(
    http: httpx.AsyncClient, key: str, interval: dict[str, str]
) -> None:
    assert key in assert_error(await get_all(http, **{key: interval}), 400)


async def test_get_all_accepts_exactly_3_months(http: httpx.AsyncClient) -> None:
    interval = {"StartUtc": "2024-01-31T00:00:00Z", "EndUtc": "2024-04-30T00:00:00Z"}
    assert (await get_all(http, CreatedUtc=interval)).status_code == 200


async def test_get_all_returns_newest_first_with_ties_by_id() -> None:
    same_time = "2024-05-01T10:00:00Z"
    tied = [make_customer(i, CreatedUtc=same_time) for i in range(3)]
    older = make_customer(9, CreatedUtc="2024-04-01T10:00:00Z")
    sandbox = create_mews_sandbox([older, *tied])
    async with mews_http(sandbox) as http:
        response = await get_all(http, ActivityStates=["Active"])
    expected = [*sorted((c["Id"] for c in tied), reverse=True), older["Id"]]
    assert ids(response) == expected


async def test_get_all_pages_with_the_cursor_of_the_oldest_item(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    first = await get_all(http, ActivityStates=["Active"], Limitation={"Count": 2})
    cursor = first.json()["Cursor"]
    second = await get_all(
        http, ActivityStates=["Active"], Limitation={"Count": 2, "Cursor": cursor}
    )
    last = await get_all(
        http, ActivityStates=["Active"], Limitation={"Count": 2, "Cursor": second.json()["Cursor"]}
    )
    end = await get_all(
        http, ActivityStates=["Active"], Limitation={"Count": 2, "Cursor": last.json()["Cursor"]}
    )
    newest_first = [c["Id"] for c in reversed(customers)]
    assert ids(first) == newest_first[:2] and cursor == newest_first[1]
    assert ids(second) == newest_first[2:4]
    assert ids(last) == newest_first[4:]
    assert end.json() == {"Customers": [], "Documents": None, "Cursor": None}


async def test_get_all_refuses_an_unknown_cursor(http: httpx.AsyncClient) -> None:
    response = await get_all(
        http, ActivityStates=["Active"], Limitation={"Count": 2, "Cursor": str(uuid.uuid4())}
    )
    assert "Cursor" in assert_error(response, 400)


async def test_get_all_extent_customers_false_still_sets_the_cursor(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    response = await get_all(
        http,
        ActivityStates=["Active"],
        Limitation={"Count": 2},
        Extent={"Customers": False, "Addresses": False},
    )
    assert response.json()["Customers"] == []
    assert response.json()["Cursor"] == customers[3]["Id"]


async def test_get_all_without_addresses_extent_nulls_the_address(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    response = await get_all(
        http, CustomerIds=[customers[0]["Id"]], Extent={"Customers": True, "Addresses": False}
    )
    customer = response.json()["Customers"][0]
    assert customer["Address"] is None
    assert customer["AddressId"] == customers[0]["AddressId"]


async def test_get_all_returns_the_documented_customer_shape(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    response = await get_all(http, CustomerIds=[customers[0]["Id"]])
    assert response.json()["Customers"] == [customers[0]]


async def test_get_all_completes_sparse_seeded_customers() -> None:
    sandbox = create_mews_sandbox([{"Id": "c-1", "LastName": "Carbone"}])
    async with mews_http(sandbox) as http:
        customer = (await get_all(http, CustomerIds=["c-1"])).json()["Customers"][0]
    assert customer["HasOtaEmail"] is False and customer["IsActive"] is True
    assert customer["Classifications"] == [] and customer["PreferredSpaceFeatures"] == []
    assert customer["CreatedUtc"] == customer["UpdatedUtc"]
    assert "CreatorProfileId" in customer and "ItalianLotteryCode" in customer


async def test_get_all_filters_by_field_values(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    target = customers[2]
    for key, value in [
        ("Emails", target["Email"].upper()),
        ("FirstNames", target["FirstName"].lower()),
        ("LoyaltyCodes", target["LoyaltyCode"]),
        ("CustomerIds", target["Id"]),
    ]:
        assert ids(await get_all(http, **{key: [value]})) == [target["Id"]], key
    both = await get_all(http, CustomerIds=[target["Id"]], Emails=[customers[0]["Email"]])
    assert ids(both) == []


async def test_get_all_time_intervals_are_half_open_or_an_equality(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    start, end = customers[1]["CreatedUtc"], customers[3]["CreatedUtc"]
    half_open = await get_all(http, CreatedUtc={"StartUtc": start, "EndUtc": end})
    equality = await get_all(http, CreatedUtc={"StartUtc": end, "EndUtc": end})
    assert ids(half_open) == [customers[2]["Id"], customers[1]["Id"]]
    assert ids(equality) == [customers[3]["Id"]]


async def test_get_all_activity_states_and_deleted_utc(
    http: httpx.AsyncClient, customers: list[dict[str, Any]], sandbox: MewsSandbox
) -> None:
    merged = await call(
        http,
        "customers/merge",
        {
            "SourceCustomerId": customers[0]["Id"],
            "TargetCustomerId": customers[1]["Id"],
        },
    )
    assert merged.status_code == 200
    today = datetime.now(UTC)
    window = {
        "StartUtc": (today - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "EndUtc": (today + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    deleted = await get_all(http, ActivityStates=["Deleted"])
    active = await get_all(http, ActivityStates=["Active"])
    both = await get_all(http, CustomerIds=[customers[0]["Id"], customers[1]["Id"]])
    recently_deleted = await get_all(http, DeletedUtc=window, ActivityStates=["Deleted"])
    assert ids(deleted) == [customers[0]["Id"]]
    assert customers[0]["Id"] not in ids(active) and len(ids(active)) == 4
    assert set(ids(both)) == {customers[0]["Id"], customers[1]["Id"]}
    assert ids(recently_deleted) == [customers[0]["Id"]]


# --- customers/getOpenItems -----------------------------------------------------------------------


async def test_get_open_items_answers_items_and_empty_lists() -> None:
    owing, clean = make_customer(0), make_customer(1)
    item = mews_order_item(owing["Id"])
    sandbox = create_mews_sandbox([owing, clean], open_items={owing["Id"]: {"OrderItems": [item]}})
    async with mews_http(sandbox) as http:
        response = await call(
            http, "customers/getOpenItems", {"CustomerIds": [owing["Id"], clean["Id"]]}
        )
    assert response.json() == {
        "Customers": [
            {"CustomerId": owing["Id"], "OrderItems": [item], "PaymentItems": []},
            {"CustomerId": clean["Id"], "OrderItems": [], "PaymentItems": []},
        ]
    }


@pytest.mark.parametrize(
    "body",
    [{}, {"CustomerIds": [str(i) for i in range(1001)]}, {"CustomerIds": ["a"], "Currency": "eu"}],
)
async def test_get_open_items_validates_ids_and_currency(
    http: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_error(await call(http, "customers/getOpenItems", body), 400)


# --- customers/add --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({"OverwriteExisting": False}, "LastName"),
        ({"LastName": "  ", "OverwriteExisting": False}, "LastName"),
        ({"LastName": "Carbone"}, "OverwriteExisting"),
        ({"LastName": "Carbone", "OverwriteExisting": "no"}, "OverwriteExisting"),
        ({"LastName": "Carbone", "OverwriteExisting": False, "Title": "Doctor"}, "Title"),
        ({"LastName": "Carbone", "OverwriteExisting": False, "Sex": "X"}, "Sex"),
        (
            {"LastName": "Carbone", "OverwriteExisting": False, "Classifications": ["Vip"]},
            "Classifications",
        ),
        ({"LastName": "Carbone", "OverwriteExisting": False, "Options": ["None"]}, "Options"),
        ({"LastName": "Carbone", "OverwriteExisting": False, "Email": "not-an-email"}, "Email"),
        (
            {"LastName": "Carbone", "OverwriteExisting": False, "BirthDate": "30/09/1985"},
            "BirthDate",
        ),
        (
            {"LastName": "Carbone", "OverwriteExisting": False, "CarRegistrationNumber": "A" * 256},
            "CarRegistrationNumber",
        ),
        (
            {"LastName": "Carbone", "OverwriteExisting": False, "ItalianLotteryCode": "A" * 16},
            "ItalianLotteryCode",
        ),
        (
            {"LastName": "Carbone", "OverwriteExisting": False, "Address": {"Street": "x"}},
            "Address",
        ),
        (
            {
                "LastName": "Carbone",
                "OverwriteExisting": False,
                "ItalianFiscalCode": {"Value": "x"},
            },
            "ItalianFiscalCode",
        ),
    ],
)
async def test_add_validates_its_body(
    http: httpx.AsyncClient, body: dict[str, Any], message_part: str
) -> None:
    assert message_part in assert_error(await call(http, "customers/add", body), 400)


async def test_add_creates_a_complete_customer(
    http: httpx.AsyncClient, sandbox: MewsSandbox
) -> None:
    response = await call(
        http,
        "customers/add",
        {
            "Title": "Miss",
            "FirstName": "Thea",
            "LastName": "Carbone",
            "Sex": "Female",
            "PreferredLanguageCode": "it-IT",
            "Email": "thea@quotidiano.example",
            "Classifications": ["Media", "FriendOrFamily"],
            "Options": ["SendMarketingEmails"],
            "Address": {
                "Line1": "Via Antimo 474 Piano 5",
                "City": "Liborio laziale",
                "PostalCode": "30228",
                "CountryCode": "IT",
                "CountrySubdivisionCode": "IT-65",
            },
            "OverwriteExisting": False,
            "ItalianLotteryCode": "AB12345",
            "Passport": {"Number": "YA1234567", "IssuingCountryCode": "IT"},
        },
    )
    assert response.status_code == 200, response.text
    customer = response.json()
    assert uuid.UUID(customer["Id"]) and customer["Number"].isdigit()
    assert customer["HasOtaEmail"] is False and customer["IsActive"] is True
    assert customer["ActivityState"] == "Active"
    assert customer["Classifications"] == ["Media", "FriendOrFamily"]
    assert customer["PreferredSpaceFeatures"] == []
    assert customer["Address"]["City"] == "Liborio laziale"
    assert customer["AddressId"] == customer["Address"]["Id"]
    assert customer["Passport"]["Number"] == "YA1234567"
    assert customer["CreatorProfileId"] and customer["UpdaterProfileId"]
    assert customer["CreatedUtc"] == customer["UpdatedUtc"]
    assert sandbox.customers[customer["Id"]] == customer


async def test_add_with_a_known_email_is_403_unless_overwriting(
    http: httpx.AsyncClient, customers: list[dict[str, Any]], sandbox: MewsSandbox
) -> None:
    email = customers[0]["Email"]
    body = {"FirstName": "Theodora", "LastName": "Carbone", "Email": email.upper()}
    refused = await call(http, "customers/add", {**body, "OverwriteExisting": False})
    overwritten = await call(http, "customers/add", {**body, "OverwriteExisting": True})
    assert_error(refused, 403, f"A customer with the email {email.upper()} already exists.")
    assert overwritten.json()["Id"] == customers[0]["Id"]
    assert overwritten.json()["FirstName"] == "Theodora"
    assert overwritten.json()["Classifications"] == customers[0]["Classifications"]
    assert len(sandbox.customers) == len(customers)


# --- customers/update -----------------------------------------------------------------------------


async def test_update_needs_a_known_customer_id(http: httpx.AsyncClient) -> None:
    assert "CustomerId" in assert_error(await call(http, "customers/update", {}), 400)
    unknown = await call(http, "customers/update", {"CustomerId": str(uuid.uuid4())})
    assert_error(unknown, 400, "Invalid CustomerId.")


async def test_update_leaves_blank_fields_and_bumps_updated_utc() -> None:
    moments = iter([datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 2, 9, 30, tzinfo=UTC)])
    customer = make_customer(0)
    sandbox = create_mews_sandbox([customer], now=lambda: next(moments))
    async with mews_http(sandbox) as http:
        response = await call(
            http,
            "customers/update",
            {
                "CustomerId": customer["Id"],
                "FirstName": "",
                "LastName": None,
                "Phone": "   ",
                "Occupation": "Editor",
                "Address": {"City": "Roma", "Line1": ""},
            },
        )
    updated = response.json()
    assert (updated["FirstName"], updated["LastName"]) == (
        customer["FirstName"],
        customer["LastName"],
    )
    assert updated["Phone"] == customer["Phone"] and updated["Occupation"] == "Editor"
    assert updated["Address"]["City"] == "Roma"
    assert updated["Address"]["Line1"] == customer["Address"]["Line1"]
    assert updated["UpdatedUtc"] == "2024-06-02T09:30:00Z"


async def test_update_sets_and_clears_italian_codes_with_update_values() -> None:
    customer = make_customer(0, ItalianFiscalCode="ZGNZLR17U72P554F")
    sandbox = create_mews_sandbox([customer])
    async with mews_http(sandbox) as http:
        response = await call(
            http,
            "customers/update",
            {
                "CustomerId": customer["Id"],
                "ItalianFiscalCode": {"Value": None},
                "ItalianDestinationCode": {"Value": "7654321"},
                "ItalianLotteryCode": None,
            },
        )
        plain = await call(
            http,
            "customers/update",
            {
                "CustomerId": customer["Id"],
                "ItalianFiscalCode": "ZGNZLR17U72P554F",
            },
        )
    assert response.json()["ItalianFiscalCode"] is None
    assert response.json()["ItalianDestinationCode"] == "7654321"
    assert "ItalianFiscalCode" in assert_error(plain, 400)


async def test_update_refuses_an_email_of_another_profile(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    response = await call(
        http,
        "customers/update",
        {
            "CustomerId": customers[0]["Id"],
            "Email": customers[1]["Email"],
        },
    )
    own = await call(
        http,
        "customers/update",
        {
            "CustomerId": customers[0]["Id"],
            "Email": customers[0]["Email"],
        },
    )
    assert_error(response, 403)
    assert own.status_code == 200


async def test_update_replaces_classifications_and_validates_enums(
    http: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    replaced = await call(
        http,
        "customers/update",
        {
            "CustomerId": customers[0]["Id"],
            "Classifications": ["Staff", "Blocklist"],
        },
    )
    invalid = await call(
        http,
        "customers/update",
        {
            "CustomerId": customers[0]["Id"],
            "Title": "Sir",
        },
    )
    assert replaced.json()["Classifications"] == ["Staff", "Blocklist"]
    assert "Title" in assert_error(invalid, 400)


# --- customers/addFile ----------------------------------------------------------------------------


PDF = base64.b64encode(b"%PDF-1.0\ntrailer<</Root 1 0 R>>\n").decode()


@pytest.mark.parametrize(
    ("change", "message_part"),
    [
        ({"Name": None}, "Name"),
        ({"Data": None}, "Data"),
        ({"Type": None}, "Type"),
        ({"Type": "text/plain"}, "Type"),
        ({"Data": "not base64!"}, "Data"),
        ({"CustomerId": "no-such-customer"}, "CustomerId"),
    ],
)
async def test_add_file_validates_its_body(
    http: httpx.AsyncClient,
    customers: list[dict[str, Any]],
    change: dict[str, Any],
    message_part: str,
) -> None:
    body = {
        "CustomerId": customers[0]["Id"],
        "Name": "doc.pdf",
        "Type": "application/pdf",
        "Data": PDF,
        **change,
    }
    body = {k: v for k, v in body.items() if v is not None}
    assert message_part in assert_error(await call(http, "customers/addFile", body), 400)


async def test_add_file_stores_the_file(
    http: httpx.AsyncClient, customers: list[dict[str, Any]], sandbox: MewsSandbox
) -> None:
    response = await call(
        http,
        "customers/addFile",
        {
            "CustomerId": customers[0]["Id"],
            "Name": "scan.tiff",
            "Type": "image/tiff",
            "Data": PDF,
        },
    )
    assert set(response.json()) == {"FileId"}
    assert sandbox.files == [
        {
            "FileId": response.json()["FileId"],
            "CustomerId": customers[0]["Id"],
            "Name": "scan.tiff",
            "Type": "image/tiff",
            "Data": base64.b64decode(PDF),
            "ChainId": None,
        }
    ]


async def test_a_body_over_the_size_limit_is_413() -> None:
    customer = make_customer(0)
    sandbox = create_mews_sandbox([customer], max_body_bytes=2048)
    async with mews_http(sandbox) as http:
        response = await call(
            http,
            "customers/addFile",
            {
                "CustomerId": customer["Id"],
                "Name": "big.png",
                "Type": "image/png",
                "Data": base64.b64encode(b"\0" * 4096).decode(),
            },
        )
    assert_error(response, 413)
    assert sandbox.files == []


# --- customers/search -----------------------------------------------------------------------------


@pytest.fixture
def hotel() -> MewsSandbox:
    guest = make_customer(0, FirstName="Thea", LastName="Carbone")
    companion = make_customer(1, FirstName="Marco", LastName="Carbone")
    paymaster = make_customer(
        2, FirstName="", LastName="Tour Group Carbone", Classifications=["PaymasterAccount"]
    )
    expected = make_customer(3, FirstName="Thea", LastName="Rossi")
    departed = make_customer(4, FirstName="Thea", LastName="Bianchi", IsActive=False)
    return create_mews_sandbox(
        [guest, companion, paymaster, expected, departed],
        reservations=[
            make_reservation(guest["Id"], companion_ids=(companion["Id"],), resource_id="r-101"),
            make_reservation(expected["Id"], state="Confirmed", resource_id="r-102"),
            make_reservation(departed["Id"], resource_id="r-103"),
        ],
    )


async def search(sandbox: MewsSandbox, **body: Any) -> list[tuple[str, str | None]]:
    async with mews_http(sandbox) as http:
        response = await call(http, "customers/search", body)
    assert response.status_code == 200, response.text
    assert response.json()["Documents"] is None
    return [
        (
            r["Customer"]["FirstName"] + " " + r["Customer"]["LastName"],
            r["Reservation"]["AssignedResourceId"] if r["Reservation"] else None,
        )
        for r in response.json()["Customers"]
    ]


async def test_search_finds_checked_in_members_and_paymasters_by_name(hotel: MewsSandbox) -> None:
    assert await search(hotel, Name="carbone") == [
        ("Marco Carbone", "r-101"),
        ("Thea Carbone", "r-101"),
        (" Tour Group Carbone", None),
    ]
    assert await search(hotel, Name="thea carb") == [("Thea Carbone", "r-101")]
    assert await search(hotel, Name="Thea") == [("Thea Carbone", "r-101")]


async def test_search_by_resource_returns_the_members_staying_there(hotel: MewsSandbox) -> None:
    assert await search(hotel, ResourceId="r-101", Name=None) == [
        ("Marco Carbone", "r-101"),
        ("Thea Carbone", "r-101"),
    ]
    assert await search(hotel, ResourceId="r-102") == []


async def test_search_extent_without_addresses_nulls_them(hotel: MewsSandbox) -> None:
    async with mews_http(hotel) as http:
        response = await call(
            http,
            "customers/search",
            {
                "Name": "Thea",
                "Extent": {"Customers": True, "Addresses": False},
            },
        )
    assert response.json()["Customers"][0]["Customer"]["Address"] is None


# --- merges ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"SourceCustomerId": "a"},
        {"SourceCustomerId": "same", "TargetCustomerId": "same"},
        {"SourceCustomerId": "unknown", "TargetCustomerId": "target"},
    ],
)
async def test_merge_needs_two_different_existing_customers(
    http: httpx.AsyncClient, customers: list[dict[str, Any]], body: dict[str, str]
) -> None:
    real = {"same": customers[0]["Id"], "target": customers[1]["Id"]}
    body = {key: real.get(value, value) for key, value in body.items()}
    assert_error(await call(http, "customers/merge", body), 400)


async def test_merge_marks_the_source_merged_into_the_target(
    http: httpx.AsyncClient, customers: list[dict[str, Any]], sandbox: MewsSandbox
) -> None:
    response = await call(
        http,
        "customers/merge",
        {
            "SourceCustomerId": customers[0]["Id"],
            "TargetCustomerId": customers[1]["Id"],
        },
    )
    again = await call(
        http,
        "customers/merge",
        {
            "SourceCustomerId": customers[0]["Id"],
            "TargetCustomerId": customers[1]["Id"],
        },
    )
    assert response.json() == {}
    source = sandbox.customers[customers[0]["Id"]]
    assert (source["IsActive"], source["ActivityState"], source["MergeTargetId"]) == (
        False,
        "Deleted",
        customers[1]["Id"],
    )
    assert_error(again, 400)


async def test_accounts_merge_merges_every_listed_source(
    http: httpx.AsyncClient, customers: list[dict[str, Any]], sandbox: MewsSandbox
) -> None:
    response = await call(
        http,
        "accounts/merge",
        {
            "AccountMergeParameters": [
                {
                    "AccountType": "Customer",
                    "SourceAccountIds": [customers[0]["Id"], customers[1]["Id"]],
                    "TargetAccountId": customers[2]["Id"],
                }
            ]
        },
    )
    assert response.json() == {}
    assert [sandbox.customers[c["Id"]]["MergeTargetId"] for c in customers[:3]] == [
        customers[2]["Id"],
        customers[2]["Id"],
        None,
    ]


@pytest.mark.parametrize(
    "parameters",
    [
        None,
        [],
        [{"AccountType": "Customer", "SourceAccountIds": ["s"], "TargetAccountId": "t"}] * 11,
        [{"AccountType": "Company", "SourceAccountIds": ["s"], "TargetAccountId": "t"}],
        [{"AccountType": "Customer", "SourceAccountIds": [], "TargetAccountId": "t"}],
        [{"AccountType": "Customer", "SourceAccountIds": ["t"], "TargetAccountId": "t"}],
        [
            {
                "AccountType": "Customer",
                "SourceAccountIds": ["s"],
                "TargetAccountId": "t",
                "Extra": True,
            }
        ],
        [
            {"AccountType": "Customer", "SourceAccountIds": ["s"], "TargetAccountId": "t"},
            {"AccountType": "Customer", "SourceAccountIds": ["s"], "TargetAccountId": "u"},
        ],
    ],
)
async def test_accounts_merge_validates_every_merge_before_applying_any(
    http: httpx.AsyncClient,
    customers: list[dict[str, Any]],
    sandbox: MewsSandbox,
    parameters: list[dict[str, Any]] | None,
) -> None:
    real = {"s": customers[0]["Id"], "t": customers[1]["Id"], "u": customers[2]["Id"]}

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        return real.get(value, value) if isinstance(value, str) else value

    body = {} if parameters is None else {"AccountMergeParameters": resolve(parameters)}
    assert_error(await call(http, "accounts/merge", body), 400)
    assert all(c["IsActive"] for c in sandbox.customers.values())
