"""The demo: its Mews sandbox sends General Webhooks to the gateway, as Mews would, so an
edit at the sandbox's front desk reaches a GraphiQL (here: WebSocket) subscriber."""

from __future__ import annotations

import httpx

from gateway.app import create_app
from gateway.config import load_settings
from tests.live.support import SECRET, WsClient, live_server, new_email, until

CHANGED = """subscription { customerChanged { id kind source customer { mews { lastName } } } }"""


async def test_a_front_desk_edit_in_the_demo_reaches_a_subscriber_through_a_webhook() -> None:
    settings = load_settings(
        {"MEWS_WEBHOOK_SECRET": SECRET, "SYNC_INTERVAL_SECONDS": "0"}, demo=True
    )
    app = create_app(settings)
    guest = next(iter(app.state.sandboxes.mews.customers))
    sender = app.state.webhook_sender
    with live_server(app) as (base_url, _):
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=10) as http,
            WsClient.connect(base_url) as client,
        ):
            await client.subscribe("1", CHANGED)
            await until(lambda: app.state.upstreams.changes.subscribers == 1)
            edit = await http.post(
                f"/sandbox/mews/front-desk/customers/{guest}", json={"LastName": "Vasquez"}
            )
            edited = await client.receive()
            added = await http.post(
                "/sandbox/mews/front-desk/customers",
                json={"LastName": "Nwosu", "Email": new_email()},
            )
            new = await client.receive()
            refused = await http.post(
                f"/sandbox/mews/front-desk/customers/{guest}", json={"Email": "not-an-email"}
            )
    assert edit.status_code == 200 and added.status_code == 200
    change = edited["payload"]["data"]["customerChanged"]
    assert (change["id"], change["kind"], change["source"]) == (f"mews:{guest}", "UPDATED", "MEWS")
    assert change["customer"]["mews"]["lastName"] == "Vasquez"
    new_change = new["payload"]["data"]["customerChanged"]
    assert (new_change["id"], new_change["kind"]) == (f"mews:{added.json()['Id']}", "ADDED")
    # A new guest's message carries both events, as Mews sends them.
    assert sender.delivered[-1]["Events"] == [
        {"Discriminator": "CustomerAdded", "Value": {"Id": added.json()["Id"]}},
        {"Discriminator": "CustomerUpdated", "Value": {"Id": added.json()["Id"]}},
    ]
    assert refused.status_code == 400
