"""The Mews client against the Mews sandbox, over real HTTP (in process, or loopback)."""

from __future__ import annotations

import base64
import socket
import uuid
from typing import Any

import httpx
import orjson
import pytest

from gateway.sandbox.control import SandboxControl
from gateway.sandbox.mews import create_mews_sandbox
from gateway.upstream.errors import (
    UpstreamBadRequest,
    UpstreamError,
    UpstreamForbidden,
    UpstreamInvalidResponse,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from gateway.upstream.mews import (
    DEMO_ACCESS_TOKEN,
    DEMO_CLIENT_TOKEN,
    MAX_ITEMS,
    MewsClient,
    MewsCredentials,
)
from tests.support.docs import mews_order_item
from tests.support.loopback import loopback_http
from tests.support.mews_data import (
    CLIENT_NAME,
    DEMO_CREDENTIALS,
    Recorder,
    make_customer,
    make_customers,
    make_reservation,
    mews_client,
)

SECRETS = (DEMO_CLIENT_TOKEN, DEMO_ACCESS_TOKEN, "wrong-client-token", "wrong-access-token")


def assert_no_secret(error: BaseException) -> None:
    for text in (str(error), repr(error), *map(str, error.args)):
        for secret in SECRETS:
            assert secret not in text


# --- success paths ------------------------------------------------------------------------------


async def test_get_all_returns_a_page_whose_cursor_is_the_oldest_customer() -> None:
    customers = make_customers(3)
    sandbox = create_mews_sandbox(customers)
    async with mews_client(sandbox) as client:
        page = await client.get_all({"CustomerIds": [c["Id"] for c in customers]}, count=2)
    assert [c["Id"] for c in page["Customers"]] == [customers[2]["Id"], customers[1]["Id"]]
    assert page["Cursor"] == customers[1]["Id"]
    assert page["Customers"][0]["Address"] == customers[2]["Address"]  # default extent
    assert page["Documents"] is None


async def test_get_all_with_cursor_continues_after_it() -> None:
    customers = make_customers(3)
    sandbox = create_mews_sandbox(customers)
    async with mews_client(sandbox) as client:
        page = await client.get_all(
            {"ActivityStates": ["Active"]},
            count=5,
            cursor=customers[1]["Id"],
            extent={"Customers": True, "Addresses": False},
        )
    assert [c["Id"] for c in page["Customers"]] == [customers[0]["Id"]]
    assert page["Customers"][0]["Address"] is None


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (25, [10, 10, 5]),
        # A full last page: the third call returns nothing with a null Cursor, ending the walk.
        (20, [10, 10]),
    ],
    ids=["short-last-page", "full-last-page"],
)
async def test_iter_pages_walks_every_customer_newest_first_in_3_calls(
    count: int, sizes: list[int]
) -> None:
    customers = make_customers(count)
    sandbox = create_mews_sandbox(customers)
    async with mews_client(sandbox) as client:
        pages = [
            page async for page in client.iter_pages({"ActivityStates": ["Active"]}, page_size=10)
        ]
    assert [len(page) for page in pages] == sizes
    assert sandbox.control.calls["customers/getAll"] == 3
    ids = [c["Id"] for page in pages for c in page]
    assert ids == [c["Id"] for c in reversed(customers)]
    assert len(set(ids)) == count


async def test_get_by_ids_sends_2500_ids_in_3_calls_with_count_equal_to_chunk_length() -> None:
    customers = make_customers(2500)
    sandbox = create_mews_sandbox(customers)
    recorder: Recorder = []
    ids = [c["Id"] for c in customers]
    async with mews_client(sandbox, recorder=recorder) as client:
        found = await client.get_by_ids(ids + ids[:50])  # duplicates are sent once
    assert sandbox.control.calls["customers/getAll"] == 3
    sent = sorted((len(body["CustomerIds"]), body["Limitation"]["Count"]) for _, body in recorder)
    assert sent == [(500, 500), (1000, 1000), (1000, 1000)]
    assert sorted(c["Id"] for c in found) == sorted(ids)


async def test_get_by_ids_with_no_ids_makes_no_call() -> None:
    sandbox = create_mews_sandbox(make_customers(2))
    async with mews_client(sandbox) as client:
        assert await client.get_by_ids([]) == []
    assert sandbox.control.total_calls == 0


async def test_get_by_ids_leaves_out_unknown_ids() -> None:
    customers = make_customers(2)
    sandbox = create_mews_sandbox(customers)
    async with mews_client(sandbox) as client:
        found = await client.get_by_ids([customers[0]["Id"], str(uuid.uuid4())])
    assert [c["Id"] for c in found] == [customers[0]["Id"]]


