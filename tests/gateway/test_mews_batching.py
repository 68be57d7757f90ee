"""Concurrent requests share their Mews reads: at the Mews rate limit, a burst of cold joined
reads is answered in full, within the limit as the Mews sandbox counts it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import Gateway, gateway_with
from tests.resilience.conftest import errors_by_path
from tests.support.arrivals import Arrivals

JOINED = "query($id: ID!) { customer(id: $id) { id fullwhereId mews { mewsId firstName } } }"
GET_ALL = "customers/getAll"


def limited_sandboxes(world: World, *, limit: int, window: float) -> tuple[Sandboxes, Arrivals]:
    """Sandboxes whose Mews side enforces `limit` calls per `window` seconds itself, with
    every Mews call recorded as it arrives."""
    sandboxes = Sandboxes.from_world(world, rate_limit=limit, rate_window=window)
    arrivals = Arrivals(sandboxes.mews.app)
    sandboxes.mews.app = arrivals  # type: ignore[assignment]
    return sandboxes, arrivals


def limit_env(limit: int, window: float, **more: str) -> dict[str, str]:
    return {"MEWS_RATE_LIMIT": str(limit), "MEWS_RATE_WINDOW_SECONDS": str(window), **more}


async def read(gateway: Gateway, fullwhere_id: str) -> Any:
    return await gateway.post(JOINED, {"id": f"fullwhere:{fullwhere_id}"})


async def spend(gateway: Gateway, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """One cold joined read (one Mews call) per pair, one after the other."""
    for customer, _ in pairs:
        assert "errors" not in await read(gateway, customer["id"])


async def test_150_cold_joined_reads_at_20_calls_per_30_s_all_get_their_guest(
    world: World,
) -> None:
    sandboxes, arrivals = limited_sandboxes(world, limit=20, window=30.0)
    pairs = linked_pairs(world)[:150]
    assert len(pairs) == 150
    slots = asyncio.Semaphore(50)

    async def one(fullwhere_id: str) -> Any:
        async with slots:
            return await read(gateway, fullwhere_id)

    async with gateway_with(sandboxes, limit_env(20, 30.0)) as gateway:
        started = time.monotonic()
        results = await asyncio.gather(*(one(customer["id"]) for customer, _ in pairs))
        elapsed = time.monotonic() - started
    for (customer, guest), result in zip(pairs, results, strict=True):
        assert "errors" not in result, result["errors"]
        assert result["data"]["customer"]["fullwhereId"] == customer["id"]
        assert result["data"]["customer"]["mews"] == {
            "mewsId": guest["Id"],
            "firstName": guest["FirstName"],
        }
    assert elapsed < 40.0
    assert 1 <= len(arrivals.of(GET_ALL)) <= 20
    assert arrivals.most_in_any_window(30.0) <= 20


async def test_concurrent_requests_share_one_get_all_and_each_gets_its_own_guest(
    world: World,
) -> None:
    # 3 of 4 calls spent: the batch collects for half a call spacing (4 s / 4 / 2).
    sandboxes, arrivals = limited_sandboxes(world, limit=4, window=4.0)
    pairs = linked_pairs(world)
    spent, wanted = pairs[:3], pairs[3:11]
    async with gateway_with(sandboxes, limit_env(4, 4.0)) as gateway:
        await spend(gateway, spent)
        results = await asyncio.gather(*(read(gateway, c["id"]) for c, _ in wanted))
    for (customer, guest), result in zip(wanted, results, strict=True):
        assert "errors" not in result, result["errors"]
        assert result["data"]["customer"]["fullwhereId"] == customer["id"]
        assert result["data"]["customer"]["mews"]["mewsId"] == guest["Id"]
    calls = arrivals.of(GET_ALL)
    assert len(calls) == 4
    assert sorted(calls[-1].body["CustomerIds"]) == sorted(guest["Id"] for _, guest in wanted)


async def test_a_failed_shared_call_fails_each_requests_mews_read_at_its_own_path(
    world: World,
) -> None:
    sandboxes, arrivals = limited_sandboxes(world, limit=4, window=4.0)
    pairs = linked_pairs(world)
    spent, wanted = pairs[:3], pairs[3:6]
    env = limit_env(4, 4.0, UPSTREAM_RETRIES="0", CACHE_STALE_GRACE_SECONDS="0")
    async with gateway_with(sandboxes, env) as gateway:
        await spend(gateway, spent)
        sandboxes.mews.control.fail_next(GET_ALL, status=503)
        results = await asyncio.gather(*(read(gateway, c["id"]) for c, _ in wanted))
    assert len(arrivals.of(GET_ALL)) == 4  # the three shared the failed call
    for (customer, _), result in zip(wanted, results, strict=True):
        # Fullwhere's part stays; the Mews error sits at the Mews field of this request.
        assert result["data"]["customer"]["fullwhereId"] == customer["id"]
        assert result["data"]["customer"]["mews"] is None
        (error,) = result["errors"]
        assert error["path"] == ["customer", "mews"]
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["source"] == "mews"
        assert error["message"].startswith("Mews")  # says which upstream failed
        assert "Traceback" not in error["message"]


async def test_a_read_that_would_wait_past_its_deadline_for_a_slot_fails_at_once(
    world: World,
) -> None:
    sandboxes, arrivals = limited_sandboxes(world, limit=1, window=60.0)
    (spent, (customer, _)) = linked_pairs(world)[:2]
    env = limit_env(1, 60.0, REQUEST_DEADLINE_SECONDS="5")
    async with gateway_with(sandboxes, env) as gateway:
        await spend(gateway, [spent])
        started = time.monotonic()
        result = await read(gateway, customer["id"])
        elapsed = time.monotonic() - started
    assert elapsed < 5.0  # not held until the deadline, let alone the next slot
    assert result["data"]["customer"]["fullwhereId"] == customer["id"]
    error = errors_by_path(result)[("customer", "mews")]
    assert error["extensions"]["code"] == "UPSTREAM_RATE_LIMITED"
    assert 0 < error["extensions"]["retryAfterSeconds"] <= 60
    assert len(arrivals.of(GET_ALL)) == 1


async def test_a_request_that_goes_away_leaves_the_shared_call_to_the_others(
    world: World,
) -> None:
    sandboxes, arrivals = limited_sandboxes(world, limit=4, window=4.0)
    pairs = linked_pairs(world)
    spent, (leaving, staying) = pairs[:3], pairs[3:5]
    async with gateway_with(sandboxes, limit_env(4, 4.0)) as gateway:
        await spend(gateway, spent)
        gone = asyncio.ensure_future(read(gateway, leaving[0]["id"]))
        kept = asyncio.ensure_future(read(gateway, staying[0]["id"]))
        await asyncio.sleep(0.1)  # both are in the batch, which collects for 0.5 s
        gone.cancel()
        result = await kept
    assert gone.cancelled()
    assert result["data"]["customer"]["mews"]["mewsId"] == staying[1]["Id"]
    shared = arrivals.of(GET_ALL)[-1].body["CustomerIds"]
    assert sorted(shared) == sorted([leaving[1]["Id"], staying[1]["Id"]])
