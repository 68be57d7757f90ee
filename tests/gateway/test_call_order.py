"""Dependent upstream calls start as soon as what they depend on is in; independent ones run
concurrently. Proven by the order of events at the sandboxes, not by timing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import Gateway, gateway_http

Events = list[tuple[str, str, str]]


class Recorder:
    """ASGI wrapper noting when each upstream request starts and ends."""

    def __init__(self, app: Any, source: str, events: Events) -> None:
        self.app, self.source, self.events = app, source, events

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        self.events.append(("enter", self.source, path))
        try:
            await self.app(scope, receive, send)
        finally:
            self.events.append(("exit", self.source, path))


@pytest.fixture
def events() -> Events:
    return []


@pytest.fixture
async def recorded(sandboxes: Sandboxes, events: Events) -> AsyncIterator[Gateway]:
    app = create_app(
        load_settings({}, demo=True),
        sandboxes=sandboxes,
        fullwhere_transport=httpx.ASGITransport(
            app=Recorder(sandboxes.fullwhere.app, "fullwhere", events)
        ),
        mews_transport=httpx.ASGITransport(app=Recorder(sandboxes.mews.app, "mews", events)),
    )
    async with gateway_http(app) as http:
        yield Gateway(http, sandboxes, app)


def _ids(world: World, n: int) -> list[tuple[str, str]]:
    return [(fw["id"], m["Id"]) for fw, m in linked_pairs(world) if fw.get("mewsId")][:n]


async def test_the_mews_call_follows_the_fullwhere_record_directly(
    recorded: Gateway, events: Events, world: World
) -> None:
    ((fw_id, mews_id),) = _ids(world, 1)
    data = await recorded.data(
        """query($id: ID!) {
            customer(id: $id) { firstName mews { mewsId } metadata { __typename } } }""",
        {"id": f"fullwhere:{fw_id}"},
    )
    assert data["customer"]["mews"]["mewsId"] == mews_id
    assert [(kind, source) for kind, source, _ in events] == [
        ("enter", "fullwhere"),
        ("exit", "fullwhere"),
        ("enter", "mews"),
        ("exit", "mews"),
    ]


async def test_a_slow_fullwhere_read_does_not_hold_back_another_customers_mews_call(
    recorded: Gateway, events: Events, world: World
) -> None:
    (slow, _), (fast, fast_mews) = _ids(world, 2)
    # The first Fullwhere GET (the slow customer's) answers late.
    recorded.sandboxes.fullwhere.control.fail_next("get", kind="hang", hang_seconds=0.3)
    data = await recorded.data(
        """query($a: ID!, $b: ID!) {
             a: customer(id: $a) { mews { mewsId } }
             b: customer(id: $b) { mews { mewsId } } }""",
        {"a": f"fullwhere:{slow}", "b": f"fullwhere:{fast}"},
    )
    assert data["b"]["mews"]["mewsId"] == fast_mews
    fullwhere_exits = [i for i, e in enumerate(events) if e[:2] == ("exit", "fullwhere")]
    first_mews = next(i for i, e in enumerate(events) if e[:2] == ("enter", "mews"))
    assert first_mews < fullwhere_exits[-1], events


async def test_a_known_link_reads_both_upstreams_concurrently(
    recorded: Gateway, events: Events, world: World
) -> None:
    ((fw_id, mews_id),) = _ids(world, 1)
    await recorded.data(
        "query($id: ID!) { customer(id: $id) { id } }", {"id": f"fullwhere:{fw_id}"}
    )
    recorded.app.state.upstreams.cache.clear()  # keep the learned link, drop the records
    events.clear()
    # A little latency, so that overlapping requests are visible as overlapping.
    recorded.sandboxes.fullwhere.control.latency = recorded.sandboxes.mews.control.latency = 0.05
    data = await recorded.data(
        "query($id: ID!) { customer(id: $id) { id mews { mewsId } } }", {"id": f"mews:{mews_id}"}
    )
    assert data["customer"] == {"id": f"fullwhere:{fw_id}", "mews": {"mewsId": mews_id}}
    kinds = [(kind, source) for kind, source, _ in events]
    # Both requests are under way before either answers.
    assert kinds[:2] in (
        [("enter", "fullwhere"), ("enter", "mews")],
        [("enter", "mews"), ("enter", "fullwhere")],
    ), kinds
