"""A graceful shutdown answers every request: the grace covers the request deadline, and a
request the server still ends gets a GraphQL error with its code, its request id and, for a
write that may have reached the upstream, `mayHaveBeenApplied`."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from gateway import cli
from gateway.sandbox.demo import Sandboxes
from tests.conftest import make_app
from tests.support.loopback import loopback_server

ADD = 'mutation { addCustomer(input: {lastName: "Late"}) { customer { id } } }'
READ = "{ customers(first: 1) { edges { node { id } } } }"


def test_the_shutdown_grace_covers_the_request_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    options: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda **kw: options.update(kw))
    for deadline in ("20", "45"):
        monkeypatch.setenv("REQUEST_DEADLINE_SECONDS", deadline)
        with pytest.raises(SystemExit):
            cli.main(["serve", "--demo", "--port", "1"])
        assert options["timeout_graceful_shutdown"] > float(deadline)


async def _ended_by_shutdown(sandboxes: Sandboxes, query: str) -> httpx.Response:
    """`query` sent to a gateway whose graceful shutdown (1 s) starts while the request waits
    on an upstream that takes 5 s, with no request deadline to end it first."""
    sandboxes.mews.control.latency = sandboxes.fullwhere.control.latency = 5.0
    app = make_app(sandboxes, {"REQUEST_DEADLINE_SECONDS": "0"})
    with loopback_server(app, grace=1) as (base_url, server):
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            pending = asyncio.create_task(
                http.post("/graphql", json={"query": query}, headers={"x-request-id": "bye-1"})
            )
            while not (
                sandboxes.mews.control.total_calls or sandboxes.fullwhere.control.total_calls
            ):
                await asyncio.sleep(0.02)
            server.should_exit = True
            return await pending


@pytest.mark.parametrize(("query", "write"), [(ADD, True), (READ, False)])
async def test_a_request_ended_by_shutdown_gets_a_graphql_error(
    sandboxes: Sandboxes, query: str, write: bool
) -> None:
    response = await _ended_by_shutdown(sandboxes, query)
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.headers["x-request-id"] == "bye-1"
    (error,) = response.json()["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert extensions["requestId"] == "bye-1"
    assert "shut" in error["message"]
    if write:
        assert extensions["mayHaveBeenApplied"] is True
        assert "check before retrying" in error["message"]
    else:
        assert "mayHaveBeenApplied" not in extensions
