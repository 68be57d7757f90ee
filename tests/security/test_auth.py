"""Client API keys: `Authorization: Bearer <key>` against `GATEWAY_API_KEYS`."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from gateway.http import auth
from gateway.sandbox.demo import Sandboxes
from tests.conftest import gateway_http, make_app

API_KEYS = ("gw-test-key-7c1d2e9a0b4f4e21", "gw-test-key-2nd-5b8e3f6a9d0c1e77")
QUERY = {"query": "{ customers(first: 1) { totalCount } }"}
CHALLENGE = 'Bearer realm="customer-gateway"'


@pytest.fixture
async def http(sandboxes: Sandboxes) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(sandboxes, {"GATEWAY_API_KEYS": " , ".join(API_KEYS)})
    async with gateway_http(app) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def assert_unauthenticated(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith(CHALLENGE)
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert "data" not in body
    return body


async def test_a_request_without_a_key_is_401_with_a_bearer_challenge(
    http: httpx.AsyncClient,
) -> None:
    body = assert_unauthenticated(await http.post("/graphql", json=QUERY))
    assert "Authorization: Bearer" in body["errors"][0]["message"]


async def test_a_wrong_key_is_401_invalid_token(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json=QUERY, headers=bearer("gw-test-key-wrong"))
    body = assert_unauthenticated(response)
    assert response.headers["www-authenticate"] == (
        f'{CHALLENGE}, error="invalid_token", error_description="invalid API key"'
    )
    assert body["errors"][0]["message"] == "invalid API key"


@pytest.mark.parametrize(
    "authorization",
    [
        f"Basic {API_KEYS[0]}",  # right key, wrong scheme
        f"Bearer {API_KEYS[0][:-1]}",  # a prefix of a key
        f"Bearer {API_KEYS[0]}x",  # a key plus more
        "Bearer ",
        "Bearer é-not-ascii",
    ],
)
async def test_near_misses_are_refused(http: httpx.AsyncClient, authorization: str) -> None:
    response = await http.post(
        "/graphql", json=QUERY, headers={b"authorization": authorization.encode()}
    )
    assert_unauthenticated(response)


@pytest.mark.parametrize("key", API_KEYS)
async def test_each_configured_key_is_accepted(http: httpx.AsyncClient, key: str) -> None:
    response = await http.post("/graphql", json=QUERY, headers=bearer(key))
    assert response.status_code == 200
    assert response.json()["data"]["customers"]["totalCount"] > 0


async def test_the_scheme_is_case_insensitive(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json=QUERY, headers={"authorization": f"bearer {API_KEYS[1]}"}
    )
    assert response.status_code == 200


async def test_keys_are_compared_in_constant_time_against_every_key(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    compare_digest = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(auth, "hmac", SimpleNamespace(compare_digest=spy))
    response = await http.post("/graphql", json=QUERY, headers=bearer(API_KEYS[0]))
    assert response.status_code == 200
    # The first key matched, and the second was still compared: no early exit.
    assert compared == [(API_KEYS[0].encode(), key.encode()) for key in API_KEYS]


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/healthz", {}),
        ("GET", "/readyz", {}),
        ("GET", "/graphql", {"accept": "text/html"}),
        ("GET", "/graphiql/static/graphiql-init.js", {}),
        (
            "POST",
            "/sandbox/fullwhere/partners/customer/list?page=1&limit=1",
            {"x-api-key": "demo-key", "x-api-secret": "demo-secret"},
        ),
    ],
)
async def test_open_paths_need_no_key(
    http: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = await http.request(method, path, headers=headers)
    assert response.status_code in (200, 201), response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/graphql?query=%7B__typename%7D",
        # The endpoint decodes the parameter name: this is `query` too, and must not pass
        # for the GraphiQL page.
        "/graphql?%71uery=%7B__typename%7D",
    ],
)
async def test_a_get_query_needs_a_key_even_when_html_is_accepted(
    http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(path, headers={"accept": "text/html, application/json"})
    assert_unauthenticated(response)


async def test_a_refused_request_is_not_executed(
    http: httpx.AsyncClient, sandboxes: Sandboxes
) -> None:
    sandboxes.fullwhere.control.reset_calls()
    sandboxes.mews.control.reset_calls()
    await http.post("/graphql", json=QUERY)
    assert not any(sandboxes.fullwhere.control.calls.values())
    assert not any(sandboxes.mews.control.calls.values())


async def test_without_keys_the_demo_gateway_is_anonymous(gateway: Any) -> None:
    response = await gateway.http.post("/graphql", json=QUERY)
    assert response.status_code == 200
    assert "www-authenticate" not in response.headers
