"""The Mews General Webhooks receiver against the sandboxes: what a message changes, what it
costs upstream, and what a wrong secret, a malformed or an oversized body change (nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World
from gateway.store.changes import Change
from tests.conftest import Gateway, gateway_with
from tests.live.support import (
    BY_EMAIL,
    CUSTOMER,
    SECRET,
    WEBHOOK,
    front_desk,
    live_gateway,
    message,
    new_email,
)


def _guest(world: World) -> dict[str, Any]:
    return next(g for g in world.mews_customers if g.get("Email") and g.get("LastName"))


async def _deliver(gateway: Gateway, body: Any) -> int:
    """POST a message and wait until the gateway has worked on what it acknowledged."""
    response = await gateway.http.post(WEBHOOK, json=body)
    await gateway.app.state.inbox.idle()
    return response.status_code


def _published(gateway: Gateway) -> list[Change]:
    """What the gateway's bus delivered to a subscriber made with `_listen`."""
    subscriber = gateway.app.state.listener
    found = []
    while not subscriber._queue.empty():
        change = subscriber._queue.get_nowait()
        if change is not None:
            found.append(change)
    return found


def _listen(gateway: Gateway) -> None:
    gateway.app.state.listener = gateway.app.state.upstreams.changes.subscribe(100)


async def test_an_edit_at_the_front_desk_is_read_right_after_its_webhook_for_one_get_all(
    sandboxes: Sandboxes, world: World
) -> None:
    guest = _guest(world)
    customer_id = f"mews:{guest['Id']}"
    async with live_gateway(sandboxes) as gateway:
        _listen(gateway)
        before = await gateway.data(CUSTOMER, {"id": customer_id})
        await front_desk(sandboxes, "customers/update", CustomerId=guest["Id"], LastName="Novak")
        cached = await gateway.data(CUSTOMER, {"id": customer_id})
        assert cached == before  # the cache still serves the old name: only the webhook helps
        gateway.reset_calls()
        status = await _deliver(
            gateway, message(("CustomerUpdated", guest["Id"]), ("ResourceUpdated", guest["Id"]))
        )
        assert gateway.calls() == {"mews:customers/getAll": 1}
        gateway.reset_calls()
        after = await gateway.data(CUSTOMER, {"id": customer_id})
    assert status == 202
    assert after["customer"]["mews"]["lastName"] == "Novak"
    assert gateway.calls() == {}  # the webhook's read primed the cache
    [change] = _published(gateway)
    assert (change.id, change.kind, change.source) == (customer_id, "UPDATED", "MEWS")


async def test_a_guest_added_at_the_front_desk_is_found_by_email_right_after_its_webhook(
    sandboxes: Sandboxes,
) -> None:
    email = new_email()
    async with live_gateway(sandboxes) as gateway:
        _listen(gateway)
        state = await gateway.app.state.sync.run_once()
        assert state is not None and state.complete
        added = await front_desk(
            sandboxes, "customers/add", LastName="Ruiz", Email=email, OverwriteExisting=False
        )
        missing = await gateway.data(BY_EMAIL, {"email": email})
        assert missing["customers"]["edges"] == []
        gateway.reset_calls()
        # A new guest brings both events, in one message.
        status = await _deliver(
            gateway, message(("CustomerAdded", added["Id"]), ("CustomerUpdated", added["Id"]))
        )
        assert gateway.calls() == {"mews:customers/getAll": 1}
        found = await gateway.data(BY_EMAIL, {"email": email})
    assert status == 202
    assert [e["node"] for e in found["customers"]["edges"]] == [
        {"id": f"mews:{added['Id']}", "email": email}
    ]
    [change] = _published(gateway)
    assert (change.id, change.kind) == (f"mews:{added['Id']}", "ADDED")


