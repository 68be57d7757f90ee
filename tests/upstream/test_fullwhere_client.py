"""The Fullwhere client against the Fullwhere sandbox, over real HTTP."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.sandbox.fullwhere import FullwhereSandbox, create_fullwhere_sandbox
from gateway.upstream.errors import (
    UpstreamBadRequest,
    UpstreamError,
    UpstreamInvalidResponse,
    UpstreamNotFound,
    UpstreamPayloadTooLarge,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from gateway.upstream.fullwhere import FullwhereClient, FullwhereCredentials
from gateway.upstream.fullwhere_types import FullwhereImportBody
from tests.support.fullwhere_data import (
    ALICE,
    API_KEY,
    API_SECRET,
    BRUNO,
    CHLOE,
    fullwhere_http,
    fullwhere_sandbox,
)
from tests.support.loopback import loopback_http

CREDENTIALS = FullwhereCredentials(API_KEY, API_SECRET)
REQUEST_ID = re.compile(r"fw-req-\d{6}")


@pytest.fixture
def sandbox() -> FullwhereSandbox:
    return fullwhere_sandbox()


@pytest.fixture
async def http(sandbox: FullwhereSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with fullwhere_http(sandbox) as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient) -> FullwhereClient:
    return FullwhereClient(http, CREDENTIALS)


def assert_no_secrets(error: UpstreamError, *secrets: str) -> None:
    for secret in secrets or (API_KEY, API_SECRET):
        assert secret not in str(error)
        assert secret not in repr(error)
        assert secret not in str(error.args)


# --- success paths -----------------------------------------------------------------------------


async def test_get_customer_returns_the_record_as_sent(client: FullwhereClient) -> None:
    assert await client.get_customer(ALICE["id"]) == ALICE


async def test_unknown_fields_and_enum_values_are_kept() -> None:
    odd = {
        **CHLOE,
        "type": "Prospect",
        "dataSources": ["Google", "Lightspeed"],
        "loyaltyScore": 87,
        "metadata": {"lightspeed": {"accountId": 991}, "import": {}},
    }
    sandbox = create_fullwhere_sandbox([odd], api_key=API_KEY, api_secret=API_SECRET)
    async with fullwhere_http(sandbox) as http:
        assert await FullwhereClient(http, CREDENTIALS).get_customer(CHLOE["id"]) == odd


async def test_import_customer_returns_the_created_customer(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    body: FullwhereImportBody = {
        "firstName": "Hugo",
        "lastName": "Petit",
        "displayName": "Hugo Petit",
        "email": "hugo.petit@example.fr",
        "phoneNumber": "+33798765432",
        "language": "fr",
        "smsOptin": False,
        "emailOptin": True,
        "mewsId": "5e7a9c1b-3d5f-4a7c-9e1b-3d5f7a9c1b3d",
        "metadata": {"room": "412"},
    }
    created = await client.import_customer(body)
    assert created["firstName"] == "Hugo" and created["mewsId"] == body["mewsId"]
    assert created["metadata"] == {"import": {"room": "412"}}
    assert sandbox.customers[created["id"]] == created
    assert await client.get_customer(created["id"]) == created


async def test_list_customers_pages_through_everything(client: FullwhereClient) -> None:
    first = await client.list_customers(page=1, limit=2)
    second = await client.list_customers(page=2, limit=2)
    past = await client.list_customers(page=3, limit=2)
    assert first["items"] == [ALICE, BRUNO]
    assert second["items"] == [CHLOE]
    assert past["items"] == []
    assert first["meta"] == {
        "itemCount": 2,
        "totalItems": 3,
        "itemsPerPage": 2,
        "totalPages": 2,
        "currentPage": 1,
    }


async def test_list_customers_defaults_to_the_first_ten(client: FullwhereClient) -> None:
    page = await client.list_customers()
    assert [c["id"] for c in page["items"]] == [ALICE["id"], BRUNO["id"], CHLOE["id"]]
    assert page["meta"]["itemsPerPage"] == 10 and page["meta"]["currentPage"] == 1


async def test_import_batch_imports_every_item(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    batch: list[FullwhereImportBody] = [
        {"firstName": "Ines", "lastName": "Garcia", "language": "es", "zeltyId": "z-1088"},
        {"firstName": "Jonas", "lastName": "Berg", "email": None, "metadata": {"club": "yes"}},
    ]
    await client.import_batch(batch)
    added = list(sandbox.customers.values())[3:]
    assert [(c["firstName"], c["zeltyId"]) for c in added] == [("Ines", "z-1088"), ("Jonas", None)]
    assert added[1]["metadata"] == {"import": {"club": "yes"}}


async def test_import_batch_accepts_any_2xx_body(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    sandbox.control.fail_next("batch", kind="malformed")  # 200 with a body that is not JSON
    await client.import_batch([{"firstName": "Kim"}])  # no UpstreamInvalidResponse
    assert sandbox.control.calls["batch"] == 1


# --- errors ------------------------------------------------------------------------------------


async def test_wrong_credentials_raise_unauthorized(http: httpx.AsyncClient) -> None:
    wrong = FullwhereCredentials("pk_test_0000wrongkey", "sk_test_1111wrongsecret")
    with pytest.raises(UpstreamUnauthorized) as caught:
        await FullwhereClient(http, wrong).get_customer(ALICE["id"])
    error = caught.value
    assert (error.source, error.status, error.message) == ("fullwhere", 401, "Unauthorized")
    assert error.request_id and REQUEST_ID.fullmatch(error.request_id)
    assert_no_secrets(error, "pk_test_0000wrongkey", "sk_test_1111wrongsecret", API_KEY, API_SECRET)


async def test_invalid_import_raises_bad_request_with_the_messages(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    with pytest.raises(UpstreamBadRequest) as caught:
        await client.import_customer({"email": "lena@", "smsOptin": "no"})  # type: ignore[typeddict-item]
    assert caught.value.message == "email must be an email; smsOptin must be a boolean value"
    assert caught.value.status == 400
    assert caught.value.request_id and REQUEST_ID.fullmatch(caught.value.request_id)
    assert len(sandbox.customers) == 3
    assert_no_secrets(caught.value)


async def test_out_of_range_page_raises_bad_request(client: FullwhereClient) -> None:
    with pytest.raises(UpstreamBadRequest) as caught:
        await client.list_customers(limit=500)
    assert caught.value.message == "limit must not be greater than 100"


async def test_invalid_batch_item_raises_bad_request_and_imports_nothing(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    with pytest.raises(UpstreamBadRequest) as caught:
        await client.import_batch([{"firstName": "Mia"}, {"language": "klingon"}])
    assert caught.value.message.startswith("batch.1.language must be one of the following values")
    assert len(sandbox.customers) == 3


async def test_unknown_id_raises_not_found_with_the_request_id() -> None:
    sandbox = create_fullwhere_sandbox(api_key=API_KEY, api_secret=API_SECRET)
    async with fullwhere_http(sandbox) as http:
        with pytest.raises(UpstreamNotFound) as caught:
            await FullwhereClient(http, CREDENTIALS).get_customer("0000-unknown")
    assert caught.value.message == "Customer 0000-unknown not found"
    assert caught.value.status == 404
    assert caught.value.request_id == "fw-req-000001"
    assert str(caught.value) == (
        "fullwhere: Customer 0000-unknown not found (request id fw-req-000001)"
    )


async def test_rate_limit_raises_with_retry_after(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    sandbox.control.fail_next("list", status=429, headers={"Retry-After": "7"})
    with pytest.raises(UpstreamRateLimited) as caught:
        await client.list_customers()
    assert caught.value.retry_after == 7
    assert caught.value.not_applied
    assert caught.value.request_id and REQUEST_ID.fullmatch(caught.value.request_id)
    assert_no_secrets(caught.value)


async def test_503_raises_unavailable(client: FullwhereClient, sandbox: FullwhereSandbox) -> None:
    sandbox.control.fail_next("import", status=503)
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.import_customer({"firstName": "Noah"})
    assert caught.value.status == 503
    assert caught.value.sent
    assert "Service Unavailable" in caught.value.message
    assert caught.value.request_id and REQUEST_ID.fullmatch(caught.value.request_id)
    assert_no_secrets(caught.value)


async def test_malformed_body_raises_invalid_response(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    sandbox.control.fail_next("get", kind="malformed")
    with pytest.raises(UpstreamInvalidResponse) as caught:
        await client.get_customer(ALICE["id"])
    assert caught.value.request_id and REQUEST_ID.fullmatch(caught.value.request_id)
    assert_no_secrets(caught.value)


@pytest.mark.parametrize(
    "body",
    [b"[]", b'{"firstName": "Alice"}', b'{"id": 17}', b"null"],
)
async def test_a_customer_without_a_string_id_is_invalid(
    client: FullwhereClient, sandbox: FullwhereSandbox, body: bytes
) -> None:
    sandbox.control.fail_next("get", status=200, body=body)
    with pytest.raises(UpstreamInvalidResponse):
        await client.get_customer(ALICE["id"])
    sandbox.control.fail_next("import", status=201, body=body)
    with pytest.raises(UpstreamInvalidResponse):
        await client.import_customer({"firstName": "Olga"})


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"items": [], "meta": null}',
        b'{"meta": {"itemCount": 0}}',
        b'{"items": {}, "meta": {}}',
        b'{"items": ["3f6c1a52"], "meta": {}}',
    ],
)
async def test_a_page_of_the_wrong_shape_is_invalid(
    client: FullwhereClient, sandbox: FullwhereSandbox, body: bytes
) -> None:
    sandbox.control.fail_next("list", status=201, body=body)
    with pytest.raises(UpstreamInvalidResponse):
        await client.list_customers()


async def test_oversized_batch_raises_payload_too_large(
    client: FullwhereClient, sandbox: FullwhereSandbox
) -> None:
    item: FullwhereImportBody = {"firstName": "Paula", "description": "p" * 300}
    with pytest.raises(UpstreamPayloadTooLarge) as caught:
        await client.import_batch([item] * 400)
    assert caught.value.status == 413
    assert caught.value.message == "request entity too large"
    assert len(sandbox.customers) == 3
    assert_no_secrets(caught.value)


async def test_a_hang_raises_timeout_after_sending(sandbox: FullwhereSandbox) -> None:
    sandbox.control.fail_next("get", kind="hang", hang_seconds=1.0)
    async with loopback_http(sandbox.app, timeout=httpx.Timeout(5.0, read=0.2)) as http:
        with pytest.raises(UpstreamTimeout) as caught:
            await FullwhereClient(http, CREDENTIALS).get_customer(ALICE["id"])
    assert caught.value.sent is True
    assert not caught.value.not_applied
    assert_no_secrets(caught.value)


async def test_a_dropped_connection_raises_unavailable_after_sending(
    sandbox: FullwhereSandbox,
) -> None:
    sandbox.control.fail_next("import", kind="disconnect")
    async with loopback_http(sandbox.app) as http:
        with pytest.raises(UpstreamUnavailable) as caught:
            await FullwhereClient(http, CREDENTIALS).import_customer({"firstName": "Quinn"})
    assert caught.value.sent is True
    assert_no_secrets(caught.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens once the socket is closed


async def test_a_refused_connection_raises_unavailable_not_sent() -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}"
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as http:
        with pytest.raises(UpstreamUnavailable) as caught:
            await FullwhereClient(http, CREDENTIALS).list_customers()
    assert caught.value.sent is False
    assert caught.value.not_applied
    assert_no_secrets(caught.value)


# --- secrets -----------------------------------------------------------------------------------


async def test_reprs_never_show_the_secret(http: httpx.AsyncClient) -> None:
    assert API_SECRET not in repr(CREDENTIALS)
    client = FullwhereClient(http, CREDENTIALS)
    assert API_SECRET not in repr(client) and API_KEY not in repr(client)
    assert repr(client) == "FullwhereClient(base_url='http://fullwhere.test')"
