"""Shared state on a real Redis, with two gateway apps standing for two processes: they share
nothing but Redis and the upstreams (the same sandboxes)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import redis.asyncio as aioredis

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from gateway.store import connect
from gateway.store.limiter import RedisWindowLimiter
from gateway.store.links import Links
from gateway.store.redis import DEFAULT_RETRY_AFTER, StoreUnavailable
from tests.conftest import Gateway, gateway_with
from tests.support.redis_server import RedisServer

READ = "query($id: ID!) { customer(id: $id) { id mewsId mews { notes } } }"
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id mews { notes } } } }"""
IMPORT = """mutation($input: ImportCustomerInput!, $key: String) {
  importCustomer(input: $input, idempotencyKey: $key) { replayed customer { id email } } }"""
PAGE = "{ customers(first: 20) { edges { node { id email } } } }"


# Generous: a busy test machine must not make Redis look slow (the slow-Redis test sets less).
REDIS_TIMEOUT = "5"


async def _pair(
    sandboxes: Sandboxes, url: str, timeout: str = REDIS_TIMEOUT
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    async with AsyncExitStack() as stack:
        env = {"REDIS_URL": url, "REDIS_TIMEOUT_SECONDS": timeout}
        a = await stack.enter_async_context(gateway_with(sandboxes, env))
        b = await stack.enter_async_context(gateway_with(sandboxes, env))
        yield a, b


@pytest.fixture
async def pair(
    sandboxes: Sandboxes, redis_server: RedisServer
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    async for both in _pair(sandboxes, redis_server.url):
        yield both


def _linked(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    return next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))


async def test_a_read_cached_by_one_process_is_served_to_the_other(
    pair: tuple[Gateway, Gateway], world: World
) -> None:
    a, b = pair
    fw, _ = _linked(world)
    first = await a.data(READ, {"id": f"fullwhere:{fw['id']}"})
    page = await a.data(PAGE)
    a.reset_calls()
    assert await b.data(READ, {"id": f"fullwhere:{fw['id']}"}) == first
    assert await b.data(PAGE) == page
    assert a.calls() == {}  # the sandboxes are shared: no call from either app


async def test_a_write_in_one_process_is_read_in_the_other_at_once(
    pair: tuple[Gateway, Gateway], world: World
) -> None:
    a, b = pair
    fw, _ = _linked(world)
    unified = f"fullwhere:{fw['id']}"
    await b.data(READ, {"id": unified})  # B's view is cached (in Redis)
    await a.data(UPDATE, {"input": {"id": unified, "notes": "seen everywhere"}})
    reads = [(await b.data(READ, {"id": unified}))["customer"] for _ in range(5)]
    assert [r["mews"]["notes"] for r in reads] == ["seen everywhere"] * 5


async def test_a_link_learned_by_one_process_joins_in_the_other(
    pair: tuple[Gateway, Gateway], world: World
) -> None:
    a, b = pair
    fw, mews = _linked(world)
    await a.data(READ, {"id": f"fullwhere:{fw['id']}"})
    joined = (await b.data(READ, {"id": f"mews:{mews['Id']}"}))["customer"]
    assert joined["id"] == f"fullwhere:{fw['id']}"


async def test_concurrent_repeats_over_two_processes_make_one_write(
    pair: tuple[Gateway, Gateway],
) -> None:
    a, b = pair
    a.sandboxes.fullwhere.control.latency = 0.05  # keeps the first write in flight
    variables = {"input": {"email": "once-only@example.com", "lastName": "Once"}, "key": "k"}
    results = await asyncio.gather(*(gateway.data(IMPORT, variables) for gateway in [a, b] * 4))
    payloads = [r["importCustomer"] for r in results]
    assert len({p["customer"]["id"] for p in payloads}) == 1
    assert sorted(p["replayed"] for p in payloads) == [False] + [True] * 7
    assert a.calls() == {"fullwhere:import": 1}


async def test_a_repeat_that_cannot_wait_for_the_first_call_is_told_it_is_in_progress(
    sandboxes: Sandboxes, redis_server: RedisServer
) -> None:
    env = {"REDIS_URL": redis_server.url, "REDIS_TIMEOUT_SECONDS": REDIS_TIMEOUT}
    sandboxes.fullwhere.control.latency = 1.0  # the first import stays in flight
    variables = {"input": {"email": "slow@example.com"}, "key": "slow"}
    async with (
        gateway_with(sandboxes, env) as a,
        gateway_with(sandboxes, {**env, "REQUEST_DEADLINE_SECONDS": "0.3"}) as b,
    ):
        first = asyncio.ensure_future(a.data(IMPORT, variables))
        # A holds the key once its import has reached Fullwhere (a fixed sleep raced on a
        # busy machine: B could claim the key first).
        for _ in range(200):
            if a.calls():
                break
            await asyncio.sleep(0.05)
        assert a.calls() == {"fullwhere:import": 1}
        repeat = await b.post(IMPORT, variables)
        done = await first
    (error,) = repeat["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["retryAfterSeconds"] > 0
    assert "still running" in error["message"]
    assert done["importCustomer"]["replayed"] is False
    assert a.calls() == {"fullwhere:import": 1}


async def test_every_key_in_redis_has_a_ttl(
    pair: tuple[Gateway, Gateway], world: World, redis_server: RedisServer
) -> None:
    a, b = pair
    fw, mews = _linked(world)
    await a.data(READ, {"id": f"fullwhere:{fw['id']}"})
    await b.data(PAGE)
    await a.data(UPDATE, {"input": {"id": f"mews:{mews['Id']}", "notes": "x"}})
    await b.data(IMPORT, {"input": {"email": "ttl@example.com"}, "key": "ttl"})
    await a.data("{ mewsCustomers(first: 5) { edges { node { id } } } }")
    client = aioredis.from_url(redis_server.url)
    try:
        keys = [key async for key in client.scan_iter()]
        ttls = {key: await client.pttl(key) for key in keys}
    finally:
        await client.aclose()
    assert len(keys) > 5
    assert all(key.startswith(b"cgw:") for key in keys), keys
    assert [key for key, ttl in ttls.items() if ttl <= 0] == []


async def test_with_redis_stopped_reads_go_on_keyed_writes_are_refused_and_sharing_resumes(
    sandboxes: Sandboxes, own_redis: RedisServer, world: World
) -> None:
    fw, _ = _linked(world)
    unified = f"fullwhere:{fw['id']}"
    async for a, b in _pair(sandboxes, own_redis.url):
        await a.data(READ, {"id": unified})
        own_redis.stop()

        # Reads go on, straight against the upstreams (and this process's cache).
        assert (await a.data(READ, {"id": unified}))["customer"]["id"] == unified
        assert (await b.data(READ, {"id": unified}))["customer"]["id"] == unified
        ready = await a.http.get("/readyz")
        assert ready.status_code == 200
        report = ready.json()
        assert report["status"] == "degraded"
        assert report["shared"]["redis"]["status"] == "unavailable"
        assert report["upstreams"]["fullwhere"]["status"] == "ok"

        # A keyed write is refused before anything is sent; a plain one still goes.
        a.reset_calls()
        refused = await a.post(IMPORT, {"input": {"email": "wait@example.com"}, "key": "down"})
        (error,) = refused["errors"]
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["mayHaveBeenApplied"] is False
        assert error["extensions"]["retryAfterSeconds"] > 0
        assert "Redis" in error["message"] and "nothing was written" in error["message"]
        assert a.calls() == {}

        # An update while Redis is away; B must not serve its older copy once Redis is back.
        await a.data(UPDATE, {"input": {"id": unified, "notes": "while away"}})

        own_redis.start()
        await asyncio.sleep(DEFAULT_RETRY_AFTER)  # the store's pause after a failure
        assert await _ready_again(a)
        done = await a.data(IMPORT, {"input": {"email": "back@example.com"}, "key": "back"})
        again = await b.data(IMPORT, {"input": {"email": "back@example.com"}, "key": "back"})
        assert again["importCustomer"] == {**done["importCustomer"], "replayed": True}
        await b.data(READ, {"id": unified})  # cached in the new Redis by B
        await a.data(UPDATE, {"input": {"id": unified, "notes": "back again"}})
        fresh = (await b.data(READ, {"id": unified}))["customer"]
        assert fresh["mews"]["notes"] == "back again"


def _command(server: RedisServer, *words: str) -> bytes:
    """One command on a connection of its own (RESP inline), and the first line answered."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(" ".join(words).encode() + b"\r\n")
        return sock.recv(256).split(b"\r\n")[0]


async def test_a_slow_redis_costs_reads_nothing_and_missed_drops_are_sent_when_it_answers(
    sandboxes: Sandboxes, world: World, redis_server: RedisServer
) -> None:
    async for a, b in _pair(sandboxes, redis_server.url, timeout="0.5"):
        await _slow_redis(a, b, world, redis_server)


async def _slow_redis(a: Gateway, b: Gateway, world: World, redis_server: RedisServer) -> None:
    fw, mews = _linked(world)
    unified = f"fullwhere:{fw['id']}"
    await b.data(READ, {"id": unified})  # B's copy is in Redis
    # Redis holds every other client's commands for 1.5 s: slower than the gateway waits.
    assert _command(redis_server, "CLIENT", "PAUSE", "1500", "ALL") == b"+OK"
    assert (await b.data(READ, {"id": unified}))["customer"]["id"] == unified
    await a.data(UPDATE, {"input": {"id": unified, "notes": "while paused"}})
    # Once Redis answers again, A sends the drop it missed without being asked to.
    record_key = f"cgw:c:mews:{mews['Id']}"
    for _ in range(300):  # 30 s at most: a starved machine (-n 4 on 2 cores) is slow
        if _command(redis_server, "GET", record_key) == b"$1":  # the tombstone, "~"
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the missed drop never reached Redis")
    await asyncio.sleep(DEFAULT_RETRY_AFTER)  # B's own pause after its failure
    assert (await b.data(READ, {"id": unified}))["customer"]["mews"]["notes"] == "while paused"


async def _ready_again(gateway: Gateway, attempts: int = 50) -> bool:
    """Whether /readyz reports Redis ok again (its report is kept a few seconds)."""
    for _ in range(attempts):
        report = (await gateway.http.get("/readyz")).json()
        if report["status"] == "ready" and report["shared"]["redis"]["status"] == "ok":
            return True
        await asyncio.sleep(0.2)
    return False


async def test_processes_share_one_window_spaced_by_window_and_margin(
    redis_server: RedisServer,
) -> None:
    stores = [connect(redis_server.url), connect(redis_server.url)]
    limiters = [
        RedisWindowLimiter(store, "token", limit=3, window=0.4, margin=0.1) for store in stores
    ]
    try:
        slots = [await limiters[i % 2].acquire() for i in range(7)]
        budget = await limiters[0].budget()
        other_token = await RedisWindowLimiter(stores[1], "other", limit=3, window=0.4).budget()
        key = limiters[0]._keys[0]
        scores = [s for _, s in await stores[0].client.zrange(key, 0, -1, withscores=True)]
    finally:
        for store in stores:
            await store.aclose()
    assert all(slot.granted for slot in slots)
    assert [slot.wait > 0 for slot in slots] == [False] * 3 + [True] * 4
    # Any 4 slots span at least window + margin (milliseconds on Redis's clock).
    assert len(scores) == 7
    assert all(later - earlier >= 500 for earlier, later in zip(scores, scores[3:], strict=False))
    assert budget.remaining == 0 and budget.next_free_in > 0
    assert other_token.remaining == 3 and other_token.next_free_in == 0


async def test_a_wait_past_the_deadline_is_refused_without_taking_a_slot(
    redis_server: RedisServer,
) -> None:
    store = connect(redis_server.url)
    limiter = RedisWindowLimiter(store, "token", limit=1, window=30.0)
    try:
        assert (await limiter.acquire(max_wait=1.0)).granted
        refused = await limiter.acquire(max_wait=1.0)
        count = await store.client.zcard(limiter._keys[0])
    finally:
        await store.aclose()
    assert not refused.granted and 29 < refused.wait <= 30
    assert count == 1


async def test_a_429_in_one_process_holds_back_the_others(redis_server: RedisServer) -> None:
    stores = [connect(redis_server.url), connect(redis_server.url)]
    first, second = (RedisWindowLimiter(s, "token", limit=100, window=30.0) for s in stores)
    try:
        await first.hold(5.0)  # Mews answered 429 with Retry-After: 5 to the first process
        slot = await second.acquire()
    finally:
        for store in stores:
            await store.aclose()
    assert slot.granted and 4 < slot.wait <= 5


async def test_links_asked_in_one_tick_cost_one_round_trip(redis_server: RedisServer) -> None:
    learner, asker = connect(redis_server.url), connect(redis_server.url)
    try:
        await Links(learner).learn([(f"m-{i}", f"f-{i}") for i in range(5)])
        await asker.client.config_resetstat()
        found = await asyncio.gather(*(Links(asker).get(f"m-{i}") for i in range(6)))
        links = Links(asker)
        batched = await asyncio.gather(*(links.get(f"m-{i}") for i in range(6)))
        stats = await asker.client.info("commandstats")
    finally:
        await learner.aclose()
        await asker.aclose()
    assert found == batched == [f"f-{i}" for i in range(5)] + [None]
    # Six separate Links objects asked six times; one asked once for all six.
    assert stats["cmdstat_mget"]["calls"] == 6 + 1


def _acl_user(server: RedisServer, name: str, *rules: str) -> str:
    """A Redis user with these ACL rules; its URL."""
    assert server.command("ACL", "SETUSER", name, "reset", "on", f">{name}-pw", *rules) == b"+OK"
    return f"redis://{name}:{name}-pw@127.0.0.1:{server.port}/0"


async def test_a_keyed_write_whose_answer_redis_lost_is_never_sent_again(
    sandboxes: Sandboxes, redis_server: RedisServer
) -> None:
    url = _acl_user(redis_server, "gw", "~*", "&*", "+@all")
    env = {
        "REDIS_URL": url,
        "REDIS_TIMEOUT_SECONDS": REDIS_TIMEOUT,
        "REQUEST_DEADLINE_SECONDS": "3",
    }
    sandboxes.fullwhere.control.latency = 0.5  # the import stays in flight a moment
    variables = {"input": {"email": "lost-answer@example.com"}, "key": "lost"}
    async with gateway_with(sandboxes, env) as gateway:
        first = asyncio.ensure_future(gateway.data(IMPORT, variables))
        while redis_server.command("EXISTS", *await _idempotency_keys(redis_server)) != b":1":
            await asyncio.sleep(0.02)  # the key is claimed; the import is on its way
        # Redis refuses every key from now on: the answer cannot be stored.
        assert redis_server.command("ACL", "SETUSER", "gw", "resetkeys") == b"+OK"
        done = (await first)["importCustomer"]
        assert redis_server.command("ACL", "SETUSER", "gw", "~*") == b"+OK"
        # Past the claim's lease (the deadline and its margin) and the store's pause.
        await asyncio.sleep(3 + 2 + DEFAULT_RETRY_AFTER)
        repeats = [await gateway.post(IMPORT, variables) for _ in range(2)]
    assert done["replayed"] is False
    for repeat in repeats:
        (error,) = repeat["errors"]
        assert error["extensions"]["mayHaveBeenApplied"] is True
    assert gateway.calls() == {"fullwhere:import": 1}


async def _idempotency_keys(server: RedisServer) -> list[str]:
    client = aioredis.from_url(server.url)
    try:
        keys = [key.decode() async for key in client.scan_iter(match="*idem*")]
    finally:
        await client.aclose()
    return keys or ["none"]


@pytest.mark.parametrize(
    ("rules", "password", "cause"),
    [
        (("~*", "&*", "+@all"), "wrong", "authentication"),
        (("~other:*", "&*", "+@all"), None, "permission"),
    ],
)
async def test_each_redis_failure_is_redis_trouble_logged_once_with_its_cause(
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    rules: tuple[str, ...],
    password: str | None,
    cause: str,
) -> None:
    url = _acl_user(redis_server, "gw", *rules)
    if password is not None:
        url = url.replace("gw-pw", password)
    store = connect(url)
    failures: list[StoreUnavailable] = []
    with caplog.at_level(logging.WARNING, logger="gateway.store"):
        for _ in range(3):
            try:
                await store.run(lambda client: client.get("cgw:c:x"))
            except StoreUnavailable as exc:
                failures.append(exc)
            store._down_until = float("-inf")  # try again at once, as after the pause
    await store.aclose()
    assert [f.cause for f in failures] == [cause] * 3
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.store"]
    assert len(lines) == 1 and f"Redis failed ({cause}:" in lines[0], lines
