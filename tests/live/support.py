"""What the live-change tests share: a webhook secret, messages in the Mews shape, and a
gateway app with its lifespan running (the inbox and the change bus start there)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from gateway.sandbox.demo import Sandboxes
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.conftest import Gateway, gateway_http, make_app

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