async def test_get_by_emails_finds_customers_case_insensitively() -> None:
    customers = make_customers(3)
    sandbox = create_mews_sandbox(customers)
    recorder: Recorder = []
    async with mews_client(sandbox, recorder=recorder) as client:
        found = await client.get_by_emails([customers[0]["Email"].upper(), customers[2]["Email"]])
    assert {c["Id"] for c in found} == {customers[0]["Id"], customers[2]["Id"]}
    assert recorder[0][1]["Emails"] == [customers[0]["Email"].upper(), customers[2]["Email"]]


async def test_get_open_items_returns_order_and_payment_items_per_customer() -> None:
    owing, clean = make_customer(0), make_customer(1)
    sandbox = create_mews_sandbox(
        [owing, clean], open_items={owing["Id"]: {"OrderItems": [mews_order_item(owing["Id"])]}}
    )
    recorder: Recorder = []
    async with mews_client(sandbox, recorder=recorder) as client:
        # The documented item is in GBP: asking for GBP leaves its amounts as they are.
        items = await client.get_open_items([owing["Id"], clean["Id"]], currency="GBP")
    by_id = {entry["CustomerId"]: entry for entry in items}
    assert by_id[owing["Id"]]["OrderItems"][0]["Amount"]["Breakdown"]["Items"][0]["NetValue"] == -5
    assert by_id[owing["Id"]]["PaymentItems"] == []
    assert by_id[clean["Id"]] == {"CustomerId": clean["Id"], "OrderItems": [], "PaymentItems": []}
    assert recorder[0][1]["Currency"] == "GBP"


async def test_get_open_items_chunks_ids_by_1000() -> None:
    sandbox = create_mews_sandbox()
    async with mews_client(sandbox) as client:
        await client.get_open_items([str(uuid.uuid4()) for _ in range(1001)])
    assert sandbox.control.calls["customers/getOpenItems"] == 2


async def test_add_returns_the_new_customer() -> None:
    sandbox = create_mews_sandbox()
    async with mews_client(sandbox) as client:
        customer = await client.add(
            {
                "Title": "Miss",
                "FirstName": "Thea",
                "LastName": "Carbone",
                "Email": "thea@quotidiano.example",
                "Phone": "+39 06 555 5555",
                "Address": {
                    "Line1": "Via Antimo 474",
                    "City": "Liborio laziale",
                    "CountryCode": "IT",
                },
                "Classifications": ["Media", "FriendOrFamily"],
                "Options": ["SendMarketingEmails"],
                "OverwriteExisting": False,
                "ItalianFiscalCode": "ZGNZLR17U72P554F",
            }
        )
    assert customer["LastName"] == "Carbone"
    assert customer["Address"] is not None and customer["Address"]["City"] == "Liborio laziale"
    assert customer["ItalianFiscalCode"] == "ZGNZLR17U72P554F"
    assert sandbox.customers[customer["Id"]]["Email"] == "thea@quotidiano.example"


async def test_update_changes_given_fields_and_clears_an_italian_code() -> None:
    customer = make_customer(0, ItalianDestinationCode="7654321")
    sandbox = create_mews_sandbox([customer])
    async with mews_client(sandbox) as client:
        updated = await client.update(
            {
                "CustomerId": customer["Id"],
                "Occupation": "Editor",
                "FirstName": None,
                "ItalianDestinationCode": {"Value": None},
                "ItalianFiscalCode": {"Value": "ZGNZLR17U72P554F"},
            }
        )
    assert updated["Occupation"] == "Editor"
    assert updated["FirstName"] == customer["FirstName"]
    assert updated["ItalianDestinationCode"] is None
    assert updated["ItalianFiscalCode"] == "ZGNZLR17U72P554F"


async def test_add_file_returns_the_file_id() -> None:
    customer = make_customer(0)
    sandbox = create_mews_sandbox([customer])
    pdf = b"%PDF-1.0\n1 0 obj<</Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n"
    async with mews_client(sandbox) as client:
        file_id = await client.add_file(
            customer_id=customer["Id"],
            name="passport.pdf",
            mime_type="application/pdf",
            data=base64.b64encode(pdf).decode(),
        )
    assert uuid.UUID(file_id)
    assert sandbox.files[0]["FileId"] == file_id and sandbox.files[0]["Data"] == pdf