async def test_a_repeated_message_is_harmless(sandboxes: Sandboxes, world: World) -> None:
    guest = _guest(world)
    async with live_gateway(sandboxes) as gateway:
        await front_desk(sandboxes, "customers/update", CustomerId=guest["Id"], LastName="Berg")
        body = message(("CustomerUpdated", guest["Id"]))
        assert [await _deliver(gateway, body), await _deliver(gateway, body)] == [202, 202]
        after = await gateway.data(CUSTOMER, {"id": f"mews:{guest['Id']}"})
    assert after["customer"]["mews"]["lastName"] == "Berg"


async def test_events_of_other_entities_are_acknowledged_and_cost_nothing(
    sandboxes: Sandboxes, world: World
) -> None:
    async with live_gateway(sandboxes) as gateway:
        _listen(gateway)
        gateway.reset_calls()
        other = message(
            ("ServiceOrderUpdated", world.mews_customers[0]["Id"]), ("PaymentUpdated", "p")
        )
        status = await _deliver(gateway, other)
    assert status == 202
    assert gateway.calls() == {}
    assert _published(gateway) == []


async def test_a_wrong_secret_is_answered_as_a_path_that_does_not_exist_and_changes_nothing(
    sandboxes: Sandboxes, world: World
) -> None:
    guest = _guest(world)
    body = message(("CustomerUpdated", guest["Id"]))
    async with live_gateway(sandboxes) as gateway:
        _listen(gateway)
        gateway.reset_calls()
        unknown = await gateway.http.post("/no/such/path", json=body)
        answers = [
            await gateway.http.post(f"/webhooks/mews/{secret}", json=body)
            for secret in (SECRET[:-1] + "X", SECRET[:8], SECRET + "0", "")
        ]
        await gateway.app.state.inbox.idle()
    assert [(a.status_code, a.text) for a in answers[:3]] == [(404, unknown.text)] * 3
    assert answers[3].status_code == 404
    assert gateway.calls() == {}
    assert _published(gateway) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"EnterpriseId": "e", "IntegrationId": "i"}',
        b'{"EnterpriseId": "e", "IntegrationId": "i", "Events": [{"Discriminator": 1}]}',
        b'{"EnterpriseId": "e", "IntegrationId": "i", "Events": '
        b'[{"Discriminator": "CustomerAdded", "Value": {}}]}',
        b'{"IntegrationId": "i", "Events": []}',
    ],
)
async def test_a_malformed_body_is_400_and_changes_nothing(
    sandboxes: Sandboxes, body: bytes
) -> None:
    async with live_gateway(sandboxes) as gateway:
        _listen(gateway)
        gateway.reset_calls()
        response = await gateway.http.post(
            WEBHOOK, content=body, headers={"content-type": "application/json"}
        )
        await gateway.app.state.inbox.idle()
    assert response.status_code == 400
    assert "not a Mews General Webhooks message" in response.json()["errors"][0]["message"]
    assert gateway.calls() == {}
    assert _published(gateway) == []


async def test_a_body_over_the_limit_is_413_and_changes_nothing(
    sandboxes: Sandboxes, world: World
) -> None:
    ids = [g["Id"] for g in world.mews_customers[:20]]
    body = message(*(("CustomerUpdated", i) for i in ids))
    async with live_gateway(sandboxes, {"GATEWAY_MAX_WEBHOOK_BYTES": "500"}) as gateway:
        _listen(gateway)
        gateway.reset_calls()
        response = await gateway.http.post(WEBHOOK, json=body)
        await gateway.app.state.inbox.idle()
    assert response.status_code == 413
    assert gateway.calls() == {}
    assert _published(gateway) == []


async def test_without_a_secret_there_is_no_receiver(sandboxes: Sandboxes, world: World) -> None:
    async with gateway_with(sandboxes) as gateway:
        response = await gateway.http.post(
            f"/webhooks/mews/{SECRET}", json=message(("CustomerUpdated", _guest(world)["Id"]))
        )
    assert response.status_code == 404
