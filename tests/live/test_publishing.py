"""Changes the gateway makes or finds are published: its own mutations (`GATEWAY`), and what
the identity sync finds changed in either upstream since its previous run."""

from __future__ import annotations

import datetime as dt

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, mews_link
from gateway.store.changes import Change, Subscriber
from tests.live.support import front_desk, live_gateway, new_email

ADD = """mutation($input: AddCustomerInput!) { addCustomer(input: $input) { customer { id } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id } } }"""


def _drained(subscriber: Subscriber) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    while not subscriber._queue.empty():
        change: Change | None = subscriber._queue.get_nowait()
        if change is not None:
            found.append((change.id, change.kind, change.source))
    return found


async def test_the_gateways_own_writes_are_published(sandboxes: Sandboxes) -> None:
    async with live_gateway(sandboxes) as gateway:
        subscriber = gateway.app.state.upstreams.changes.subscribe(100)
        added = await gateway.data(ADD, {"input": {"lastName": "Ito", "email": new_email()}})
        customer_id = added["addCustomer"]["customer"]["id"]
        await gateway.data(UPDATE, {"input": {"id": customer_id, "lastName": "Itō"}})
    assert customer_id.startswith("mews:")
    assert _drained(subscriber) == [
        (customer_id, "ADDED", "GATEWAY"),
        (customer_id, "UPDATED", "GATEWAY"),
    ]


async def test_the_sync_publishes_what_changed_elsewhere_since_its_previous_run(
    sandboxes: Sandboxes, world: World
) -> None:
    guest = next(g for g in world.mews_customers if g.get("LastName"))
    record = next(r for r in world.fullwhere_customers if not mews_link(r))
    async with live_gateway(sandboxes) as gateway:
        sync = gateway.app.state.sync
        subscriber = gateway.app.state.upstreams.changes.subscribe(100)
        first = await sync.run_once()
        assert first is not None and first.complete
        nothing_yet = _drained(subscriber)  # a first run reports nothing: all is new to it
        await front_desk(sandboxes, "customers/update", CustomerId=guest["Id"], LastName="Ueda")
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        # Changed in Fullwhere (its sandbox has no update operation: the stored record).
        sandboxes.fullwhere.customers[record["id"]]["updatedAt"] = now.isoformat()
        second = await sync.run_once()
        assert second is not None and second.complete
    assert nothing_yet == []
    assert sorted(_drained(subscriber)) == [
        (f"fullwhere:{record['id']}", "UPDATED", "FULLWHERE"),
        (f"mews:{guest['Id'].lower()}", "UPDATED", "MEWS"),
    ]