async def test_search_returns_checked_in_customers_with_their_reservation() -> None:
    guest, companion, away = make_customer(0), make_customer(1), make_customer(2)
    stay = make_reservation(guest["Id"], companion_ids=(companion["Id"],))
    sandbox = create_mews_sandbox(
        [guest, companion, away],
        reservations=[stay, make_reservation(away["Id"], state="Confirmed")],
    )
    async with mews_client(sandbox) as client:
        results = await client.search(name=guest["FirstName"])
        by_resource = await client.search(resource_id=stay["AssignedResourceId"])
    assert [r["Customer"]["Id"] for r in results] == [guest["Id"]]
    assert results[0]["Reservation"] is not None
    assert results[0]["Reservation"]["Id"] == stay["Id"]
    assert {r["Customer"]["Id"] for r in by_resource} == {guest["Id"], companion["Id"]}


async def test_merge_deactivates_the_source() -> None:
    source, target = make_customer(0), make_customer(1)
    sandbox = create_mews_sandbox([source, target])
    async with mews_client(sandbox) as client:
        await client.merge(source["Id"], target["Id"])
    merged = sandbox.customers[source["Id"]]
    assert (merged["IsActive"], merged["MergeTargetId"]) == (False, target["Id"])


async def test_merge_accounts_deactivates_the_source() -> None:
    source, target = make_customer(0), make_customer(1)
    sandbox = create_mews_sandbox([source, target])
    async with mews_client(sandbox) as client:
        await client.merge_accounts(source["Id"], target["Id"])
    merged = sandbox.customers[source["Id"]]
    assert (merged["ActivityState"], merged["MergeTargetId"]) == ("Deleted", target["Id"])
    assert sandbox.control.calls["accounts/merge"] == 1


async def test_count_outside_1_to_1000_is_refused_before_any_call() -> None:
    sandbox = create_mews_sandbox()
    async with mews_client(sandbox) as client:
        with pytest.raises(ValueError):
            await client.get_all({"CustomerIds": []}, count=MAX_ITEMS + 1)
        with pytest.raises(ValueError):
            [page async for page in client.iter_pages({"CustomerIds": []}, page_size=0)]
    assert sandbox.control.total_calls == 0


# --- errors -------------------------------------------------------------------------------------


async def test_wrong_tokens_raise_unauthorized_without_leaking_them() -> None:
    sandbox = create_mews_sandbox()
    wrong = MewsCredentials("wrong-client-token", "wrong-access-token", CLIENT_NAME)
    responses: list[httpx.Response] = []
    async with mews_client(sandbox, credentials=wrong, responses=responses) as client:
        with pytest.raises(UpstreamUnauthorized) as caught:
            await client.get_by_ids([str(uuid.uuid4())])
    assert caught.value.source == "mews" and caught.value.status == 401
    assert caught.value.request_id == responses[0].headers["Request-Id"]
    assert_no_secret(caught.value)


async def test_credentials_and_client_repr_hide_the_tokens() -> None:
    sandbox = create_mews_sandbox()
    async with mews_client(sandbox) as client:
        for text in (repr(DEMO_CREDENTIALS), repr(client), str(client)):
            assert DEMO_CLIENT_TOKEN not in text and DEMO_ACCESS_TOKEN not in text
        assert CLIENT_NAME in repr(DEMO_CREDENTIALS)


async def test_invalid_input_raises_bad_request_with_the_mews_message() -> None:
    sandbox = create_mews_sandbox()
    responses: list[httpx.Response] = []
    async with mews_client(sandbox, responses=responses) as client:
        with pytest.raises(UpstreamBadRequest) as caught:
            await client.update({"CustomerId": str(uuid.uuid4()), "FirstName": "Thea"})
    assert caught.value.message == "Invalid CustomerId."
    assert caught.value.request_id == responses[0].headers["Request-Id"]
    assert_no_secret(caught.value)


async def test_duplicate_email_raises_forbidden_with_the_message_for_end_users() -> None:
    existing = make_customer(0)
    sandbox = create_mews_sandbox([existing])
    async with mews_client(sandbox) as client:
        with pytest.raises(UpstreamForbidden) as caught:
            await client.add(
                {"LastName": "Carbone", "Email": existing["Email"], "OverwriteExisting": False}
            )
    assert caught.value.message == f"A customer with the email {existing['Email']} already exists."
    assert caught.value.code == "FORBIDDEN"
    assert_no_secret(caught.value)


async def test_rate_limit_raises_rate_limited_with_retry_after_from_the_header() -> None:
    now = [1000.0]
    sandbox = create_mews_sandbox(rate_limit=2, rate_window=30.0, clock=lambda: now[0])
    async with mews_client(sandbox) as client:
        await client.search(name="x")
        now[0] += 12.0
        await client.search(name="x")
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.search(name="x")
        now[0] += 18.0  # the first request leaves the window
        await client.search(name="x")
    assert caught.value.retry_after == 18.0
    assert caught.value.request_id
    assert_no_secret(caught.value)


