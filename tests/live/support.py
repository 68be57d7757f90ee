"""What the live-change tests share: a webhook secret, messages in the Mews shape, and a
gateway app with its lifespan running (the inbox and the change bus start there)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.sandbox.demo import Sandboxes
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.conftest import Gateway, gateway_http, make_app
from tests.support.loopback import loopback_server

SECRET = "wh-test-secret-0123456789abcdef"
WEBHOOK = f"/webhooks/mews/{SECRET}"
ENTERPRISE = "851df8c8-90f2-4c4a-8e01-a4fc46b25178"
INTEGRATION = "c8bee838-7fb1-4f4e-8fac-ac87008b2f90"

CUSTOMER = """query($id: ID!) { customer(id: $id) { id email mews { lastName email } } }"""
BY_EMAIL = """query($email: String!) {
  customers(filter: {email: $email}, first: 5) { edges { node { id email } } } }"""


def message(*events: tuple[str, str]) -> dict[str, Any]:
    """A General Webhooks message with `(discriminator, id)` events."""
    return {
        "EnterpriseId": ENTERPRISE,
        "IntegrationId": INTEGRATION,
        "Events": [{"Discriminator": d, "Value": {"Id": i}} for d, i in events],
    }


def mews_body(**fields: Any) -> dict[str, Any]:
    """A Connector API body with the demo tokens."""
    return {
        "ClientToken": DEMO_CLIENT_TOKEN,
        "AccessToken": DEMO_ACCESS_TOKEN,
        "Client": "front desk",
        **fields,
    }


async def front_desk(sandboxes: Sandboxes, operation: str, **fields: Any) -> dict[str, Any]:
    """A change made in Mews, not through the gateway (the Connector API of the sandbox)."""
    transport = httpx.ASGITransport(app=sandboxes.mews.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mews.sandbox") as http:
        response = await http.post(f"/api/connector/v1/{operation}", json=mews_body(**fields))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def new_email() -> str:
    return f"guest-{uuid.uuid4().hex[:10]}@example.com"


@asynccontextmanager
async def live_gateway(
    sandboxes: Sandboxes, env: dict[str, str] | None = None
) -> AsyncIterator[Gateway]:
    """A demo gateway with the webhook secret, its lifespan running, without background sync."""
    app = make_app(
        sandboxes, {"MEWS_WEBHOOK_SECRET": SECRET, "SYNC_INTERVAL_SECONDS": "0", **(env or {})}
    )
    async with app.router.lifespan_context(app), gateway_http(app) as http:
        yield Gateway(http, sandboxes, app)


@contextmanager
def live_server(app: Any, *, timeout: float = 10.0) -> Iterator[tuple[str, uvicorn.Server]]:
    """Serve `app` on a loopback port with its lifespan (inbox, change bus) until the block
    ends; yields its base URL and the server."""
    with loopback_server(app, timeout=timeout, lifespan="on") as served:
        yield served


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `check()` holds (a subscription is registered, a message applied)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


class WsClient:
    """A graphql-transport-ws client over a real socket (the `websockets` package)."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, base_url: str, payload: dict[str, Any] | None = None, *, ack: bool = True
    ) -> AsyncIterator[WsClient]:
        url = base_url.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            client = cls(ws)
            await client.send({"type": "connection_init", "payload": payload or {}})
            if ack:
                assert await client.receive() == {"type": "connection_ack"}
            yield client

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def subscribe(self, operation_id: str, query: str, **variables: Any) -> None:
        payload = {"query": query, "variables": variables}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    async def closed(self, timeout: float = 10.0) -> tuple[int | None, str | None]:
        """The close code and reason, once the server closed the connection."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout)
        return self.connection.close_code, self.connection.close_reason
