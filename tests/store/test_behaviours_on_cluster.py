"""The same promises on a real 3-master Redis Cluster (`redis+cluster://`, a fixture starts
it with `redis-cli --cluster create`): reads, writes, idempotency, the rate window, links,
the identity index, filters and the sync pass the tests they pass on one Redis."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import pytest

from gateway.identity.index import IdentityIndex
from gateway.identity.redis import RedisIdentityIndex
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs, mews_link
from gateway.store import connect
from tests.conftest import Gateway, gateway_with
from tests.identity.test_shared_index import (
    test_a_name_prefix_matching_too_many_is_refused_not_cut_short,
    test_both_backends_give_the_same_answers,
)
from tests.store.test_behaviours_on_redis import *  # noqa: F403 - the same tests, here
from tests.store.test_behaviours_on_redis import __all__ as _on_redis
from tests.store.test_shared_state import (
    test_a_429_in_one_process_holds_back_the_others,
    test_a_link_learned_by_one_process_joins_in_the_other,
    test_a_read_cached_by_one_process_is_served_to_the_other,
    test_a_wait_past_the_deadline_is_refused_without_taking_a_slot,
    test_a_write_in_one_process_is_read_in_the_other_at_once,
    test_concurrent_repeats_over_two_processes_make_one_write,
    test_processes_share_one_window_spaced_by_window_and_margin,
)
from tests.support.redis_server import RedisClusterServers

__all__ = [
    *_on_redis,
    "test_a_429_in_one_process_holds_back_the_others",
    "test_a_link_learned_by_one_process_joins_in_the_other",
    "test_a_name_prefix_matching_too_many_is_refused_not_cut_short",
    "test_a_read_cached_by_one_process_is_served_to_the_other",
    "test_a_wait_past_the_deadline_is_refused_without_taking_a_slot",
    "test_a_write_in_one_process_is_read_in_the_other_at_once",
    "test_both_backends_give_the_same_answers",
    "test_concurrent_repeats_over_two_processes_make_one_write",
    "test_processes_share_one_window_spaced_by_window_and_margin",
]

ENV = {"REDIS_TIMEOUT_SECONDS": "5"}  # a busy machine must not make Redis look slow


@pytest.fixture(autouse=True)
def redis_never_fails(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """On one Redis or a Cluster alike, no call fails: the fallbacks that keep reads going
    when Redis is away must not hide a command the Cluster refuses."""
    with caplog.at_level(logging.WARNING, logger="gateway.store"):
        yield
    failures = [r.getMessage() for r in caplog.get_records("call") if r.name == "gateway.store"]
    assert failures == []


@pytest.fixture
def redis_server(redis_cluster: RedisClusterServers) -> RedisClusterServers:
    """The tests written for one Redis take its URL: here, the Cluster's."""
    return redis_cluster


@pytest.fixture
async def gateway(
    sandboxes: Sandboxes, redis_cluster: RedisClusterServers
) -> AsyncIterator[Gateway]:
    async with gateway_with(sandboxes, {**ENV, "REDIS_URL": redis_cluster.url}) as gateway:
        assert gateway.app.state.store.clustered
        yield gateway


@pytest.fixture
async def pair(
    sandboxes: Sandboxes, redis_cluster: RedisClusterServers
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    async with AsyncExitStack() as stack:
        env = {**ENV, "REDIS_URL": redis_cluster.url}
        a = await stack.enter_async_context(gateway_with(sandboxes, env))
        b = await stack.enter_async_context(gateway_with(sandboxes, env))
        yield a, b


@pytest.fixture
async def index(redis_cluster: RedisClusterServers) -> AsyncIterator[IdentityIndex]:
    store = connect(redis_cluster.url)
    yield RedisIdentityIndex(store)
    await store.aclose()


FILTERED = """query($filter: CustomerFilter!) {
  customers(filter: $filter, first: 50) { totalCount edges { node { id link { method } } } }
}"""
READ = "query($id: ID!) { customer(id: $id) { id link { method } } }"
IMPORT = """mutation($input: ImportCustomerInput!, $key: String) {
  importCustomer(input: $input, idempotencyKey: $key) { replayed customer { id } } }"""


async def test_three_gateways_on_a_cluster_answer_reads_writes_and_filters(
    sandboxes: Sandboxes, world: World, redis_cluster: RedisClusterServers
) -> None:
    record, guest = next((fw, g) for fw, g in linked_pairs(world) if fw.get("mewsId"))
    only = {g["Id"] for g in world.mews_customers} - {
        mews_link(c) for c in world.fullwhere_customers
    }
    async with AsyncExitStack() as stack:
        env = {**ENV, "REDIS_URL": redis_cluster.url}
        a, b, c = [await stack.enter_async_context(gateway_with(sandboxes, env)) for _ in "abc"]
        state = await a.app.state.sync.run_once()
        assert state is not None and state.complete
        assert (await b.app.state.upstreams.identity.state()).complete
        # Reads: a linked guest resolves to its Fullwhere customer through the shared index.
        joined = (await c.data(READ, {"id": f"mews:{guest['Id']}"}))["customer"]
        assert joined == {"id": f"fullwhere:{record['id']}", "link": {"method": "MEWS_ID"}}
        # Writes: one import for three keyed calls on three gateways.
        variables = {"input": {"email": "cluster@example.com", "lastName": "Slot"}, "key": "k"}
        answers = [(await g.data(IMPORT, variables))["importCustomer"] for g in (a, b, c)]
        assert [x["replayed"] for x in answers] == [False, True, True]
        assert a.calls().get("fullwhere:import") == 1
        # Filters: by email (the new customer, indexed by its write), name and link.
        by_email = await b.data(FILTERED, {"filter": {"email": "CLUSTER@example.com"}})
        assert [e["node"]["id"] for e in by_email["customers"]["edges"]] == [
            answers[0]["customer"]["id"]
        ]
        by_name = (await c.data(FILTERED, {"filter": {"name": "slot"}}))["customers"]
        assert answers[0]["customer"]["id"] in [e["node"]["id"] for e in by_name["edges"]]
        mews_only = (await a.data(FILTERED, {"filter": {"link": ["MEWS_ONLY"]}}))["customers"]
    assert mews_only["totalCount"] == len(only)
    assert {e["node"]["link"]["method"] for e in mews_only["edges"]} == {"MEWS_ONLY"}


async def test_every_key_on_the_cluster_is_under_the_prefix_with_a_ttl(
    pair: tuple[Gateway, Gateway], world: World, redis_cluster: RedisClusterServers
) -> None:
    a, b = pair
    record, _ = next((fw, g) for fw, g in linked_pairs(world) if fw.get("mewsId"))
    await a.data(READ, {"id": f"fullwhere:{record['id']}"})
    await b.data(IMPORT, {"input": {"email": "ttl@example.com"}, "key": "ttl"})
    await a.app.state.sync.run_once()
    client = a.app.state.store.client
    keys = [key async for key in client.scan_iter(match="*")]
    ttls = [await client.pttl(key) for key in keys]
    assert len(keys) > 10
    assert all(key.startswith(b"cgw:") for key in keys), keys
    assert [key for key, ttl in zip(keys, ttls, strict=True) if ttl <= 0] == []