async def test_injected_503_raises_unavailable() -> None:
    control = SandboxControl()
    control.fail_next("customers/getAll", status=503)
    sandbox = create_mews_sandbox(control=control)
    async with mews_client(sandbox) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.get_by_ids([str(uuid.uuid4())])
    assert caught.value.status == 503 and caught.value.request_id
    assert_no_secret(caught.value)


async def test_error_details_are_never_surfaced() -> None:
    control = SandboxControl()
    body = {"Message": "Something failed.", "RequestId": "r-1", "Details": "stack trace: Secret"}
    control.fail_next("customers/search", status=500, body=orjson.dumps(body))
    sandbox = create_mews_sandbox(control=control)
    async with mews_client(sandbox) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.search(name="x")
    assert "Something failed." in str(caught.value)
    assert "stack trace" not in str(caught.value) and "stack trace" not in repr(caught.value)


async def test_malformed_response_raises_invalid_response() -> None:
    control = SandboxControl()
    control.fail_next("customers/getAll", kind="malformed")
    sandbox = create_mews_sandbox(control=control)
    async with mews_client(sandbox) as client:
        with pytest.raises(UpstreamInvalidResponse) as caught:
            await client.get_by_ids([str(uuid.uuid4())])
    assert caught.value.request_id
    assert_no_secret(caught.value)


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("customers/getAll", {"Customers": 5, "Cursor": None}),
        ("customers/getAll", {"Customers": [], "Cursor": 7}),
        ("customers/add", {"LastName": "no id"}),
        ("customers/addFile", {}),
        ("customers/search", {"Customers": [{"Reservation": None}]}),
        ("customers/getOpenItems", ["not", "an", "object"]),
        ("customers/merge", []),
    ],
)
async def test_json_of_the_wrong_shape_raises_invalid_response(operation: str, body: Any) -> None:
    control = SandboxControl()
    control.fail_next(operation, status=200, body=orjson.dumps(body))
    customer = make_customer(0)
    sandbox = create_mews_sandbox([customer], control=control)
    calls = {
        "customers/getAll": lambda c: c.get_by_ids([customer["Id"]]),
        "customers/add": lambda c: c.add({"LastName": "Carbone", "OverwriteExisting": False}),
        "customers/addFile": lambda c: c.add_file(
            customer_id=customer["Id"], name="a.png", mime_type="image/png", data="iVBORw0K"
        ),
        "customers/search": lambda c: c.search(name="x"),
        "customers/getOpenItems": lambda c: c.get_open_items([customer["Id"]]),
        "customers/merge": lambda c: c.merge(customer["Id"], str(uuid.uuid4())),
    }
    async with mews_client(sandbox) as client:
        with pytest.raises(UpstreamInvalidResponse):
            await calls[operation](client)


async def test_hanging_upstream_raises_timeout_that_may_have_been_applied() -> None:
    control = SandboxControl()
    control.fail_next("customers/add", kind="hang", hang_seconds=1.0)
    sandbox = create_mews_sandbox(control=control)
    async with loopback_http(sandbox.app, timeout=0.2) as http:
        client = MewsClient(http, DEMO_CREDENTIALS)
        with pytest.raises(UpstreamTimeout) as caught:
            await client.add({"LastName": "Carbone", "OverwriteExisting": False})
    assert caught.value.sent is True and caught.value.not_applied is False
    assert_no_secret(caught.value)


async def test_dropped_connection_raises_unavailable() -> None:
    control = SandboxControl()
    control.fail_next("customers/search", kind="disconnect")
    sandbox = create_mews_sandbox(control=control)
    async with loopback_http(sandbox.app, timeout=2.0) as http:
        with pytest.raises(UpstreamUnavailable) as caught:
            await MewsClient(http, DEMO_CREDENTIALS).search(name="x")
    assert caught.value.sent is True
    assert_no_secret(caught.value)


async def test_refused_connection_raises_unavailable_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=1.0) as http:
        with pytest.raises(UpstreamUnavailable) as caught:
            await MewsClient(http, DEMO_CREDENTIALS).get_by_ids([str(uuid.uuid4())])
    assert caught.value.sent is False and caught.value.not_applied is True
    assert_no_secret(caught.value)


async def test_a_failing_chunk_fails_the_whole_lookup() -> None:
    control = SandboxControl()
    control.fail_next("customers/getAll", status=503)
    sandbox = create_mews_sandbox(make_customers(3), control=control)
    async with mews_client(sandbox) as client:
        with pytest.raises(UpstreamError):
            await client.get_by_ids([str(uuid.uuid4()) for _ in range(1500)])
    assert sandbox.control.calls["customers/getAll"] == 2
