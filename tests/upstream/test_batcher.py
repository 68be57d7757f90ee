"""The process-wide Mews read batcher over the Mews sandbox: concurrent readers share one
call, each gets exactly its own records, and one reader's failure, cancellation or deadline
stays its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.sandbox.control import SandboxControl
from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox
from gateway.upstream.batcher import BatchWindow, MewsBatcher
from gateway.upstream.errors import UpstreamRateLimited, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream.mews import MewsClient
from gateway.upstream.resilience import Deadline, Guard, SlidingWindowLimiter, deadline_scope
from tests.resilience.conftest import FakeClock
from tests.support.arrivals import Arrivals
from tests.support.mews_data import DEMO_CREDENTIALS, make_customers, mews_http

GET_ALL = "customers/getAll"


@pytest.fixture
def sandbox() -> MewsSandbox:
    customers = make_customers(12)
    for index, customer in enumerate(customers):
        customer["Email"] = f"guest{index}@example.com"
    return create_mews_sandbox(customers, control=SandboxControl())


@pytest.fixture
def arrivals(sandbox: MewsSandbox) -> Arrivals:
    """The Mews calls as they reach the sandbox."""
    arrivals = Arrivals(sandbox.app)
    sandbox.app = arrivals  # type: ignore[assignment]
    return arrivals


@pytest.fixture
async def client(sandbox: MewsSandbox, arrivals: Arrivals) -> AsyncIterator[MewsClient]:
    async with mews_http(sandbox) as http:
        yield MewsClient(http, DEMO_CREDENTIALS)


def ids_of(sandbox: MewsSandbox) -> list[str]:
    return list(sandbox.customers)


async def test_concurrent_readers_share_one_get_all_and_each_gets_its_own_records(
    sandbox: MewsSandbox, client: MewsClient, arrivals: Arrivals
) -> None:
    batcher = MewsBatcher(client)
    ids = ids_of(sandbox)
    wanted = [ids[0:3], ids[2:5], ids[5:6], [ids[6], "no-such-id"]]
    results = await asyncio.gather(*(batcher.customers.load(keys) for keys in wanted))
    for keys, found in zip(wanted, results, strict=True):
        assert set(found) == set(keys) - {"no-such-id"}
        assert all(found[key]["Id"] == key for key in found)
    calls = arrivals.of(GET_ALL)
    assert len(calls) == 1
    assert sorted(calls[0].body["CustomerIds"]) == sorted({*ids[0:7], "no-such-id"})


async def test_emails_and_open_items_are_batched_across_readers_too(
    sandbox: MewsSandbox, client: MewsClient, arrivals: Arrivals
) -> None:
    batcher = MewsBatcher(client)
    ids = ids_of(sandbox)
    first, second = await asyncio.gather(
        batcher.emails.load(["guest1@example.com"]), batcher.emails.load(["guest2@example.com"])
    )
    assert [c["Id"] for c in first["guest1@example.com"]] == [ids[1]]
    assert [c["Id"] for c in second["guest2@example.com"]] == [ids[2]]
    await asyncio.gather(
        batcher.open_items().load([ids[0]]), batcher.open_items(None).load([ids[1]])
    )
    assert len(arrivals.of(GET_ALL)) == 1
    (open_items,) = arrivals.of("customers/getOpenItems")
    assert sorted(open_items.body["CustomerIds"]) == sorted(ids[0:2])


async def test_open_items_in_another_currency_go_in_a_call_of_their_own(
    sandbox: MewsSandbox, client: MewsClient, arrivals: Arrivals
) -> None:
    batcher = MewsBatcher(client)
    ids = ids_of(sandbox)
    await asyncio.gather(
        batcher.open_items().load([ids[0]]),
        batcher.open_items("EUR").load([ids[1]]),
        batcher.open_items("EUR").load([ids[2]]),
    )
    bodies = sorted(
        (call.body.get("Currency") or "", sorted(call.body["CustomerIds"]))
        for call in arrivals.of("customers/getOpenItems")
    )
    assert bodies == [("", [ids[0]]), ("EUR", sorted(ids[1:3]))]


async def test_a_failed_call_fails_each_of_its_readers_with_an_error_of_its_own(
    sandbox: MewsSandbox, client: MewsClient
) -> None:
    batcher = MewsBatcher(client)
    ids = ids_of(sandbox)
    sandbox.control.fail_next(GET_ALL, status=503)
    errors = await asyncio.gather(
        batcher.customers.load(ids[0:1]), batcher.customers.load(ids[1:2]), return_exceptions=True
    )
    assert all(isinstance(error, UpstreamUnavailable) for error in errors)
    assert errors[0] is not errors[1]
    # The next batch is not affected.
    assert set(await batcher.customers.load(ids[0:2])) == set(ids[0:2])


async def test_a_cancelled_reader_leaves_the_batch_to_the_others(
    sandbox: MewsSandbox, client: MewsClient, arrivals: Arrivals
) -> None:
    batcher = MewsBatcher(client)
    ids = ids_of(sandbox)
    sandbox.control.latency = 0.2
    leaving = asyncio.ensure_future(batcher.customers.load(ids[0:2]))
    staying = asyncio.ensure_future(batcher.customers.load(ids[1:3]))
    await asyncio.sleep(0.05)
    leaving.cancel()
    assert set(await staying) == set(ids[1:3])
    assert leaving.cancelled()
    assert len(arrivals.of(GET_ALL)) == 1


async def test_a_reader_whose_deadline_passes_fails_alone(
    sandbox: MewsSandbox, client: MewsClient
) -> None:
    batcher = MewsBatcher(client)
    ids = ids_of(sandbox)
    sandbox.control.latency = 0.3

    async def hurried() -> BaseException | None:
        with deadline_scope(Deadline.after(0.1)):
            try:
                await batcher.customers.load(ids[0:1])
            except UpstreamTimeout as exc:
                return exc
        return None

    error, patient = await asyncio.gather(hurried(), batcher.customers.load(ids[1:2]))
    assert isinstance(error, UpstreamTimeout)
    assert error.code == "UPSTREAM_TIMEOUT"
    assert set(patient) == {ids[1]}


async def test_a_read_the_limit_would_hold_past_its_deadline_fails_at_once(
    sandbox: MewsSandbox,
) -> None:
    limiter = SlidingWindowLimiter(limit=1, window=30.0)
    limiter.reserve()
    async with mews_http(sandbox) as http:
        batcher = MewsBatcher(
            MewsClient(http, DEMO_CREDENTIALS, guard=Guard("mews", limiter=limiter))
        )
        with deadline_scope(Deadline.after(5.0)), pytest.raises(UpstreamRateLimited) as caught:
            await batcher.customers.load(ids_of(sandbox)[0:1])
    assert caught.value.code == "UPSTREAM_RATE_LIMITED"
    assert 25 < (caught.value.retry_after or 0) <= 30
    assert sandbox.control.calls[GET_ALL] == 0


async def test_with_the_budget_low_a_batch_collects_until_the_window_closes(
    sandbox: MewsSandbox,
) -> None:
    # 3 of 4 calls spent: a quarter left, so the window is half the spacing (2 s / 4 / 2).
    limiter = SlidingWindowLimiter(limit=4, window=2.0)
    for _ in range(3):
        limiter.reserve()
    async with mews_http(sandbox) as http:
        batcher = MewsBatcher(
            MewsClient(http, DEMO_CREDENTIALS, guard=Guard("mews", limiter=limiter))
        )
        ids = ids_of(sandbox)

        async def later(delay: float, keys: list[str]) -> dict[str, Any]:
            await asyncio.sleep(delay)
            return await batcher.customers.load(keys)

        results = await asyncio.gather(
            later(0, ids[0:1]), later(0.05, ids[1:2]), later(0.1, ids[2:3])
        )
    assert [set(found) for found in results] == [{ids[0]}, {ids[1]}, {ids[2]}]
    assert sandbox.control.calls[GET_ALL] == 1


async def test_a_batch_keeps_collecting_while_it_waits_for_a_free_slot(
    sandbox: MewsSandbox,
) -> None:
    limiter = SlidingWindowLimiter(limit=2, window=1.0)
    limiter.reserve()
    limiter.reserve()  # nothing free for a second
    async with mews_http(sandbox) as http:
        guard = Guard("mews", limiter=limiter)
        batcher = MewsBatcher(MewsClient(http, DEMO_CREDENTIALS, guard=guard))
        ids = ids_of(sandbox)

        async def later(delay: float, keys: list[str]) -> dict[str, Any]:
            await asyncio.sleep(delay)
            return await batcher.customers.load(keys)

        results = await asyncio.gather(*(later(0.3 * n, ids[n : n + 1]) for n in range(3)))
    assert [list(found) for found in results] == [[id_] for id_ in ids[0:3]]
    assert sandbox.control.calls[GET_ALL] == 1


async def test_the_window_is_one_tick_while_the_budget_is_plentiful_and_grows_as_it_runs_low() -> (
    None
):
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=20, window=30.0, clock=clock)
    window = BatchWindow()
    seconds = []
    for _ in range(20):
        seconds.append(window.seconds(limiter, await limiter.budget()))
        limiter.reserve()
    seconds.append(window.seconds(limiter, await limiter.budget()))
    assert seconds[:11] == [0.0] * 11  # half the budget or more left
    assert seconds[11:] == sorted(seconds[11:]) and seconds[11] > 0
    assert seconds[-1] == pytest.approx(30.0 / 20)  # nothing left: the call spacing
    assert window.seconds(None, None) == 0.0


async def test_a_full_batch_goes_at_once_and_the_next_ids_open_another(
    sandbox: MewsSandbox, client: MewsClient, arrivals: Arrivals
) -> None:
    batcher = MewsBatcher(client, BatchWindow(max_ids=2))
    ids = ids_of(sandbox)
    results = await asyncio.gather(*(batcher.customers.load([id_]) for id_ in ids[0:5]))
    assert [list(found) for found in results] == [[id_] for id_ in ids[0:5]]
    sizes = [len(call.body["CustomerIds"]) for call in arrivals.of(GET_ALL)]
    assert sorted(sizes) == [1, 2, 2]
