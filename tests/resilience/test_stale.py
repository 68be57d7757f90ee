"""Stale-if-error: when an upstream read fails, an expired cached copy (within the grace
period) is served instead, and the response's `extensions.stale` says so."""

from __future__ import annotations

import asyncio

import pytest

from gateway.data.cache import ReadCache, StaleRead, collect_stale
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from gateway.upstream.errors import UpstreamNotFound, UpstreamUnavailable
from gateway.upstream.resilience import is_upstream_failure
from tests.conftest import gateway_with
from tests.resilience.conftest import FakeClock, errors_by_path

DOWN = 1000


def cache_on(clock: FakeClock) -> ReadCache[str, str]:
    return ReadCache(ttl=60, maxsize=10, stale_grace=300, stale_if=is_upstream_failure, clock=clock)


def primed() -> tuple[FakeClock, ReadCache[str, str]]:
    """A cache on a fake clock, holding "old" under "k" (fresh for 60 s, then servable for
    300 s more when a read fails)."""
    clock = FakeClock()
    cache = cache_on(clock)
    cache.prime("k", "old")
    return clock, cache


async def down() -> str:
    raise UpstreamUnavailable("mews", "upstream failed with HTTP 503", status=503)


# -- the cache ---------------------------------------------------------------------------------


async def test_an_expired_entry_answers_a_failed_read_and_is_reported() -> None:
    clock, cache = primed()
    clock.advance(75)
    reads: list[StaleRead] = []
    with collect_stale(reads):
        assert await cache.load("k", down) == "old"
    assert [(r.key, r.age) for r in reads] == [("k", 75)]
    assert isinstance(reads[0].error, UpstreamUnavailable)


async def test_a_fresh_fetch_wins_over_the_stale_copy() -> None:
    clock, cache = primed()
    clock.advance(75)

    async def fetch() -> str:
        return "new"

    reads: list[StaleRead] = []
    with collect_stale(reads):
        assert await cache.load("k", fetch) == "new"
    assert reads == []


async def test_past_the_grace_period_the_error_stands() -> None:
    clock, cache = primed()
    clock.advance(360)
    with pytest.raises(UpstreamUnavailable):
        await cache.load("k", down)


async def test_answers_about_the_request_itself_are_not_papered_over() -> None:
    clock, cache = primed()
    clock.advance(75)

    async def not_found() -> str:
        raise UpstreamNotFound("fullwhere", "gone", status=404)

    with pytest.raises(UpstreamNotFound):
        await cache.load("k", not_found)


async def test_invalidated_entries_are_never_served_stale() -> None:
    clock, cache = primed()
    cache.invalidate("k")
    clock.advance(75)
    with pytest.raises(UpstreamUnavailable):
        await cache.load("k", down)


async def test_waiters_on_a_shared_failed_fetch_get_the_stale_copy_too() -> None:
    clock, cache = primed()
    clock.advance(75)
    release = asyncio.Event()

    async def slow_down() -> str:
        await release.wait()
        return await down()

    reads: list[StaleRead] = []
    with collect_stale(reads):
        tasks = [asyncio.create_task(cache.load("k", slow_down)) for _ in range(3)]
        await asyncio.sleep(0)
        release.set()
        assert await asyncio.gather(*tasks) == ["old"] * 3
    assert len(reads) == 3


async def test_load_many_serves_stale_only_when_every_failed_key_has_a_copy() -> None:
    clock = FakeClock()
    cache = cache_on(clock)
    cache.prime("a", "A")
    clock.advance(75)

    async def fetch_many(keys: list[str]) -> dict[str, str]:
        raise UpstreamUnavailable("mews", "down", status=503)

    assert await cache.load_many(["a"], fetch_many) == ["A"]
    with pytest.raises(UpstreamUnavailable):
        await cache.load_many(["a", "b"], fetch_many)


def test_the_size_bound_holds_stale_entries_too() -> None:
    clock = FakeClock()
    cache = cache_on(clock)
    for i in range(50):
        cache.prime(str(i), str(i))
    clock.advance(100)  # all expired, all within the grace period
    assert len(cache) == 10
    assert cache.get("49", None) is None
    assert cache.get_stale("49") == ("49", 100)
    assert cache.get_stale("0") is None  # evicted by the bound


# -- through the gateway -----------------------------------------------------------------------


async def test_stale_records_are_served_and_flagged_when_both_upstreams_fail(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, guest = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    env = {
        "CACHE_TTL_SECONDS": "0.05",
        "CACHE_STALE_GRACE_SECONDS": "60",
        "UPSTREAM_RETRIES": "0",
    }
    query = "query($id: ID!) { customer(id: $id) { email mews { mewsId lastName } } }"
    async with gateway_with(sandboxes, env) as gateway:
        fresh = await gateway.post(query, {"id": f"fullwhere:{fw['id']}"})
        assert "extensions" not in fresh or "stale" not in fresh["extensions"]
        await asyncio.sleep(0.1)  # past the TTL
        sandboxes.fullwhere.control.fail_next("get", DOWN, status=503)
        sandboxes.mews.control.fail_next("customers/getAll", DOWN, status=503)
        gateway.reset_calls()
        stale = await gateway.post(query, {"id": f"fullwhere:{fw['id']}"})
        assert gateway.calls() == {"fullwhere:get": 1, "mews:customers/getAll": 1}
    assert "errors" not in stale
    assert stale["data"] == fresh["data"]
    marks = {mark["key"]: mark for mark in stale["extensions"]["stale"]}
    assert set(marks) == {f"fullwhere:{fw['id']}", f"mews:{guest['Id']}"}
    assert marks[f"fullwhere:{fw['id']}"]["source"] == "fullwhere"
    assert marks[f"mews:{guest['Id']}"]["source"] == "mews"
    for mark in marks.values():
        assert mark["ageSeconds"] >= 0.05
        assert mark["code"] == "UPSTREAM_UNAVAILABLE"


async def test_a_stale_page_is_flagged_with_its_key(sandboxes: Sandboxes) -> None:
    env = {
        "CACHE_TTL_SECONDS": "0.05",
        "CACHE_STALE_GRACE_SECONDS": "60",
        "UPSTREAM_RETRIES": "0",
    }
    query = "{ customers(first: 5) { totalCount edges { node { id } } } }"
    async with gateway_with(sandboxes, env) as gateway:
        fresh = await gateway.data(query)
        await asyncio.sleep(0.1)
        sandboxes.fullwhere.control.fail_next("list", DOWN, status=503)
        stale = await gateway.post(query)
    assert stale["data"] == fresh
    (mark,) = stale["extensions"]["stale"]
    assert mark["source"] == "fullwhere" and mark["key"] == "fullwhere-page:1:5"


async def test_without_a_kept_copy_the_error_is_reported(sandboxes: Sandboxes) -> None:
    env = {"CACHE_STALE_GRACE_SECONDS": "60", "UPSTREAM_RETRIES": "0"}
    sandboxes.fullwhere.control.fail_next("list", DOWN, status=503)
    async with gateway_with(sandboxes, env) as gateway:
        result = await gateway.post("{ customers(first: 5) { edges { node { id } } } }")
    assert result["data"] is None
    error = errors_by_path(result)[("customers",)]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert "stale" not in (result.get("extensions") or {})
