"""The identity index in Redis: the same answers as in memory, and one index for every
process (a real `redis-server`, real `gateway serve` processes, the sandboxes served by a
process of their own)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from gateway.identity.index import (
    MAX_NAME_MATCHES,
    FullwhereEntry,
    IdentityIndex,
    Lookup,
    LookupTooBroad,
    MemoryIdentityIndex,
    MewsEntry,
    SyncState,
)
from gateway.identity.keys import name_keys
from gateway.identity.redis import RedisIdentityIndex, RedisSyncLock
from gateway.identity.redis import _entry as redis_entry
from gateway.sandbox.world import DEFAULT_FULLWHERE_COUNT, build_world, linked_pairs
from gateway.store.redis import connect
from tests.support.processes import (
    Process,
    gateway_env,
    gateway_server,
    sandbox_server,
    wait_index_complete,
)
from tests.support.redis_server import RedisServer

ONE = "query($id: ID!) { customer(id: $id) { id link { method } } }"
SINCE = (datetime.now(UTC) - timedelta(days=3 * 365)).date().isoformat()


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(params=["memory", "redis"])
async def index(request: pytest.FixtureRequest, redis: RedisServer) -> AsyncIterator[IdentityIndex]:
    if request.param == "memory":
        yield MemoryIdentityIndex()
        return
    store = connect(redis.url, prefix=f"t{time.monotonic_ns()}:")
    yield RedisIdentityIndex(store)
    await store.aclose()


async def test_both_backends_give_the_same_answers(index: IdentityIndex) -> None:
    await index.put_fullwhere(
        [
            FullwhereEntry("f1", "m1", "MEWS_ID", email="a@x.io", names=name_keys("Ann", "Lee")),
            FullwhereEntry("f0", "m1", "METADATA"),
            FullwhereEntry("f2", None, "NONE", phone="+33612345678"),
        ]
    )
    await index.put_mews(
        [MewsEntry("m1", email="a@x.io"), MewsEntry("m2", names=name_keys("Anna", "Berg"))]
    )

    async def ids(lookup: Lookup) -> list[str]:
        return (await index.find(lookup, after=None, limit=10)).ids

    assert await index.linked_from("m1") == ["f1", "f0"]
    assert await ids(Lookup.of(email="A@x.io")) == ["fullwhere:f1"]
    assert await ids(Lookup.of(phone="0033612345678")) == ["fullwhere:f2"]
    assert await ids(Lookup.of(name="an")) == ["fullwhere:f1", "mews:m2"]
    assert await ids(Lookup.of(links=["MEWS_ONLY"])) == ["mews:m2"]
    assert await ids(Lookup()) == ["fullwhere:f0", "fullwhere:f1", "fullwhere:f2", "mews:m2"]
    # m2 gets a link: no longer Mews-only; then loses it: Mews-only again.
    await index.put_fullwhere([FullwhereEntry("f3", "m2", "MEWS_ID")])
    assert await ids(Lookup.of(links=["MEWS_ONLY"])) == []
    assert await ids(Lookup.of(name="anna")) == ["fullwhere:f3"]
    await index.put_fullwhere([FullwhereEntry("f3", None, "NONE")])
    assert await ids(Lookup.of(links=["MEWS_ONLY"])) == ["mews:m2"]
    page = await index.find(Lookup(), after="fullwhere:f1", limit=2)
    assert (page.ids, page.has_next, page.total) == (["fullwhere:f2", "fullwhere:f3"], True, 5)
    await index.save_state(SyncState(complete=True, phase="done", mews_records=2))
    assert (await index.state()).mews_records == 2


async def test_every_index_key_in_redis_has_a_ttl(redis: RedisServer) -> None:
    store = connect(redis.url, prefix="ttl:")
    index = RedisIdentityIndex(store)
    await index.put_fullwhere([FullwhereEntry("f1", "m1", "MEWS_ID", "a@x.io", "+33612345678")])
    await index.put_mews([MewsEntry("m2", "b@x.io", names=name_keys("Bo", "Li"))])
    await index.save_state(SyncState())
    keys = await store.client.keys("ttl:*")
    ttls = [await store.client.ttl(key) for key in keys]
    await store.aclose()
    assert keys and all(ttl > 0 for ttl in ttls)


async def test_one_holder_of_the_sync_lock_at_a_time(redis: RedisServer) -> None:
    store = connect(redis.url, prefix=f"lock{time.monotonic_ns()}:")
    first, second = RedisSyncLock(store), RedisSyncLock(store)
    assert await first.acquire()
    assert not await second.acquire()
    await second.release()  # not its lock: nothing happens
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()
    await store.aclose()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    with ExitStack() as stack:
        yield stack.enter_context(sandbox_server(tmp_path_factory.mktemp("sandbox")))


def test_a_second_process_on_the_same_redis_resolves_links_without_syncing_again(
    redis: RedisServer, sandbox: Process, tmp_path: Path
) -> None:
    world = build_world()
    record, guest = next((fw, g) for fw, g in linked_pairs(world) if fw.get("mewsId"))
    env = gateway_env(
        sandbox, REDIS_URL=redis.url, GATEWAY_REDIS_PREFIX=f"p{time.monotonic_ns()}:",
        SYNC_MEWS_SINCE=SINCE, SYNC_INTERVAL_SECONDS="600",
    )  # fmt: skip
    expected = {"id": f"fullwhere:{record['id']}", "link": {"method": "MEWS_ID"}}
    with gateway_server(tmp_path, env) as first:
        wait_index_complete(first)
        assert first.graphql(ONE, {"id": f"mews:{guest['Id']}"})["data"]["customer"] == expected
    with gateway_server(tmp_path, env) as second:
        _, report = second.request("GET", "/readyz")
        assert report["identityIndex"]["complete"] is True
        assert sandbox.request("POST", "/__bench/reset")[0] == 200  # after the probes
        time.sleep(1.0)  # a sync at start-up would be listing Fullwhere by now
        answer = second.graphql(ONE, {"id": f"mews:{guest['Id']}"})
        _, calls = sandbox.request("GET", "/__bench/calls")
    assert answer["data"]["customer"] == expected
    assert "identityIndex" not in answer.get("extensions", {})
    # At most the answer's own reads (the shared cache may hold them): no list pages and no
    # history windows, so no second sync.
    assert "fullwhere:list" not in calls
    assert calls.get("mews:customers/getAll", 0) <= 1
    status = subprocess.run(
        [sys.executable, "-m", "gateway", "sync", "--status"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["complete"] is True and shown["fullwhereRecords"] == DEFAULT_FULLWHERE_COUNT


async def test_a_name_prefix_matching_too_many_is_refused_not_cut_short(
    index: IdentityIndex,
) -> None:
    # Each guest's name gives one key that starts with "ann": "ann lee<n>".
    await index.put_mews(
        MewsEntry(f"m{n:05}", names=name_keys("Ann", f"Lee{n}")) for n in range(MAX_NAME_MATCHES)
    )
    assert len((await index.find(Lookup.of(name="ann"), after=None, limit=10)).ids) == 10
    await index.put_mews([MewsEntry("m-one-more", names=name_keys("Ann", "Berg"))])
    with pytest.raises(LookupTooBroad, match="give more letters"):
        await index.find(Lookup.of(name="ann"), after=None, limit=10)
    assert (await index.find(Lookup.of(name="ann berg"), after=None, limit=10)).ids == [
        "mews:m-one-more"
    ]


@dataclasses.dataclass(frozen=True)
class _GuestWithChain(MewsEntry):
    """An entry type with a field the index does not use (as a hotel group's chain)."""

    chain_id: str | None = None


async def test_an_entry_may_carry_fields_the_index_does_not_use(redis: RedisServer) -> None:
    store = connect(redis.url, prefix=f"x{time.monotonic_ns()}:")
    index = RedisIdentityIndex(store)
    guest = _GuestWithChain("m1", "old@x.io", chain_id="chain-1")
    await index.put_mews([guest])
    (raw,) = await index._olds("mb", ["m1"])
    await index.put_mews([dataclasses.replace(guest, email="new@x.io")])
    old = await index.find(Lookup.of(email="old@x.io"), after=None, limit=10)
    new = await index.find(Lookup.of(email="new@x.io"), after=None, limit=10)
    await store.aclose()
    assert raw is not None and orjson.loads(raw)["chain_id"] == "chain-1"
    assert redis_entry(_GuestWithChain, "m1", raw) == guest
    assert (old.ids, new.ids) == ([], ["mews:m1"])
