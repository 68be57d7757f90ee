"""Hostile-input limits: each refusal is a BAD_USER_INPUT error naming the limit and its
value, made before anything is sent upstream; bodies over the limit are 413 unread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_http, make_app

GatewayFactory = Callable[[dict[str, str]], Awaitable[Gateway]]

DEEP_5 = "query Deep { customers(first: 1) { edges { node { fullwhere { id } } } } }"


@pytest.fixture
async def configured(sandboxes: Sandboxes) -> AsyncIterator[GatewayFactory]:
    """A demo gateway with the given environment."""
    clients: list[httpx.AsyncClient] = []

    async def build(env: dict[str, str]) -> Gateway:
        app = make_app(sandboxes, env)
        http = gateway_http(app)
        clients.append(http)
        return Gateway(http, sandboxes, app)

    yield build
    for client in clients:
        await client.aclose()


def refusals(result: dict[str, Any]) -> list[str]:
    """Messages of a request refused before execution (all BAD_USER_INPUT, no data)."""
    assert "data" not in result or result["data"] is None, result
    assert {e["extensions"]["code"] for e in result["errors"]} == {"BAD_USER_INPUT"}
    return [e["message"] for e in result["errors"]]


async def test_fifty_aliased_customers_fit_the_default_limits(gateway: Gateway) -> None:
    page = await gateway.data("{ customers(first: 50) { edges { node { fullwhereId } } } }")
    ids = [edge["node"]["fullwhereId"] for edge in page["customers"]["edges"]]
    fields = "\n".join(
        f'c{i}: customer(id: "fullwhere:{id_}") {{ ...C }}' for i, id_ in enumerate(ids)
    )
    query = f"""query FiftyCustomers {{ {fields} }}
    fragment C on Customer {{
      id fullwhereId mewsId link {{ method }} firstName lastName email phone language company
      fullwhere {{ id createdAt email phoneNumber language emailOptin smsOptin dataSources }}
      mews {{ id number firstName lastName email phone classifications options isActive }}
    }}"""
    data = await gateway.data(query)
    assert len(data) == 50 and all(customer is not None for customer in data.values())


async def test_graphiql_introspection_fits_the_default_limits(gateway: Gateway) -> None:
    data = await gateway.data(get_introspection_query(descriptions=True))
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_too_deep_a_query_is_refused(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_MAX_QUERY_DEPTH": "4"})
    assert refusals(await gateway.post(DEEP_5)) == [
        "operation 'Deep': query depth 5 exceeds the limit of 4"
    ]
    assert gateway.calls() == {}
    assert "errors" not in await gateway.post(DEEP_5.replace("fullwhere { id }", "id"))


async def test_depth_counts_through_fragments(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_MAX_QUERY_DEPTH": "4"})
    query = """{ customers(first: 1) { ...E } }
      fragment E on CustomerConnection {
        edges { node { ... on Customer { fullwhere { id } } } }
      }"""
    assert refusals(await gateway.post(query)) == ["query depth 5 exceeds the limit of 4"]


async def test_too_many_aliases_are_refused(gateway: Gateway) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"
    messages = refusals(await gateway.post(query))
    assert "101 aliases exceed the limit of 100" in messages


async def test_aliases_count_through_fragments(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_MAX_ALIASES": "3"})
    query = "{ ...F x: __typename ...F } fragment F on Query { a: __typename b: __typename }"
    assert refusals(await gateway.post(query)) == ["5 aliases exceed the limit of 3"]


async def test_too_many_root_fields_are_refused(gateway: Gateway) -> None:
    query = "{ " + " ".join("__typename" for _ in range(61)) + " }"
    assert refusals(await gateway.post(query)) == ["61 root fields exceed the limit of 60"]


async def test_too_many_tokens_are_refused(gateway: Gateway) -> None:
    query = "{ " + " ".join("__typename" for _ in range(5001)) + " }"
    [message] = refusals(await gateway.post(query))
    assert "more than 5000 tokens" in message


async def test_a_fragment_bomb_is_refused_without_expanding_it(gateway: Gateway) -> None:
    # 2^40 aliases once expanded: measured fragment by fragment, not spread by spread.
    fragments = "".join(
        f"fragment F{i} on Query {{ a{i}: __typename ...F{i + 1} ...F{i + 1} }}\n"
        for i in range(40)
    )
    query = "{ ...F0 }\n" + fragments + "fragment F40 on Query { __typename }"
    messages = refusals(await gateway.post(query))
    assert f"{2**40 - 1} aliases exceed the limit of 100" in messages


async def test_unknown_fragments_are_an_ordinary_validation_error(gateway: Gateway) -> None:
    assert refusals(await gateway.post("{ ...Nowhere }")) == ["Unknown fragment 'Nowhere'."]


async def test_introspection_can_be_switched_off(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_INTROSPECTION": "false"})
    [first, *_] = refusals(await gateway.post("{ __schema { queryType { name } } }"))
    assert "introspection has been disabled" in first
    assert await gateway.data("{ __typename }") == {"__typename": "Query"}


async def test_introspection_is_on_by_default(gateway: Gateway) -> None:
    data = await gateway.data("{ __schema { queryType { name } } }")
    assert data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_a_declared_body_over_the_limit_is_413_unread(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_MAX_BODY_BYTES": "1000"})
    body = b'{"query": "{ __typename }", "variables": {"pad": "' + b"x" * 2000 + b'"}}'
    response = await gateway.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == (
        f"the request body of {len(body)} bytes exceeds the limit of 1000 bytes"
    )
    assert response.headers["x-request-id"]


async def test_a_streamed_body_over_the_limit_is_413(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_MAX_BODY_BYTES": "1000"})

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(10):
            yield b"x" * 200
        yield b'"}}'

    response = await gateway.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == (
        "the request body exceeds the limit of 1000 bytes"
    )


async def test_a_body_within_the_limit_runs(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_MAX_BODY_BYTES": "1000"})
    response = await gateway.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200


async def test_multipart_bodies_may_add_the_upload_limit(configured: GatewayFactory) -> None:
    gateway = await configured({"GATEWAY_MAX_BODY_BYTES": "1000", "MAX_UPLOAD_BYTES": "5000"})
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    within = await gateway.http.post("/graphql", content=b"x" * 3000, headers=headers)
    over = await gateway.http.post("/graphql", content=b"x" * 7000, headers=headers)
    assert within.status_code != 413  # past the body limit; the multipart parser judges it
    assert over.status_code == 413
    assert "exceeds the limit of 6000 bytes" in over.json()["errors"][0]["message"]


async def test_multipart_bodies_meet_the_body_limit_alone(configured: GatewayFactory) -> None:
    # 1.5 MB: under GATEWAY_MAX_BODY_BYTES + MAX_UPLOAD_BYTES, so no 413 from anywhere (the
    # multipart parser once had a limit of its own, the upload limit plus 1 MiB).
    gateway = await configured({"GATEWAY_MAX_BODY_BYTES": "2000000", "MAX_UPLOAD_BYTES": "64"})
    boundary = "xyz"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="operations"\r\n\r\n'
        '{"query": "{ __typename }", "variables": {"pad": "' + "x" * 1_500_000 + '"}}\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="map"\r\n\r\n'
        "{}\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = await gateway.http.post(
        "/graphql",
        content=body,
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            "graphql-require-preflight": "1",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


IMPORT = """mutation Import($input: [ImportCustomerInput!]!) {
  importCustomers(input: $input) { importedCount }
}"""


async def test_a_batch_over_the_limit_is_refused_before_anything_is_sent(
    configured: GatewayFactory,
) -> None:
    gateway = await configured({"GATEWAY_MAX_BATCH_ITEMS": "2"})
    people = [
        {"firstName": f"P{i}", "lastName": "Batch", "email": f"p{i}@example.com"} for i in range(3)
    ]
    result = await gateway.post(IMPORT, {"input": people})
    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "input: 3 customers exceed the limit of 2 per call"
    assert gateway.calls() == {}
    accepted = await gateway.data(IMPORT, {"input": people[:2]})
    assert accepted["importCustomers"]["importedCount"] == 2
