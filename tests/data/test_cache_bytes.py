"""The read cache is bounded in bytes (`CACHE_MAX_BYTES`, each entry sized by its encoded
record), evicts the least recently used entry first, and shows its size in `/metrics`."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import orjson

from gateway.data.cache import ENTRY_OVERHEAD, ReadCache
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World
from tests.conftest import gateway_with
from tests.observability.test_metrics_workers import samples

RECORD = {"Id": "x", "Notes": "n" * 1000}
SIZE = len(orjson.dumps(RECORD)) + ENTRY_OVERHEAD


def test_the_cache_holds_no_more_bytes_than_its_bound() -> None:
    cache: ReadCache[int, Any] = ReadCache(ttl=60, maxsize=10_000, max_bytes=10 * SIZE)
    for i in range(100):
        cache.prime(i, dict(RECORD))
    assert len(cache) == 10
    assert cache.size_in_bytes == 10 * SIZE


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: ReadCache[int, Any] = ReadCache(ttl=60, maxsize=10_000, max_bytes=3 * SIZE)
    for i in range(3):
        cache.prime(i, dict(RECORD))
    assert cache.get(0) is not None  # 0 is now the most recently used
    cache.prime(3, dict(RECORD))
    assert cache.get(1, None) is None
    assert cache.get(0) is not None and cache.get(2) is not None


def test_a_record_larger_than_the_bound_is_not_kept() -> None:
    cache: ReadCache[int, Any] = ReadCache(ttl=60, maxsize=10, max_bytes=SIZE - 1)
    cache.prime(1, dict(RECORD))
    assert len(cache) == 0 and cache.size_in_bytes == 0


def held_by_the_gateway(snapshot: tracemalloc.Snapshot) -> int:
    """Bytes still held that the gateway's code allocated (the upstream answers it decoded
    and kept), not the sandboxes' nor the test harness's (captured logs, scanned answers)."""
    mine = snapshot.filter_traces(
        [
            tracemalloc.Filter(True, "*/gateway/*"),
            tracemalloc.Filter(False, "*/gateway/sandbox/*"),
        ]
    )
    return sum(stat.size for stat in mine.statistics("filename"))


# 60 distinct Mews pages in one request, each cached under its own key.
SIXTY_PAGES = (
    "{ "
    + " ".join(
        f"p{n}: mewsCustomers(first: {n}) {{ edges {{ node {{ id }} }} }}" for n in range(2, 62)
    )
    + " }"
)


async def test_distinct_pages_stay_within_the_bound_in_memory_and_in_metrics(
    world: World,
) -> None:
    bound = 256 * 1024
    # Evicted pages are read again: no rate limit on either side for this test's 600 calls.
    sandboxes = Sandboxes.from_world(world, rate_limit=100_000)
    env = {"CACHE_MAX_BYTES": str(bound), "MEWS_RATE_LIMIT": "0"}
    async with gateway_with(sandboxes, env) as client:
        await client.data("{ mewsCustomers(first: 1) { edges { node { id } } } }")
        gc.collect()
        tracemalloc.start()
        try:
            for _ in range(10):
                await client.data(SIXTY_PAGES)
            gc.collect()
            grown = held_by_the_gateway(tracemalloc.take_snapshot())
        finally:
            tracemalloc.stop()
        text = (await client.http.get("/metrics")).text
    # Python holds a record in about three times its JSON, and one request's pages are in
    # flight; the cache bounded in entries only kept ten megabytes here.
    assert grown < 8 * bound, grown
    [size] = samples(text, "gateway_cache_bytes").values()
    assert 0 < size <= bound
