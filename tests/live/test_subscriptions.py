"""`customerChanged` over real sockets: a graphql-transport-ws client (the `websockets`
package) and an SSE client (httpx streaming), against a gateway served on loopback with its
lifespan, over the sandboxes. Changes come in as Mews webhooks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World
from tests.conftest import make_app
from tests.live.support import (
    SECRET,
    WEBHOOK,
    WsClient,
    live_server,
    message,
    mews_body,
    until,
)
from tests.support.identity import SigningKey, claims, identity_provider, jwt_env

CHANGED = """subscription($id: ID) {
  customerChanged(id: $id) { id kind source at customer { id mews { lastName } } } }"""


@contextmanager
def served(sandboxes: Sandboxes, **env: str) -> Iterator[tuple[str, Any]]:
    app = make_app(sandboxes, {"MEWS_WEBHOOK_SECRET": SECRET, "SYNC_INTERVAL_SECONDS": "0", **env})
    with live_server(app) as (base_url, _):
        yield base_url, app


def _subscribers(app: Any) -> int:
    count: int = app.state.upstreams.changes.subscribers
    return count


async def _front_desk_then_webhook(base_url: str, guest_id: str, last_name: str) -> None:
    """An edit in Mews (the demo's mounted sandbox), then the webhook Mews would send."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        edit = await http.post(
            "/sandbox/mews/api/connector/v1/customers/update",
            json=mews_body(CustomerId=guest_id, LastName=last_name),
        )
        assert edit.status_code == 200, edit.text
        hook = await http.post(WEBHOOK, json=message(("CustomerUpdated", guest_id)))
        assert hook.status_code == 202


def _guest(world: World, index: int = 0) -> str:
    guest_id: str = [g for g in world.mews_customers if g.get("LastName")][index]["Id"]
    return guest_id


async def test_a_websocket_subscriber_gets_the_change_a_webhook_brought_with_the_new_data(
    sandboxes: Sandboxes, world: World
) -> None:
    guest, other = _guest(world, 0), _guest(world, 1)
    with served(sandboxes) as (base_url, app):
        async with WsClient.connect(base_url) as client:
            await client.subscribe("1", CHANGED, id=f"mews:{guest}")
            await until(lambda: _subscribers(app) == 1)
            await _front_desk_then_webhook(base_url, other, "Ignored")  # not this subscriber's
            await _front_desk_then_webhook(base_url, guest, "Lindqvist")
            received = await client.receive()
            await client.send({"id": "1", "type": "complete"})
            await until(lambda: _subscribers(app) == 0)
    assert received["type"] == "next" and received["id"] == "1"
    change = received["payload"]["data"]["customerChanged"]
    assert change["id"] == f"mews:{guest}"
    assert (change["kind"], change["source"]) == ("UPDATED", "MEWS")
    assert change["customer"]["mews"]["lastName"] == "Lindqvist"
    assert change["at"].endswith("Z")


async def test_an_sse_subscriber_gets_the_change_a_webhook_brought(
    sandboxes: Sandboxes, world: World
) -> None:
    guest = _guest(world)
    body = {"query": CHANGED, "variables": {}}
    with served(sandboxes) as (base_url, app):
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=10) as http,
            http.stream(
                "POST", "/graphql", json=body, headers={"accept": "text/event-stream"}
            ) as stream,
        ):
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            await until(lambda: _subscribers(app) == 1)
            await _front_desk_then_webhook(base_url, guest, "Okafor")
            event = await _next_event(stream.aiter_lines())
    assert event["event"] == "next"
    change = event["data"]["data"]["customerChanged"]
    assert change["id"] == f"mews:{guest}"
    assert change["customer"]["mews"]["lastName"] == "Okafor"


async def _next_event(lines: Any) -> dict[str, Any]:
    """The next SSE event (comments skipped), as {"event", "data"}."""
    event: dict[str, Any] = {}
    async for line in lines:
        if line.startswith("event: "):
            event["event"] = line.removeprefix("event: ")
        elif line.startswith("data:"):
            data = line.removeprefix("data:").strip()
            event["data"] = json.loads(data) if data else None
        elif not line and "event" in event:
            return event
    raise AssertionError(f"the stream ended before an event: {event}")


