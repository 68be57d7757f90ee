"""Schemathesis fuzzes every root field of the GraphQL schema against the demo gateway
(in-process): whatever it sends, no answer is a 5xx or an INTERNAL_SERVER_ERROR.

Bounded and reproducible: 10 examples per operation (100 in all), a derandomized seed, no
example database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from graphql import introspection_from_schema
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from gateway.app import create_app
from gateway.config import load_settings
from gateway.graphql import build_schema
from tests.conftest import gateway_http

EXAMPLES_PER_OPERATION = 10

# The gateway's own scalars (Date and DateTime are built into Schemathesis).
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
        st.text(max_size=20).map(nodes.String),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    ),
)
# A JSON request cannot carry a file: only multipart can. Null (or junk) must be refused.
schemathesis.graphql.scalar(
    "Upload", st.one_of(st.just(nodes.Null), st.text(max_size=10).map(nodes.String))
)

schema = schemathesis.graphql.from_dict(dict(introspection_from_schema(build_schema()._schema)))


Post = Callable[[str], httpx.Response]


@pytest.fixture(scope="module")
def post() -> Iterator[Post]:
    """POST /graphql to one in-process demo gateway, from Hypothesis's synchronous tests: on
    an event loop of the fixture's own (Starlette's TestClient would need `httpx2`)."""
    with asyncio.Runner() as runner:
        http = gateway_http(create_app(load_settings({}, demo=True)))
        headers = {"accept": "application/json"}
        try:
            yield lambda query: runner.run(
                http.post("/graphql", json={"query": query}, headers=headers)
            )
        finally:
            runner.run(http.aclose())


def server_faults(body: Any) -> list[Any]:
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    return [e for e in errors if (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_operation_makes_a_server_error(case: Any, post: Post) -> None:
    response = post(case.body)
    assert response.status_code < 500, (case.body, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert server_faults(response.json()) == [], (case.body, response.text)
