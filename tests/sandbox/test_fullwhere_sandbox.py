"""The Fullwhere sandbox answers like the documented NestJS service, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from gateway.sandbox.control import InjectedDisconnect
from gateway.sandbox.fullwhere import FullwhereSandbox, create_fullwhere_sandbox
from tests.support.fullwhere_data import (
    ALICE,
    API_KEY,
    API_SECRET,
    BRUNO,
    CHLOE,
    customers,
    fullwhere_http,
    fullwhere_sandbox,
)
from tests.support.loopback import loopback_http

AUTH = {"X-API-KEY": API_KEY, "X-API-SECRET": API_SECRET}
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
# The 33 top-level fields of the documented customer, in documented order.
DOCUMENTED_CUSTOMER_KEYS = [
    "id", "createdAt", "updatedAt", "description", "company", "firstName", "lastName",
    "displayName", "language", "phoneNumber", "email", "emailBounced", "civility", "tags",
    "emailOptin", "smsOptin", "zenchefId", "ubereatsId", "deliverooId", "zeltyId",
    "sevenroomsId", "metaId", "mewsId", "oracleId", "partoucheId", "comoId", "theForkId",
    "type", "feedbackCount", "purchaseCount", "averageFeedbackRating", "dataSources", "metadata",
]  # fmt: skip


@pytest.fixture
def sandbox() -> FullwhereSandbox:
    return fullwhere_sandbox()


@pytest.fixture
async def http(sandbox: FullwhereSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with fullwhere_http(sandbox) as client:
        yield client


async def post(http: httpx.AsyncClient, path: str, body: Any) -> httpx.Response:
    return await http.post(path, json=body, headers=AUTH)


def bad_request(*messages: str) -> dict[str, Any]:
    return {"statusCode": 400, "message": list(messages), "error": "Bad Request"}


# --- routes, request ids, auth ----------------------------------------------------------------


async def test_unknown_path_is_a_nest_404(http: httpx.AsyncClient) -> None:
    response = await http.post("/partners/customers", json={}, headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "message": "Cannot POST /partners/customers",
        "error": "Not Found",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/partners/customer"),
        ("PUT", "/partners/customer"),
        ("GET", "/partners/customer/list"),
        ("GET", "/partners/customer/batch"),
        ("POST", "/partners/customer/"),
    ],
)
async def test_wrong_method_or_trailing_slash_is_a_nest_404(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox, method: str, path: str
) -> None:
    response = await http.request(method, path, headers=AUTH)
    assert response.status_code == 404
    assert response.json()["message"] == f"Cannot {method} {path}"
    assert sandbox.control.total_calls == 0


async def test_every_response_carries_a_distinct_request_id(http: httpx.AsyncClient) -> None:
    responses = [
        await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=AUTH),
        await http.get("/partners/customer", params={"id": ALICE["id"]}),
        await http.get("/nowhere"),
        await post(http, "/partners/customer", {"email": "nope"}),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 400]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-KEY": API_KEY},
        {"X-API-SECRET": API_SECRET},
        {"X-API-KEY": API_KEY, "X-API-SECRET": "sk_test_wrong"},
        {"X-API-KEY": "pk_test_wrong", "X-API-SECRET": API_SECRET},
    ],
)
async def test_missing_or_wrong_credentials_are_refused_and_counted(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox, headers: dict[str, str]
) -> None:
    response = await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"statusCode": 401, "message": "Unauthorized"}
    assert sandbox.control.calls["get"] == 1


async def test_credentials_are_checked_before_validation(http: httpx.AsyncClient) -> None:
    response = await http.post("/partners/customer", json={"email": "not an email"})
    assert response.status_code == 401


# --- GET /partners/customer --------------------------------------------------------------------


async def test_get_returns_the_stored_record(http: httpx.AsyncClient) -> None:
    response = await http.get("/partners/customer", params={"id": BRUNO["id"]}, headers=AUTH)
    assert response.status_code == 200
    assert response.json() == BRUNO


async def test_get_without_id_is_a_validation_error(http: httpx.AsyncClient) -> None:
    response = await http.get("/partners/customer", headers=AUTH)
    assert response.status_code == 400
    assert response.json() == bad_request("id must be a string")


async def test_get_unknown_id_is_a_nest_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/partners/customer", params={"id": "missing-42"}, headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "message": "Customer missing-42 not found",
        "error": "Not Found",
    }


async def test_seeded_records_are_copies(sandbox: FullwhereSandbox) -> None:
    seed = customers()
    own = create_fullwhere_sandbox(seed)
    seed[0]["metadata"]["import"]["changed"] = "yes"
    assert own.customers[ALICE["id"]]["metadata"]["import"] == {}


# --- POST /partners/customer -------------------------------------------------------------------


async def test_import_creates_a_documented_customer(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox
) -> None:
    body = {
        "firstName": "Dana",
        "lastName": "Kowalski",
        "displayName": "Dana Kowalski",
        "email": "dana.kowalski@example.pl",
        "phoneNumber": "+48501234567",
        "language": "pl",
        "civility": "Ms.",
        "smsOptin": True,
        "emailOptin": False,
        "mewsId": "0d9f3c2a-6b1e-4a7d-8c5f-2e4a6b8c0d1f",
        "metadata": {"loyaltyTier": "silver", "source": "front-desk"},
    }
    response = await post(http, "/partners/customer", body)
    assert response.status_code == 201
    created = response.json()
    assert list(created) == DOCUMENTED_CUSTOMER_KEYS
    assert isinstance(created["id"], str) and created["id"]
    assert ISO_MS.fullmatch(created["createdAt"]) and created["updatedAt"] == created["createdAt"]
    assert {key: created[key] for key in body if key != "metadata"} == {
        key: value for key, value in body.items() if key != "metadata"
    }
    assert created["metadata"] == {"import": {"loyaltyTier": "silver", "source": "front-desk"}}
    assert created["tags"] == [] and created["dataSources"] == []
    assert created["type"] == "Unknown" and created["emailBounced"] is False
    assert created["feedbackCount"] == 0 and created["purchaseCount"] == 0
    assert created["description"] is None and created["theForkId"] is None
    # It is stored, last in list order, and readable by id.
    assert list(sandbox.customers)[-1] == created["id"]
    again = await http.get("/partners/customer", params={"id": created["id"]}, headers=AUTH)
    assert again.json() == created


async def test_import_accepts_an_empty_body_and_nulls(http: httpx.AsyncClient) -> None:
    assert (await post(http, "/partners/customer", {})).status_code == 201
    nulls = dict.fromkeys(["email", "language", "metadata", "smsOptin", "firstName"])
    response = await post(http, "/partners/customer", nulls)
    assert response.status_code == 201
    assert response.json()["metadata"] == {"import": {}}


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({"nickname": "Ally"}, ["property nickname should not exist"]),
        ({"email": "alice.example.com"}, ["email must be an email"]),
        ({"email": 42}, ["email must be an email"]),
        ({"firstName": 42}, ["firstName must be a string"]),
        ({"mewsId": ["a"]}, ["mewsId must be a string"]),
        ({"smsOptin": "yes"}, ["smsOptin must be a boolean value"]),
        ({"metadata": ["a"]}, ["metadata must be an object"]),
        ({"metadata": {"visits": 3}}, ["each value in metadata must be a string"]),
        (
            {"vip": True, "email": "x", "emailOptin": 1},
            [
                "property vip should not exist",
                "email must be an email",
                "emailOptin must be a boolean value",
            ],
        ),
    ],
)
async def test_import_validation_is_class_validator_like(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox, body: dict[str, Any], messages: list[str]
) -> None:
    response = await post(http, "/partners/customer", body)
    assert response.status_code == 400
    assert response.json() == bad_request(*messages)
    assert len(sandbox.customers) == 3


async def test_import_language_must_be_iso_639_1(http: httpx.AsyncClient) -> None:
    assert (await post(http, "/partners/customer", {"language": "af"})).status_code == 201
    for wrong in ["english", "EN", "fre", "xx"]:
        response = await post(http, "/partners/customer", {"language": wrong})
        assert response.status_code == 400
        [message] = response.json()["message"]
        assert message.startswith("language must be one of the following values: aa, ab, ae, af")


@pytest.mark.parametrize("content", [b"{not json", b'{"firstName": "Eve",}', b"firstName=Eve"])
async def test_a_body_that_is_not_json_is_a_400(http: httpx.AsyncClient, content: bytes) -> None:
    response = await http.post(
        "/partners/customer",
        content=content,
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert "JSON" in body["message"]


async def test_a_json_body_that_is_not_an_object_is_a_400(http: httpx.AsyncClient) -> None:
    response = await post(http, "/partners/customer", [{"firstName": "Eve"}])
    assert response.status_code == 400
    assert response.json() == bad_request("an unknown value was passed to the validate function")


async def test_a_body_over_the_limit_is_a_413(http: httpx.AsyncClient) -> None:
    large = {"description": "x" * (100 * 1024)}
    response = await post(http, "/partners/customer", large)
    assert response.status_code == 413
    assert response.json() == {
        "statusCode": 413,
        "message": "request entity too large",
        "error": "Payload Too Large",
    }


async def test_the_limit_holds_for_streamed_bodies_without_a_length() -> None:
    sandbox = create_fullwhere_sandbox(max_body_bytes=1024)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"description": "'
        for _ in range(20):
            yield b"y" * 100
        yield b'"}'

    async with fullwhere_http(sandbox) as http:
        response = await http.post(
            "/partners/customer",
            content=chunks(),
            headers={"X-API-KEY": "demo-key", "X-API-SECRET": "demo-secret"},
        )
    assert response.status_code == 413
    assert sandbox.customers == {}


# --- POST /partners/customer/list --------------------------------------------------------------


async def test_list_pages_in_insertion_order_with_paginate_meta(http: httpx.AsyncClient) -> None:
    first = await post(http, "/partners/customer/list", {"limit": 2, "page": 1})
    second = await post(http, "/partners/customer/list", {"limit": 2, "page": 2})
    assert first.status_code == second.status_code == 201
    assert [c["id"] for c in first.json()["items"]] == [ALICE["id"], BRUNO["id"]]
    assert first.json()["meta"] == {
        "itemCount": 2,
        "totalItems": 3,
        "itemsPerPage": 2,
        "totalPages": 2,
        "currentPage": 1,
    }
    assert second.json()["items"] == [CHLOE]
    assert second.json()["meta"]["itemCount"] == 1
    assert second.json()["meta"]["currentPage"] == 2


async def test_list_defaults_to_limit_10_page_1(http: httpx.AsyncClient) -> None:
    for body in [{}, {"limit": None, "page": None}]:
        response = await post(http, "/partners/customer/list", body)
        assert response.status_code == 201
        assert len(response.json()["items"]) == 3
        assert response.json()["meta"] == {
            "itemCount": 3,
            "totalItems": 3,
            "itemsPerPage": 10,
            "totalPages": 1,
            "currentPage": 1,
        }


async def test_list_page_past_the_end_is_empty(http: httpx.AsyncClient) -> None:
    response = await post(http, "/partners/customer/list", {"limit": 2, "page": 5})
    assert response.status_code == 201
    assert response.json() == {
        "items": [],
        "meta": {
            "itemCount": 0,
            "totalItems": 3,
            "itemsPerPage": 2,
            "totalPages": 2,
            "currentPage": 5,
        },
    }


async def test_list_of_an_empty_store() -> None:
    sandbox = create_fullwhere_sandbox()
    async with fullwhere_http(sandbox) as http:
        response = await http.post(
            "/partners/customer/list",
            json={},
            headers={"X-API-KEY": "demo-key", "X-API-SECRET": "demo-secret"},
        )
    assert response.json()["items"] == []
    assert response.json()["meta"]["totalPages"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"limit": 0}, "limit must not be less than 1"),
        ({"limit": 101}, "limit must not be greater than 100"),
        ({"page": 0}, "page must not be less than 1"),
        ({"limit": "10"}, "limit must be a number conforming to the specified constraints"),
        ({"page": True}, "page must be a number conforming to the specified constraints"),
        ({"limit": 2.5}, "limit must be an integer number"),
        ({"filter": {"email": "a@b.co"}}, "property filter should not exist"),
    ],
)
async def test_list_validation(http: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    response = await post(http, "/partners/customer/list", body)
    assert response.status_code == 400
    assert response.json() == bad_request(message)


async def test_list_accepts_the_bounds(http: httpx.AsyncClient) -> None:
    response = await post(http, "/partners/customer/list", {"limit": 100, "page": 1})
    assert response.json()["meta"]["itemsPerPage"] == 100
    response = await post(http, "/partners/customer/list", {"limit": 1, "page": 3})
    assert response.json()["items"] == [CHLOE]


# --- POST /partners/customer/batch -------------------------------------------------------------


async def test_batch_imports_every_item_and_answers_201_without_body(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox
) -> None:
    batch = [
        {"firstName": "Emil", "lastName": "Novak", "email": "emil.novak@example.cz"},
        {"firstName": "Fatou", "lastName": "Diallo", "metadata": {"origin": "pos"}},
    ]
    response = await post(http, "/partners/customer/batch", {"batch": batch})
    assert response.status_code == 201
    assert response.content == b""
    added = list(sandbox.customers.values())[3:]
    assert [(c["firstName"], c["lastName"]) for c in added] == [
        ("Emil", "Novak"),
        ("Fatou", "Diallo"),
    ]
    assert added[1]["metadata"] == {"import": {"origin": "pos"}}


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({}, ["batch must be an array"]),
        ({"batch": {"firstName": "Emil"}}, ["batch must be an array"]),
        ({"batch": [], "dryRun": True}, ["property dryRun should not exist"]),
        (
            {"batch": [{"firstName": "Emil"}, "Fatou"]},
            ["each value in nested property batch must be either object or array"],
        ),
        (
            {"batch": [{"firstName": "Emil"}, {"email": "fatou@", "age": 31}]},
            ["batch.1.property age should not exist", "batch.1.email must be an email"],
        ),
    ],
)
async def test_batch_validation_imports_nothing_when_any_item_is_invalid(
    http: httpx.AsyncClient,
    sandbox: FullwhereSandbox,
    body: dict[str, Any],
    messages: list[str],
) -> None:
    response = await post(http, "/partners/customer/batch", body)
    assert response.status_code == 400
    assert response.json() == bad_request(*messages)
    assert len(sandbox.customers) == 3


async def test_an_oversized_batch_is_a_413_and_imports_nothing(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox
) -> None:
    item = {"firstName": "Gaspard", "lastName": "Leroy", "description": "d" * 200}
    response = await post(http, "/partners/customer/batch", {"batch": [item] * 500})
    assert response.status_code == 413
    assert sandbox.control.calls["batch"] == 1
    assert len(sandbox.customers) == 3


# --- faults ------------------------------------------------------------------------------------


async def test_status_fault_answers_the_nest_body_and_headers_once(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox
) -> None:
    sandbox.control.fail_next("list", status=429, headers={"Retry-After": "7"})
    refused = await post(http, "/partners/customer/list", {})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "7"
    assert refused.headers["x-request-id"]
    assert refused.json() == {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    assert (await post(http, "/partners/customer/list", {})).status_code == 201
    assert sandbox.control.calls["list"] == 2


async def test_status_fault_with_a_body_answers_that_body(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox
) -> None:
    sandbox.control.fail_next("get", status=503)
    sandbox.control.fail_next("get", status=502, body=b'{"message":"upstream gateway"}')
    first = await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=AUTH)
    second = await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=AUTH)
    assert (first.status_code, first.json()) == (
        503,
        {"statusCode": 503, "message": "Service Unavailable"},
    )
    assert (second.status_code, second.json()) == (502, {"message": "upstream gateway"})


async def test_faults_apply_before_auth(http: httpx.AsyncClient, sandbox: FullwhereSandbox) -> None:
    sandbox.control.fail_next("import", status=500)
    response = await http.post("/partners/customer", json={})
    assert response.json() == {"statusCode": 500, "message": "Internal server error"}


async def test_malformed_fault_answers_a_body_that_is_not_json(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox
) -> None:
    sandbox.control.fail_next("get", kind="malformed")
    response = await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=AUTH)
    assert response.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


async def test_disconnect_fault_raises_through_the_asgi_transport(
    http: httpx.AsyncClient, sandbox: FullwhereSandbox
) -> None:
    sandbox.control.fail_next("batch", kind="disconnect")
    with pytest.raises(InjectedDisconnect):
        await post(http, "/partners/customer/batch", {"batch": []})
    assert (await post(http, "/partners/customer/batch", {"batch": []})).status_code == 201


async def test_disconnect_fault_drops_a_real_connection(sandbox: FullwhereSandbox) -> None:
    sandbox.control.fail_next("get", kind="disconnect")
    async with loopback_http(sandbox.app) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=AUTH)
        after = await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=AUTH)
    assert after.status_code == 200


async def test_hang_fault_delays_the_answer(sandbox: FullwhereSandbox) -> None:
    sandbox.control.fail_next("get", kind="hang", hang_seconds=1.0)
    async with loopback_http(sandbox.app, timeout=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/partners/customer", params={"id": ALICE["id"]}, headers=AUTH)


# --- mounting ----------------------------------------------------------------------------------


async def test_it_works_mounted_under_a_prefix(sandbox: FullwhereSandbox) -> None:
    host = Starlette(routes=[Mount("/sandbox/fullwhere", app=sandbox.app)])
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        found = await http.get(
            "/sandbox/fullwhere/partners/customer", params={"id": CHLOE["id"]}, headers=AUTH
        )
        missing = await http.get("/sandbox/fullwhere/partners/nothing", headers=AUTH)
    assert found.json() == CHLOE
    assert missing.json()["message"] == "Cannot GET /partners/nothing"
