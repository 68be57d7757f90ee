"""CORS for browser frontends: only the configured origins get CORS headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_http, make_app

APP = "https://app.example.com"
OTHER = "https://evil.example.net"
KEY = "gw-cors-test-key-4f1e8a2b9c"
QUERY = {"query": "{ __typename }"}


@pytest.fixture
async def http(sandboxes: Sandboxes) -> AsyncIterator[httpx.AsyncClient]:
    env = {"GATEWAY_CORS_ORIGINS": f"{APP}, http://localhost:5173", "GATEWAY_API_KEYS": KEY}
    async with gateway_http(make_app(sandboxes, env)) as client:
        yield client


def preflight(origin: str, headers: str = "authorization, content-type") -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": headers,
    }


async def test_an_allowed_origin_gets_cors_headers(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json=QUERY, headers={"origin": APP, "authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert "x-request-id" in response.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in response.headers


async def test_another_origin_gets_none(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json=QUERY, headers={"origin": OTHER, "authorization": f"Bearer {KEY}"}
    )
    assert "access-control-allow-origin" not in response.headers


async def test_a_preflight_from_an_allowed_origin_needs_no_key(http: httpx.AsyncClient) -> None:
    response = await http.options(
        "/graphql",
        headers=preflight(APP, "authorization, content-type, apollo-require-preflight"),
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert {"GET", "POST"} <= set(response.headers["access-control-allow-methods"].split(", "))
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "apollo-require-preflight"):
        assert header in allowed
    assert response.headers["access-control-max-age"] == "600"


async def test_a_preflight_from_another_origin_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=preflight(OTHER))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_a_preflight_asking_for_other_methods_is_refused(http: httpx.AsyncClient) -> None:
    headers = preflight(APP) | {"access-control-request-method": "DELETE"}
    response = await http.options("/graphql", headers=headers)
    assert response.status_code == 400


async def test_a_401_is_readable_by_the_allowed_origin(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json=QUERY, headers={"origin": APP})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == APP


async def test_without_configured_origins_there_are_no_cors_headers(gateway: Gateway) -> None:
    response = await gateway.http.post("/graphql", json=QUERY, headers={"origin": APP})
    assert not [name for name in response.headers if name.startswith("access-control-")]
    options = await gateway.http.options("/graphql", headers=preflight(APP))
    assert not [name for name in options.headers if name.startswith("access-control-")]
