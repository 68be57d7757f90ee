"""GraphQL over HTTP details beyond the graphql-http audit: Accept negotiation, status codes
per media type, malformed requests, operation selection and request ids."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from gateway.data.context import RequestContext
from gateway.graphql import build_schema
from gateway.http.endpoint import GraphQLEndpoint, negotiate
from gateway.http.responses import GRAPHQL_RESPONSE, JSON
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World
from tests.conftest import Gateway, gateway_http, make_app, sandboxes_of

GR_HEADERS = {"accept": GRAPHQL_RESPONSE}


@pytest.fixture(scope="module")
def shared_app(seeded_world: World) -> tuple[Any, Sandboxes]:
    """One app for the module: these tests only read, and building one per test is slow."""
    sandboxes = sandboxes_of(copy.deepcopy(seeded_world))
    return make_app(sandboxes), sandboxes


@pytest.fixture
async def gateway(shared_app: tuple[Any, Sandboxes]) -> AsyncIterator[Gateway]:
    app, sandboxes = shared_app
    async with gateway_http(app) as http:
        client = Gateway(http, sandboxes, app)
        client.reset_calls()
        yield client


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, GRAPHQL_RESPONSE),  # the spec's default since 2025-01-01
        ("", GRAPHQL_RESPONSE),
        ("*/*", JSON),  # legacy clients (curl, fetch) keep application/json
        ("application/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}; charset=utf-8, {JSON}; charset=utf-8", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE}", JSON),  # equal q: the one listed first
        (f"{JSON};q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # q-values decide
        (f"{GRAPHQL_RESPONSE}, */*;q=0.1", GRAPHQL_RESPONSE),
        (f"*/*, {JSON}", JSON),  # an exact match beats a wildcard
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),  # browsers
        (f"{JSON};q=0", None),
        (f"{JSON}; charset=utf-16", None),
        (f"{JSON}; charset=utf-16, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        ("text/plain", None),
        (f"{JSON}; q=oops", None),
    ],
)
def test_accept_negotiation_follows_q_values_specificity_and_charset(
    accept: str | None, expected: str | None
) -> None:
    assert negotiate(accept) == expected


async def test_no_accept_header_is_answered_as_graphql_response_json(gateway: Gateway) -> None:
    request = gateway.http.build_request("POST", "/graphql", json={"query": "{"})
    del request.headers["accept"]
    response = await gateway.http.send(request)
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"


async def test_unacceptable_accept_is_406_with_the_supported_types(gateway: Gateway) -> None:
    response = await gateway.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/plain"}
    )
    assert response.status_code == 406
    assert GRAPHQL_RESPONSE in response.headers["accept"]
    assert "data" not in response.json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{"}, "Syntax Error"),
        ({"query": "{ noSuchField }"}, "Cannot query field"),
        ({"query": "{ __typename }", "operationName": "Nope"}, 'Unknown operation named "Nope"'),
        ({"query": "query A { __typename } query B { __typename }"}, "Must provide operation name"),
        (
            {
                "query": "query ($n: Int!) { customers(first: $n) { totalCount } }",
                "variables": {"n": "ten"},
            },
            "Variable '$n' has invalid value",
        ),
        (
            {"query": "query ($n: Int!) { customers(first: $n) { totalCount } }"},
            "Variable '$n' has invalid value",
        ),
    ],
)
async def test_request_errors_are_400_without_data_for_graphql_response_json_and_200_for_json(
    gateway: Gateway, body: dict[str, Any], message: str
) -> None:
    strict = await gateway.http.post("/graphql", json=body, headers=GR_HEADERS)
    legacy = await gateway.http.post("/graphql", json=body, headers={"accept": JSON})

    assert strict.status_code == 400
    assert strict.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == f"{JSON}; charset=utf-8"
    for response in (strict, legacy):
        payload = response.json()
        assert "data" not in payload
        assert message in payload["errors"][0]["message"]
        assert payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.calls() == {}  # nothing was executed


async def test_field_errors_keep_data_and_200_for_graphql_response_json(
    gateway: Gateway,
) -> None:
    response = await gateway.http.post(
        "/graphql", json={"query": '{ customer(id: "nonsense") { id } }'}, headers=GR_HEADERS
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["data"] == {"customer": None}
    assert payload["errors"][0]["path"] == ["customer"]


async def test_operation_name_picks_the_operation(gateway: Gateway) -> None:
    body = {"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"}
    response = await gateway.http.post("/graphql", json=body, headers=GR_HEADERS)
    assert response.json() == {"data": {"b": "Query"}}


async def test_get_runs_queries_with_json_encoded_variables_and_extensions(
    gateway: Gateway,
) -> None:
    response = await gateway.http.get(
        "/graphql",
        params={
            "query": "query Q($n: Int!) { customers(first: $n) { edges { node { id } } } }",
            "variables": '{"n": 1}',
            "extensions": "{}",
            "operationName": "",  # the spec: empty means absent
        },
        headers=GR_HEADERS,
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["customers"]["edges"]) == 1


async def test_get_with_variables_that_are_not_json_is_400(gateway: Gateway) -> None:
    response = await gateway.http.get(
        "/graphql", params={"query": "{ __typename }", "variables": "{n: 1"}, headers=GR_HEADERS
    )
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_mutation_over_get_is_405_allowing_post(gateway: Gateway) -> None:
    for accept in (GRAPHQL_RESPONSE, JSON):
        response = await gateway.http.get(
            "/graphql", params={"query": "mutation { __typename }"}, headers={"accept": accept}
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert "data" not in response.json()


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"query": "{ __typename }"}', None, 415),
        (b'{"query": "{ __typename }"}', "text/plain", 415),
        (b"query=%7B__typename%7D", "application/x-www-form-urlencoded", 415),
        ('{"query": "{ __typename }"}'.encode("utf-16"), "application/json; charset=utf-16", 415),
        (b'{"query":', "application/json", 400),
        (b"NONSENSE", "application/json", 400),
        (b'[{"query": "{ __typename }"}]', "application/json", 400),
        (b'{"query": null}', "application/json", 400),
        (b'{"qeury": "{ __typename }"}', "application/json", 400),
        (b'{"query": "{ __typename }", "variables": "{}"}', "application/json", 400),
        (b'{"query": "{ __typename }", "variables": [7]}', "application/json", 400),
        (b'{"query": "{ __typename }", "operationName": 7}', "application/json", 400),
        (b'{"query": "{ __typename }", "extensions": "x"}', "application/json", 400),
        (b'{"query": "\xff"}', "application/json", 400),  # not UTF-8
    ],
)
async def test_malformed_requests_are_4xx_without_data(
    gateway: Gateway, content: bytes, content_type: str | None, status: int
) -> None:
    headers = {"accept": JSON}
    if content_type:
        headers["content-type"] = content_type
    response = await gateway.http.post("/graphql", content=content, headers=headers)
    assert response.status_code == status, response.text
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_utf8_charset_in_content_type_is_accepted(gateway: Gateway) -> None:
    response = await gateway.http.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"content-type": "application/json; charset=UTF-8"},
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_other_methods_are_405_and_options_lists_the_allowed_ones(
    gateway: Gateway,
) -> None:
    put = await gateway.http.put("/graphql", json={"query": "{ __typename }"})
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, POST"
    assert "data" not in put.json()
    options = await gateway.http.options("/graphql")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, POST"


async def test_request_id_is_echoed_when_sane_and_generated_otherwise(gateway: Gateway) -> None:
    given = await gateway.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "trace-42"}
    )
    assert given.headers["x-request-id"] == "trace-42"
    odd = await gateway.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "a b <script>"}
    )
    assert odd.headers["x-request-id"] not in ("", "a b <script>")
    rejected = await gateway.http.post("/graphql", content=b"{", headers={"content-type": JSON})
    assert rejected.headers["x-request-id"]


async def test_unexpected_failure_is_500_json_with_request_id_and_no_stack_trace() -> None:
    def broken_context(request: Request, request_id: str) -> RequestContext:
        raise RuntimeError("internal detail at /srv/app.py line 12")

    app = Starlette(routes=[Route("/graphql", GraphQLEndpoint(build_schema(), broken_context))])
    async with gateway_http(app) as http:
        response = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "r-1"}
        )
    assert response.status_code == 500
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "r-1"}
    assert "internal detail" not in response.text
    assert "Traceback" not in response.text
