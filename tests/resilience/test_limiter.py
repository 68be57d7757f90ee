"""The client-side Mews rate limit: calls are spread over the sliding window instead of
collecting 429s, and a wait that would pass the request's deadline fails at once."""

from __future__ import annotations

import httpx
import pytest

from gateway.config import Resilience
from gateway.sandbox.control import SandboxControl
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox
from gateway.upstream.errors import UpstreamRateLimited
from gateway.upstream.mews import MewsClient
from gateway.upstream.resilience import (
    NO_RETRY,
    Deadline,
    Guard,
    RetryPolicy,
    SlidingWindowLimiter,
    deadline_scope,
)
from tests.conftest import gateway_with
from tests.resilience.conftest import FakeClock, errors_by_path
from tests.support.mews_data import DEMO_CREDENTIALS, make_customers, mews_http


def sandbox_on(clock: FakeClock, *, rate_limit: int) -> MewsSandbox:
    """A Mews sandbox enforcing its own limit of `rate_limit` per 30 s on the fake clock."""
    return create_mews_sandbox(
        make_customers(2),
        control=SandboxControl(),
        rate_limit=rate_limit,
        rate_window=30.0,
        clock=clock,
    )


def client_for(http: httpx.AsyncClient, guard: Guard) -> MewsClient:
    return MewsClient(http, DEMO_CREDENTIALS, guard=guard)


async def test_a_burst_is_spread_over_the_window_without_any_429() -> None:
    clock = FakeClock()
    sandbox = sandbox_on(clock, rate_limit=3)
    limiter = SlidingWindowLimiter(limit=3, window=30.0, clock=clock)
    guard = Guard("mews", retry=NO_RETRY, limiter=limiter, sleep=clock.sleep)
    async with mews_http(sandbox) as http:
        client = client_for(http, guard)
        for _ in range(7):
            await client.search(name="x")  # with no retries, a single 429 would raise
    assert sandbox.control.calls["customers/search"] == 7
    assert clock.sleeps == [30.0, 30.0]  # the 4th and the 7th waited for a free slot


async def test_without_the_limiter_the_same_burst_collects_429s() -> None:
    clock = FakeClock()
    sandbox = sandbox_on(clock, rate_limit=3)
    async with mews_http(sandbox) as http:
        client = client_for(http, Guard("mews", retry=NO_RETRY, sleep=clock.sleep))
        for _ in range(3):
            await client.search(name="x")
        with pytest.raises(UpstreamRateLimited):
            await client.search(name="x")


async def test_a_wait_past_the_deadline_fails_at_once_without_a_call() -> None:
    clock = FakeClock()
    sandbox = sandbox_on(clock, rate_limit=100)
    limiter = SlidingWindowLimiter(limit=1, window=30.0, clock=clock)
    guard = Guard("mews", retry=RetryPolicy(retries=2), limiter=limiter, sleep=clock.sleep)
    async with mews_http(sandbox) as http:
        client = client_for(http, guard)
        with deadline_scope(Deadline.after(5.0, clock=clock)):
            await client.search(name="x")
            with pytest.raises(UpstreamRateLimited) as caught:
                await client.search(name="x")
    assert sandbox.control.calls["customers/search"] == 1
    assert clock.sleeps == []
    assert caught.value.code == "UPSTREAM_RATE_LIMITED"
    assert caught.value.retry_after == 30.0


async def test_a_429_with_retry_after_holds_back_every_call() -> None:
    clock = FakeClock()
    sandbox = sandbox_on(clock, rate_limit=100)
    limiter = SlidingWindowLimiter(limit=100, window=30.0, clock=clock)
    guard = Guard("mews", retry=NO_RETRY, limiter=limiter, sleep=clock.sleep)
    sandbox.control.fail_next("customers/search", status=429, headers={"Retry-After": "4"})
    async with mews_http(sandbox) as http:
        client = client_for(http, guard)
        with pytest.raises(UpstreamRateLimited):
            await client.search(name="x")
        assert limiter.next_wait() == 4.0
        await client.get_all({"ActivityStates": ["Active"]}, count=1)  # another operation
    assert clock.sleeps == [4.0]


async def test_the_gateway_fails_fast_with_rate_limited_when_its_budget_is_spent(
    sandboxes: Sandboxes,
) -> None:
    env = {"MEWS_RATE_LIMIT": "1", "MEWS_RATE_WINDOW_SECONDS": "60"}
    query = "query($name: String) { searchCustomers(name: $name) { mews { mewsId } } }"
    async with gateway_with(sandboxes, env) as gateway:
        await gateway.data(query, {"name": "a"})
        result = await gateway.post(query, {"name": "b"})
    extensions = errors_by_path(result)[("searchCustomers",)]["extensions"]
    assert extensions["code"] == "UPSTREAM_RATE_LIMITED"
    assert extensions["source"] == "mews"
    # The slot frees a window (plus the arrival margin) after the first call.
    assert 0 < extensions["retryAfterSeconds"] <= 60 + Resilience().mews_rate_margin
    assert sandboxes.mews.control.calls["customers/search"] == 1
