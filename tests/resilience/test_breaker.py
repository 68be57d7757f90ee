"""The circuit breaker of an upstream: it opens after N consecutive upstream faults, sends
nothing while open, lets one probe through after the cool-down, and closes on success."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from gateway.app import Sandboxes
from gateway.sandbox.control import SandboxControl
from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox
from gateway.sandbox.world import World, linked_pairs
from gateway.upstream.errors import UpstreamBadRequest, UpstreamRateLimited, UpstreamUnavailable
from gateway.upstream.mews import MewsClient
from gateway.upstream.resilience import NO_RETRY, CircuitBreaker, Guard, UpstreamCircuitOpen
from tests.resilience.conftest import FAST, FakeClock, errors_by_path, gateway_with
from tests.support.mews_data import DEMO_CREDENTIALS, make_customers


@pytest.fixture
def sandbox() -> MewsSandbox:
    return create_mews_sandbox(make_customers(2), control=SandboxControl())


@asynccontextmanager
async def client_with(
    sandbox: MewsSandbox, breaker: CircuitBreaker, clock: FakeClock
) -> AsyncIterator[MewsClient]:
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mews.test") as http:
        guard = Guard("mews", retry=NO_RETRY, breaker=breaker, sleep=clock.sleep)
        yield MewsClient(http, DEMO_CREDENTIALS, guard=guard)


async def test_opens_after_n_failures_then_sends_nothing(sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=10.0, clock=clock)
    sandbox.control.fail_next("customers/search", 3, status=503)
    async with client_with(sandbox, breaker, clock) as client:
        for _ in range(3):
            with pytest.raises(UpstreamUnavailable):
                await client.search(name="x")
        assert str(breaker.state) == "open"
        for _ in range(5):
            with pytest.raises(UpstreamCircuitOpen) as caught:
                await client.search(name="x")
    assert sandbox.control.calls["customers/search"] == 3  # nothing sent while open
    assert caught.value.code == "UPSTREAM_UNAVAILABLE"
    assert caught.value.not_applied and caught.value.retry_after == 10.0


async def test_half_open_probe_that_succeeds_closes_the_circuit(sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cooldown=10.0, clock=clock)
    sandbox.control.fail_next("customers/search", 2, status=500)
    async with client_with(sandbox, breaker, clock) as client:
        for _ in range(2):
            with pytest.raises(UpstreamUnavailable):
                await client.search(name="x")
        clock.advance(10.0)
        assert str(breaker.state) == "half-open"
        await client.search(name="x")  # the probe
        assert str(breaker.state) == "closed"
        await client.search(name="x")
    assert sandbox.control.calls["customers/search"] == 4


async def test_a_failing_probe_opens_it_again(sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cooldown=10.0, clock=clock)
    sandbox.control.fail_next("customers/search", 3, status=503)
    async with client_with(sandbox, breaker, clock) as client:
        for _ in range(2):
            with pytest.raises(UpstreamUnavailable):
                await client.search(name="x")
        clock.advance(10.0)
        with pytest.raises(UpstreamUnavailable):
            await client.search(name="x")  # the probe fails
        with pytest.raises(UpstreamCircuitOpen):
            await client.search(name="x")
    assert sandbox.control.calls["customers/search"] == 3


async def test_client_errors_and_429s_never_open_it(sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cooldown=10.0, clock=clock)
    sandbox.control.fail_next("customers/search", 3, status=400)
    sandbox.control.fail_next("customers/getAll", 3, status=429)
    async with client_with(sandbox, breaker, clock) as client:
        for _ in range(3):
            with pytest.raises(UpstreamBadRequest):
                await client.search(name="x")
            with pytest.raises(UpstreamRateLimited):
                await client.get_all({"ActivityStates": ["Active"]}, count=1)
    assert str(breaker.state) == "closed"


async def test_an_open_circuit_reaches_graphql_as_upstream_unavailable(
    sandboxes: Sandboxes, world: World
) -> None:
    pairs = [(fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId")][:4]
    env = {
        **FAST, "UPSTREAM_RETRIES": "0", "UPSTREAM_BREAKER_THRESHOLD": "2",
        "UPSTREAM_BREAKER_COOLDOWN_SECONDS": "60",
    }
    sandboxes.mews.control.fail_next("customers/getAll", 2, status=503)
    query = "query($id: ID!) { customer(id: $id) { email mews { id } } }"
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
    assert extensions["mayHaveBeenApplied"] is False
    assert 0 < extensions["retryAfterSeconds"] <= 60