async def test_a_websocket_without_a_valid_key_is_closed_4403_and_with_one_acknowledged(
    sandboxes: Sandboxes,
) -> None:
    with served(sandboxes, GATEWAY_API_KEYS="key-for-live-tests-0001") as (base_url, _):
        async with WsClient.connect(base_url, ack=False) as anonymous:
            refused = await anonymous.closed()
        payload = {"Authorization": "Bearer wrong-key-for-live-tests"}
        async with WsClient.connect(base_url, payload, ack=False) as wrong:
            wrong_key = await wrong.closed()
        payload = {"Authorization": "Bearer key-for-live-tests-0001"}
        async with WsClient.connect(base_url, payload) as allowed:
            await allowed.send({"type": "ping"})
            pong = await allowed.receive()
        async with httpx.AsyncClient(base_url=base_url) as http:
            sse = await http.post(
                "/graphql", json={"query": CHANGED}, headers={"accept": "text/event-stream"}
            )
    assert refused[0] == 4403 and "authentication required" in (refused[1] or "")
    assert wrong_key[0] == 4403
    assert pong == {"type": "pong"}
    assert sse.status_code == 401
    assert sse.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_subscriptions_per_connection_and_connections_per_caller_are_capped(
    sandboxes: Sandboxes,
) -> None:
    env = {
        "GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION": "1",
        "GATEWAY_MAX_CONNECTIONS_PER_CALLER": "1",
    }
    with served(sandboxes, **env) as (base_url, app):
        async with WsClient.connect(base_url) as first:
            await first.subscribe("a", CHANGED)
            await first.subscribe("b", CHANGED)
            over = await first.receive()
            async with WsClient.connect(base_url, ack=False) as second:
                too_many = await second.closed()
            async with httpx.AsyncClient(base_url=base_url) as http:
                sse = await http.post(
                    "/graphql", json={"query": CHANGED}, headers={"accept": "text/event-stream"}
                )
            await until(lambda: _subscribers(app) == 1)
    assert over["type"] == "error" and over["id"] == "b"
    assert "at most 1 per connection" in over["payload"][0]["message"]
    assert too_many[0] == 1013 and "at most 1 per caller" in (too_many[1] or "")
    assert sse.status_code == 429


async def test_a_slow_consumer_is_dropped_with_a_clear_close_reason(
    sandboxes: Sandboxes, world: World
) -> None:
    ids = [g["Id"] for g in world.mews_customers[:6]]
    with served(sandboxes, GATEWAY_SUBSCRIPTION_BUFFER="2") as (base_url, app):
        async with WsClient.connect(base_url) as client:
            await client.subscribe("1", CHANGED)
            await until(lambda: _subscribers(app) == 1)
            # Six changes at once: more than the subscriber may keep waiting.
            async with httpx.AsyncClient(base_url=base_url) as http:
                hook = await http.post(
                    WEBHOOK, json=message(*(("CustomerUpdated", i) for i in ids))
                )
            code, reason = await client.closed()
            subscribers = _subscribers(app)
    assert hook.status_code == 202
    assert code == 1008
    assert reason is not None and reason.startswith("slow consumer")
    assert subscribers == 0


async def test_an_idle_websocket_gets_keep_alive_pings(sandboxes: Sandboxes) -> None:
    with served(sandboxes, GATEWAY_KEEPALIVE_SECONDS="1") as (base_url, _):
        async with WsClient.connect(base_url) as client:
            await client.subscribe("1", CHANGED)
            ping = await client.receive(timeout=10)
    assert ping == {"type": "ping"}


async def test_only_trusted_documents_run_when_they_are_required(
    sandboxes: Sandboxes, tmp_path: Path
) -> None:
    listed = hashlib.sha256(CHANGED.encode()).hexdigest()
    documents = tmp_path / "documents.json"
    documents.write_text(json.dumps({listed: CHANGED}))
    env = {"GATEWAY_PERSISTED_DOCUMENTS": str(documents), "GATEWAY_REQUIRE_PERSISTED": "true"}
    with served(sandboxes, **env) as (base_url, app):
        async with WsClient.connect(base_url) as client:
            other = "subscription { customerChanged { id } }"
            await client.subscribe("1", other)
            refused = await client.receive()
            payload = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": listed}}}
            await client.send({"id": "2", "type": "subscribe", "payload": payload})
            await until(lambda: _subscribers(app) == 1)
    assert refused["type"] == "error" and refused["id"] == "1"
    assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_query_over_a_websocket_is_refused_as_an_operation_error(
    sandboxes: Sandboxes,
) -> None:
    with served(sandboxes) as (base_url, _):
        async with WsClient.connect(base_url) as client:
            await client.subscribe("1", "{ customers(first: 1) { totalCount } }")
            answer = await client.receive()
    assert answer["type"] == "error" and answer["id"] == "1"


async def test_a_token_without_the_read_scope_cannot_subscribe_over_either_transport(
    sandboxes: Sandboxes,
) -> None:
    key = SigningKey.generate("ES256")
    with identity_provider([key]) as provider:
        env = jwt_env(provider)
        writer = key.sign(claims(scope="customers:write"))
        reader = key.sign(claims(scope="customers:read"))
        with served(sandboxes, **env) as (base_url, app):
            async with WsClient.connect(base_url, {"Authorization": f"Bearer {writer}"}) as ws:
                await ws.subscribe("1", CHANGED)
                refused = await ws.receive()
            async with httpx.AsyncClient(base_url=base_url) as http:
                sse = await http.post(
                    "/graphql",
                    json={"query": CHANGED},
                    headers={"accept": "text/event-stream", "authorization": f"Bearer {writer}"},
                )
            async with WsClient.connect(base_url, {"Authorization": f"Bearer {reader}"}) as ws:
                await ws.subscribe("1", CHANGED)
                await until(lambda: _subscribers(app) == 1)
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "customers:read" in refused["payload"][0]["message"]
    assert sse.status_code == 403
