"""The circuit breaker of an upstream: it opens after N consecutive upstream faults, sends
nothing while open, lets one probe through after the cool-down, and closes on success."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from gateway.sandbox.control import SandboxControl
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox
from gateway.sandbox.world import World, linked_pairs
from gateway.upstream.errors import UpstreamBadRequest, UpstreamRateLimited, UpstreamUnavailable
from gateway.upstream.mews import MewsClient
from gateway.upstream.resilience import NO_RETRY, CircuitBreaker, Guard, UpstreamCircuitOpen
from tests.conftest import gateway_with
from tests.resilience.conftest import FAST, FakeClock, errors_by_path
from tests.support.mews_data import DEMO_CREDENTIALS, make_customers, mews_http


@pytest.fixture
def sandbox() -> MewsSandbox:
    return create_mews_sandbox(make_customers(2), control=SandboxControl())


COOLDOWN = 10.0


@asynccontextmanager
async def guarded(
    sandbox: MewsSandbox, threshold: int
) -> AsyncIterator[tuple[MewsClient, CircuitBreaker, FakeClock]]:
    """A Mews client whose only guard is a breaker opening after `threshold` faults."""
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=threshold, cooldown=COOLDOWN, clock=clock)
    async with mews_http(sandbox) as http:
        guard = Guard("mews", retry=NO_RETRY, breaker=breaker, sleep=clock.sleep)
        yield MewsClient(http, DEMO_CREDENTIALS, guard=guard), breaker, clock


async def searches_fail(
    client: MewsClient, times: int, error: type[Exception] = UpstreamUnavailable
) -> pytest.ExceptionInfo[Exception]:
    """Searches `times` times, each raising `error`; the last one's exception info."""
    for _ in range(times):
        with pytest.raises(error) as caught:
            await client.search(name="x")
    return caught


async def test_opens_after_n_failures_then_sends_nothing(sandbox: MewsSandbox) -> None:
    sandbox.control.fail_next("customers/search", 3, status=503)
    async with guarded(sandbox, threshold=3) as (client, breaker, _):
        await searches_fail(client, 3)
        assert str(breaker.state) == "open"
        caught = await searches_fail(client, 5, UpstreamCircuitOpen)
    assert sandbox.control.calls["customers/search"] == 3  # nothing sent while open
    assert isinstance(caught.value, UpstreamCircuitOpen)
    assert caught.value.code == "UPSTREAM_UNAVAILABLE"
    assert caught.value.not_applied and caught.value.retry_after == COOLDOWN


async def test_half_open_probe_that_succeeds_closes_the_circuit(sandbox: MewsSandbox) -> None:
    sandbox.control.fail_next("customers/search", 2, status=500)
    async with guarded(sandbox, threshold=2) as (client, breaker, clock):
        await searches_fail(client, 2)
        clock.advance(COOLDOWN)
        assert str(breaker.state) == "half-open"
        await client.search(name="x")  # the probe
        assert str(breaker.state) == "closed"
        await client.search(name="x")
    assert sandbox.control.calls["customers/search"] == 4


async def test_a_failing_probe_opens_it_again(sandbox: MewsSandbox) -> None:
    sandbox.control.fail_next("customers/search", 3, status=503)
    async with guarded(sandbox, threshold=2) as (client, _, clock):
        await searches_fail(client, 2)
        clock.advance(COOLDOWN)
        await searches_fail(client, 1)  # the probe fails
        await searches_fail(client, 1, UpstreamCircuitOpen)
    assert sandbox.control.calls["customers/search"] == 3


async def test_client_errors_and_429s_never_open_it(sandbox: MewsSandbox) -> None:
    sandbox.control.fail_next("customers/search", 3, status=400)
    sandbox.control.fail_next("customers/getAll", 3, status=429)
    async with guarded(sandbox, threshold=2) as (client, breaker, _):
        for _ in range(3):
            await searches_fail(client, 1, UpstreamBadRequest)
            with pytest.raises(UpstreamRateLimited):
                await client.get_all({"ActivityStates": ["Active"]}, count=1)
    assert str(breaker.state) == "closed"


async def test_an_open_circuit_reaches_graphql_as_upstream_unavailable(
    sandboxes: Sandboxes, world: World
) -> None:
    pairs = [(fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId")][:4]
    env = {
        **FAST,
        "UPSTREAM_RETRIES": "0",
        "UPSTREAM_BREAKER_THRESHOLD": "2",
        "UPSTREAM_BREAKER_COOLDOWN_SECONDS": "60",
    }
    sandboxes.mews.control.fail_next("customers/getAll", 2, status=503)
    query = "query($id: ID!) { customer(id: $id) { email mews { mewsId } } }"
    async with gateway_with(sandboxes, env) as gateway:
        for fw, _ in pairs[:2]:
            await gateway.post(query, {"id": f"fullwhere:{fw['id']}"})
        gateway.reset_calls()
        result = await gateway.post(query, {"id": f"fullwhere:{pairs[2][0]['id']}"})
        assert "mews:customers/getAll" not in gateway.calls()
    assert result["data"]["customer"]["email"] == pairs[2][0]["email"]
    extensions = errors_by_path(result)[("customer", "mews")]["extensions"]
    assert extensions["code"] == "UPSTREAM_UNAVAILABLE"
    assert extensions["source"] == "mews"
    assert "mayHaveBeenApplied" not in extensions  # a read: nothing to apply
    assert 0 < extensions["retryAfterSeconds"] <= 60
