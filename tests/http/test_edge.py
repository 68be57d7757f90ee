"""The answers the middleware writes itself (401, 413) pass through the middleware outside it:
each carries the request id, the CORS headers and the demo mark, and has the GraphQL error
shape; a request without a credential is refused before its body is judged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.sandbox.demo import Sandboxes
from tests.conftest import gateway_http, make_app

APP = "https://app.example.com"
KEY = "gw-edge-test-key-7d3c1a9e"
LIMIT = 1000
BIG = b'{"query": "{ __typename }", "pad": "' + b"x" * 2 * LIMIT + b'"}'
JSON = {"content-type": "application/json", "origin": APP}


@pytest.fixture
async def http(sandboxes: Sandboxes) -> AsyncIterator[httpx.AsyncClient]:
    env = {
        "GATEWAY_CORS_ORIGINS": APP,
        "GATEWAY_API_KEYS": KEY,
        "GATEWAY_MAX_BODY_BYTES": str(LIMIT),
    }
    async with gateway_http(make_app(sandboxes, env)) as client:
        yield client


def assert_edge_error(response: httpx.Response, status: int, code: str) -> str:
    """The refusal's message, after checking what every refusal at the edge carries."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-request-id"] == "edge-1"
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["x-gateway-mode"] == "demo"
    body = response.json()
    assert list(body) == ["errors"]
    [error] = body["errors"]
    assert error["extensions"] == {"code": code}
    message: str = error["message"]
    return message


async def test_a_401_carries_the_request_id_cors_and_demo_mark(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={**JSON, "x-request-id": "edge-1"}
    )
    message = assert_edge_error(response, 401, "UNAUTHENTICATED")
    assert "Authorization: Bearer" in message
    assert response.headers["www-authenticate"].startswith('Bearer realm="')
    assert response.headers["cache-control"] == "no-store"


async def test_a_413_carries_the_request_id_cors_and_demo_mark(http: httpx.AsyncClient) -> None:
    headers = {**JSON, "x-request-id": "edge-1", "authorization": f"Bearer {KEY}"}
    response = await http.post("/graphql", content=BIG, headers=headers)
    message = assert_edge_error(response, 413, "BAD_USER_INPUT")
    assert message == f"the request body of {len(BIG)} bytes exceeds the limit of {LIMIT} bytes"
    assert response.headers["connection"] == "close"


async def test_a_request_without_a_credential_is_refused_before_its_size(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/graphql", content=BIG, headers={**JSON, "x-request-id": "edge-1"})
    assert_edge_error(response, 401, "UNAUTHENTICATED")


async def test_a_405_from_the_endpoint_has_the_same_shape(http: httpx.AsyncClient) -> None:
    headers = {**JSON, "x-request-id": "edge-1", "authorization": f"Bearer {KEY}"}
    response = await http.put("/graphql", content=b"{}", headers=headers)
    assert assert_edge_error(response, 405, "BAD_USER_INPUT") == "use GET or POST, not PUT"
    assert response.headers["allow"] == "GET, POST"
