"""The shared read cache: TTL, size bound, single-flight, invalidation."""

from __future__ import annotations

import asyncio

import pytest

from gateway.data.cache import ReadCache


async def test_concurrent_misses_share_one_fetch() -> None:
    cache: ReadCache[str, int] = ReadCache(ttl=60, maxsize=10)
    calls = 0
    release = asyncio.Event()

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    tasks = [asyncio.create_task(cache.load("k", fetch)) for _ in range(50)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*tasks) == [42] * 50
    assert calls == 1


async def test_load_many_fetches_only_what_is_missing() -> None:
    cache: ReadCache[str, str] = ReadCache(ttl=60, maxsize=10)
    cache.prime("a", "A")
    asked: list[list[str]] = []

    async def fetch(keys: list[str]) -> dict[str, str]:
        asked.append(keys)
        return {k: k.upper() for k in keys if k != "missing"}

    assert await cache.load_many(["a", "b", "missing", "b"], fetch) == ["A", "B", None, "B"]
    assert asked == [["b", "missing"]]
    # Absent records are remembered as absent for the TTL.
    assert await cache.load_many(["missing", "b"], fetch) == [None, "B"]
    assert asked == [["b", "missing"]]


async def test_a_failed_fetch_is_not_cached_and_reaches_every_waiter() -> None:
    cache: ReadCache[str, int] = ReadCache(ttl=60, maxsize=10)
    release = asyncio.Event()

    async def boom() -> int:
        await release.wait()
        raise RuntimeError("upstream down")

    tasks = [asyncio.create_task(cache.load("k", boom)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)

    async def ok() -> int:
        return 7

    assert await cache.load("k", ok) == 7


async def test_entries_expire_after_the_ttl() -> None:
    cache: ReadCache[str, int] = ReadCache(ttl=0.05, maxsize=10)
    cache.prime("k", 1)
    assert cache.get("k") == 1
    await asyncio.sleep(0.1)
    assert cache.get("k", None) is None


def test_size_is_bounded() -> None:
    cache: ReadCache[int, int] = ReadCache(ttl=60, maxsize=100)
    for i in range(1000):
        cache.prime(i, i)
    assert len(cache) == 100


async def test_invalidation_during_a_fetch_keeps_the_old_value_out() -> None:
    cache: ReadCache[str, str] = ReadCache(ttl=60, maxsize=10)
    release = asyncio.Event()

    async def old() -> str:
        await release.wait()
        return "old"

    task = asyncio.create_task(cache.load("k", old))
    await asyncio.sleep(0)
    cache.invalidate("k")  # a write landed while the read was in flight
    release.set()
    assert await task == "old"
    assert cache.get("k", None) is None


@pytest.mark.parametrize("ttl", [0])
async def test_a_zero_ttl_disables_caching(ttl: float) -> None:
    cache: ReadCache[str, int] = ReadCache(ttl=ttl, maxsize=10)
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert await cache.load("k", fetch) == 1
    assert await cache.load("k", fetch) == 2
