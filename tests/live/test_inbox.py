"""The webhook inbox and the change bus on a real Redis: an acknowledged message survives the
process that took it, and a change published by one bus reaches the subscribers of another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.store import RedisStore, connect
from gateway.store.changes import Change, RedisChangeBus, SlowConsumer
from gateway.store.inbox import RedisInbox
from tests.live.support import message, until
from tests.support.redis_server import RedisServer


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path) as server:
        yield server


@pytest.fixture
async def store(redis: RedisServer) -> AsyncIterator[RedisStore]:
    store = connect(redis.url, prefix="test:", timeout=2.0)
    yield store
    await store.aclose()


async def test_a_message_taken_by_a_process_that_died_is_worked_on_by_another(
    store: RedisStore,
) -> None:
    taken: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    hanging = asyncio.Event()

    async def dies_midway(received: dict[str, Any]) -> None:
        taken.append(received)
        hanging.set()
        await asyncio.Event().wait()  # the process dies here, before acknowledging

    async def works(received: dict[str, Any]) -> None:
        done.append(received)

    first = RedisInbox(store, dies_midway, block_seconds=0.2, claim_after=0.3)
    second = RedisInbox(store, works, block_seconds=0.2, claim_after=0.3)
    body = message(("CustomerUpdated", "b3ce0fd7-a715-4bfc-969e-ef7a4822963c"))
    await first.start()
    await first.put(body)
    ttl = await store.run(lambda c: c.pttl(first.stream))
    await asyncio.wait_for(hanging.wait(), 10)
    await first.aclose()  # the crash: taken, never acknowledged
    await second.start()
    try:
        await until(lambda: bool(done))
        remaining = await store.run(lambda c: c.xlen(second.stream))
    finally:
        await second.aclose()
    assert ttl > 0  # every key in Redis has a TTL
    assert taken == done == [body]
    assert remaining == 0  # acknowledged and deleted once done


async def test_a_change_published_on_one_bus_reaches_the_subscribers_of_another(
    store: RedisStore, redis: RedisServer
) -> None:
    other_store = connect(redis.url, prefix="test:", timeout=2.0)
    one = RedisChangeBus(store, block_seconds=0.2)
    two = RedisChangeBus(other_store, block_seconds=0.2)
    await one.start()
    await two.start()
    try:
        everything = two.subscribe(10)
        only_b = two.subscribe(10, wanted="fullwhere:b")
        await asyncio.sleep(0.5)  # both readers past the stream's end
        await one.publish([Change("mews:a", "UPDATED", "MEWS", aliases=("fullwhere:b",))])
        await one.publish([Change("mews:c", "ADDED", "GATEWAY")])
        got = [await asyncio.wait_for(anext(everything.changes()), 10) for _ in range(2)]
        for_b = await asyncio.wait_for(anext(only_b.changes()), 10)
    finally:
        await one.aclose()
        await two.aclose()
        await other_store.aclose()
    assert [(c.id, c.kind, c.source) for c in got] == [
        ("mews:a", "UPDATED", "MEWS"),
        ("mews:c", "ADDED", "GATEWAY"),
    ]
    assert for_b.id == "mews:a"  # a subscriber to a linked id hears of the guest's change


async def test_a_subscriber_too_far_behind_is_dropped_and_told_why(store: RedisStore) -> None:
    bus = RedisChangeBus(store, block_seconds=0.2)
    told: list[Exception] = []
    slow = bus.subscribe(2, on_drop=told.append)
    bus.deliver(Change(f"mews:{n}", "UPDATED", "MEWS") for n in range(3))
    changes = slow.changes()
    first = [await anext(changes), await anext(changes)]
    with pytest.raises(SlowConsumer, match="slow consumer"):
        await anext(changes)
    assert [c.id for c in first] == ["mews:0", "mews:1"]
    assert len(told) == 1 and bus.subscribers == 0
