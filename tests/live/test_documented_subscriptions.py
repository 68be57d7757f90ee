"""Every subscription example of README.md and docs/*.md runs as written: subscribed over
WebSocket to a demo gateway, it answers the change a mutation then makes, without errors."""

from __future__ import annotations

import httpx
import pytest

from gateway.sandbox.world import World
from tests.conftest import make_app, sandboxes_of
from tests.live.support import WsClient, live_server, until
from tests.test_documented_queries import SUBSCRIPTIONS, Example

UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id } } }"""


def test_the_documents_hold_subscription_examples() -> None:
    assert SUBSCRIPTIONS


@pytest.mark.parametrize("example", SUBSCRIPTIONS, ids=[e.where for e in SUBSCRIPTIONS])
async def test_the_subscription_example_answers_a_change(example: Example, world: World) -> None:
    variables = example.variables or {}
    customer_id = variables.get("id") or f"mews:{world.mews_customers[0]['Id']}"
    app = make_app(sandboxes_of(world), {"SYNC_INTERVAL_SECONDS": "0"})
    with live_server(app) as (base_url, _):
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=10) as http,
            WsClient.connect(base_url) as client,
        ):
            payload = {"query": example.text, "variables": variables}
            await client.send({"id": "doc", "type": "subscribe", "payload": payload})
            await until(lambda: app.state.upstreams.changes.subscribers == 1)
            written = await http.post(
                "/graphql",
                json={"query": UPDATE, "variables": {"input": {"id": customer_id, "notes": "x"}}},
            )
            assert "errors" not in written.json(), written.json()
            answer = await client.receive()
    assert answer["type"] == "next", f"{example.where}: {answer}"
    assert "errors" not in answer["payload"], f"{example.where}: {answer['payload']['errors']}"
    assert answer["payload"]["data"], example.where
