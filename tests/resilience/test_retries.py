"""Retries through a client's `Guard`, with faults injected at the sandboxes and calls counted
there. Sleeps are recorded by a fake clock instead of slept."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from gateway.errors import error_extensions
from gateway.sandbox.control import SandboxControl
from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox
from gateway.upstream.errors import (
    UpstreamInvalidResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from gateway.upstream.fullwhere import FullwhereClient, FullwhereCredentials
from gateway.upstream.mews import MewsClient
from gateway.upstream.resilience import Backoff, Guard, RetryPolicy
from tests.resilience.conftest import FakeClock, constant
from tests.support.fullwhere_data import (
    ALICE,
    API_KEY,
    API_SECRET,
    fullwhere_http,
    fullwhere_sandbox,
)
from tests.support.loopback import loopback_http
from tests.support.mews_data import DEMO_CREDENTIALS, make_customers, mews_http

FW_CREDENTIALS = FullwhereCredentials(API_KEY, API_SECRET)
#: Jitter draws of 1.0 show the backoff ceilings.
ALWAYS_ONE = constant(1.0)


def guard(
    source: str,
    clock: FakeClock,
    *,
    retries: int = 2,
    rand: Callable[[], float] = ALWAYS_ONE,
    timeout: httpx.Timeout | None = None,
) -> Guard:
    return Guard(
        source,  # type: ignore[arg-type]
        retry=RetryPolicy(retries=retries, backoff=Backoff(base=0.1, cap=0.25)),
        timeout=timeout,
        sleep=clock.sleep,
        rand=rand,
    )


@asynccontextmanager
async def mews(sandbox: MewsSandbox, clock: FakeClock, **kw: Any) -> AsyncIterator[MewsClient]:
    async with mews_http(sandbox) as http:
        yield MewsClient(http, DEMO_CREDENTIALS, guard=guard("mews", clock, **kw))


@pytest.fixture
def mews_sandbox() -> MewsSandbox:
    return create_mews_sandbox(make_customers(3), control=SandboxControl())


# -- reads ---------------------------------------------------------------------------------------


async def test_a_read_is_retried_after_a_503_and_succeeds(mews_sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/search", times=2, status=503)
    async with mews(mews_sandbox, clock) as client:
        assert await client.search(name="Carbone") == await client.search(name="Carbone")
    assert mews_sandbox.control.calls["customers/search"] == 4  # 2 failures, 2 successes
    assert len(clock.sleeps) == 2


async def test_retry_after_is_honoured(mews_sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/getAll", status=429, headers={"Retry-After": "0.2"})
    async with mews(mews_sandbox, clock) as client:
        await client.get_by_ids([str(uuid.uuid4())])
    assert mews_sandbox.control.calls["customers/getAll"] == 2
    assert clock.sleeps == [0.2]  # exactly what Mews asked for, not the 0.1 s backoff


async def test_retry_after_on_a_503_is_honoured_too(mews_sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/search", status=503, headers={"Retry-After": "1"})
    async with mews(mews_sandbox, clock) as client:
        await client.search(name="x")
    assert clock.sleeps == [1.0]


async def test_without_retry_after_waits_grow_exponentially_up_to_the_cap(
    mews_sandbox: MewsSandbox,
) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/search", times=4, status=429)  # no Retry-After
    async with mews(mews_sandbox, clock, retries=4) as client:
        await client.search(name="x")
    # rand() = 1.0 shows the ceilings: base 0.1 doubling, capped at 0.25.
    assert clock.sleeps == [0.1, 0.2, 0.25, 0.25]
    assert mews_sandbox.control.calls["customers/search"] == 5


async def test_backoff_waits_are_jittered(mews_sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/search", times=3, status=502)
    draws = iter([0.5, 0.25, 0.75])
    async with mews(mews_sandbox, clock, retries=3, rand=lambda: next(draws)) as client:
        await client.search(name="x")
    assert clock.sleeps == [0.05, 0.05, 0.1875]  # U(0, ceiling): 0.5·0.1, 0.25·0.2, 0.75·0.25


async def test_a_read_gives_up_after_the_retries_with_the_last_error(
    mews_sandbox: MewsSandbox,
) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/search", times=10, status=503)
    async with mews(mews_sandbox, clock, retries=2) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.search(name="x")
    assert caught.value.status == 503
    assert mews_sandbox.control.calls["customers/search"] == 3
    assert len(clock.sleeps) == 2


async def test_client_errors_and_malformed_answers_are_not_retried() -> None:
    clock = FakeClock()
    sandbox = fullwhere_sandbox()
    async with fullwhere_http(sandbox) as http:
        client = FullwhereClient(http, FW_CREDENTIALS, guard=guard("fullwhere", clock))
        with pytest.raises(UpstreamNotFound):
            await client.get_customer("0000-unknown")
        sandbox.control.fail_next("get", kind="malformed")
        with pytest.raises(UpstreamInvalidResponse):
            await client.get_customer(ALICE["id"])
    assert sandbox.control.calls["get"] == 2
    assert clock.sleeps == []


async def test_a_dropped_connection_on_a_read_is_retried() -> None:
    clock = FakeClock()
    sandbox = fullwhere_sandbox()
    sandbox.control.fail_next("get", kind="disconnect")
    async with loopback_http(sandbox.app, timeout=2.0) as http:
        client = FullwhereClient(http, FW_CREDENTIALS, guard=guard("fullwhere", clock))
        record = await client.get_customer(ALICE["id"])
    assert record["id"] == ALICE["id"]
    assert sandbox.control.calls["get"] == 2


async def test_a_read_timeout_is_retried() -> None:
    clock = FakeClock()
    sandbox = fullwhere_sandbox()
    sandbox.control.fail_next("get", kind="hang", hang_seconds=0.3)
    async with loopback_http(sandbox.app) as http:
        client = FullwhereClient(
            http,
            FW_CREDENTIALS,
            guard=guard("fullwhere", clock, timeout=httpx.Timeout(2.0, read=0.1)),
        )
        record = await client.get_customer(ALICE["id"])
    assert record["id"] == ALICE["id"]
    assert sandbox.control.calls["get"] == 2


# -- writes --------------------------------------------------------------------------------------


async def test_a_write_is_not_retried_after_a_503_and_says_it_may_have_applied(
    mews_sandbox: MewsSandbox,
) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/add", status=503)
    async with mews(mews_sandbox, clock) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.add({"LastName": "Carbone", "OverwriteExisting": False})
    assert mews_sandbox.control.calls["customers/add"] == 1
    assert clock.sleeps == []
    assert "the write may have been applied: check before retrying" in caught.value.message
    extensions = error_extensions(caught.value)
    assert extensions is not None and extensions["mayHaveBeenApplied"] is True


async def test_a_write_is_retried_after_a_429(mews_sandbox: MewsSandbox) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/add", status=429, headers={"Retry-After": "0.2"})
    async with mews(mews_sandbox, clock) as client:
        added = await client.add({"LastName": "Carbone", "OverwriteExisting": False})
    assert added["LastName"] == "Carbone"
    assert mews_sandbox.control.calls["customers/add"] == 2
    assert clock.sleeps == [0.2]


async def test_a_write_that_timed_out_after_sending_is_not_retried() -> None:
    clock = FakeClock()
    sandbox = create_mews_sandbox(control=SandboxControl())
    sandbox.control.fail_next("customers/add", kind="hang", hang_seconds=0.3)
    async with loopback_http(sandbox.app) as http:
        client = MewsClient(
            http,
            DEMO_CREDENTIALS,
            guard=guard("mews", clock, timeout=httpx.Timeout(2.0, read=0.1)),
        )
        with pytest.raises(UpstreamTimeout) as caught:
            await client.add({"LastName": "Carbone", "OverwriteExisting": False})
    assert sandbox.control.calls["customers/add"] == 1
    assert caught.value.sent is True
    assert caught.value.message == (
        "no answer in time; the write may have been applied: check before retrying"
    )


async def test_a_write_whose_connection_dropped_is_not_retried() -> None:
    clock = FakeClock()
    sandbox = fullwhere_sandbox()
    sandbox.control.fail_next("import", kind="disconnect")
    async with loopback_http(sandbox.app, timeout=2.0) as http:
        client = FullwhereClient(http, FW_CREDENTIALS, guard=guard("fullwhere", clock))
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.import_customer({"firstName": "Quinn"})
    assert sandbox.control.calls["import"] == 1
    assert "may have been applied" in caught.value.message


async def test_a_write_refused_before_sending_is_retried() -> None:
    clock = FakeClock()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=1.0) as http:
        client = FullwhereClient(http, FW_CREDENTIALS, guard=guard("fullwhere", clock))
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.import_customer({"firstName": "Quinn"})
    assert len(clock.sleeps) == 2  # both retries were made: nothing had been sent
    assert caught.value.not_applied
    assert "may have been applied" not in caught.value.message


async def test_a_write_rate_limited_past_its_retries_reports_rate_limited(
    mews_sandbox: MewsSandbox,
) -> None:
    clock = FakeClock()
    mews_sandbox.control.fail_next("customers/update", times=5, status=429)
    async with mews(mews_sandbox, clock, retries=1) as client:
        with pytest.raises(UpstreamRateLimited):
            await client.update({"CustomerId": str(uuid.uuid4()), "FirstName": "X"})
    assert mews_sandbox.control.calls["customers/update"] == 2
