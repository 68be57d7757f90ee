"""A write goes out only with enough of its deadline left for an answer, and says it may have
been applied only when its bytes left the process."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.sandbox.control import SandboxControl
from gateway.sandbox.mews import create_mews_sandbox
from gateway.upstream.errors import UpstreamRateLimited, UpstreamTimeout
from gateway.upstream.mews import MewsClient
from gateway.upstream.mews_types import MewsAddBody
from gateway.upstream.resilience import (
    Deadline,
    Guard,
    SlidingWindowLimiter,
    deadline_scope,
    sent_writes_scope,
)
from gateway.upstream.session import AiohttpSession
from tests.resilience.conftest import FakeClock
from tests.support.loopback import serve_loopback
from tests.support.mews_data import DEMO_CREDENTIALS, mews_http

ADD: MewsAddBody = {"LastName": "Carbone", "OverwriteExisting": False}


async def test_a_write_whose_slot_lands_at_the_deadline_is_not_sent() -> None:
    clock = FakeClock()
    sandbox = create_mews_sandbox(control=SandboxControl())
    # One call a second: the second write's slot comes 5 ms before its deadline.
    limiter = SlidingWindowLimiter(1, 1.0, clock=clock)
    guard = Guard("mews", limiter=limiter, sleep=clock.sleep, write_margin=0.5)
    async with mews_http(sandbox) as http:
        client = MewsClient(http, DEMO_CREDENTIALS, guard=guard)
        with deadline_scope(Deadline.after(1.005, clock=clock)):
            await client.add(ADD)
            with pytest.raises(UpstreamRateLimited) as caught:
                await client.add({"LastName": "Second", "OverwriteExisting": False})
    assert sandbox.control.calls["customers/add"] == 1
    assert caught.value.may_have_been_applied is False
    assert caught.value.code == "UPSTREAM_RATE_LIMITED"
    assert caught.value.retry_after is not None


async def test_a_write_with_less_than_the_margin_left_is_not_sent() -> None:
    clock = FakeClock()
    sandbox = create_mews_sandbox(control=SandboxControl())
    guard = Guard("mews", sleep=clock.sleep, write_margin=0.5)
    async with mews_http(sandbox) as http:
        client = MewsClient(http, DEMO_CREDENTIALS, guard=guard)
        with (
            deadline_scope(Deadline.after(0.4, clock=clock)),
            pytest.raises(UpstreamRateLimited) as caught,
        ):
            await client.add(ADD)
    assert sandbox.control.total_calls == 0
    assert caught.value.may_have_been_applied is False


async def test_a_write_cut_off_while_waiting_for_a_connection_was_not_applied() -> None:
    sandbox = create_mews_sandbox(control=SandboxControl())
    sandbox.control.fail_next("customers/search", kind="hang", hang_seconds=2.0)
    with serve_loopback(sandbox.app) as base_url:
        # One connection: the hanging read holds it, so the write waits for the pool.
        http = AiohttpSession(
            "mews", base_url, timeout=httpx.Timeout(5.0), max_connections=1, max_keepalive=1
        )
        client = MewsClient(http, DEMO_CREDENTIALS, guard=Guard("mews"))
        try:
            read = asyncio.create_task(client.search(name="x"))
            await asyncio.sleep(0.2)
            with deadline_scope(Deadline.after(0.3)), pytest.raises(UpstreamTimeout) as caught:
                await client.add(ADD)
            await read
        finally:
            await http.aclose()
    assert sandbox.control.calls["customers/add"] == 0
    assert caught.value.sent is False
    assert caught.value.may_have_been_applied is False
    assert "may have been applied" not in caught.value.message


async def test_a_write_is_noted_as_sent_only_once_its_request_left() -> None:
    """What the shutdown reads (`sent_writes_scope`) when it ends a request early."""
    sandbox = create_mews_sandbox(control=SandboxControl())
    sandbox.control.fail_next("customers/search", kind="hang", hang_seconds=2.0)
    sandbox.control.fail_next("customers/add", kind="hang", hang_seconds=2.0)
    with serve_loopback(sandbox.app) as base_url:
        http = AiohttpSession(
            "mews", base_url, timeout=httpx.Timeout(5.0), max_connections=1, max_keepalive=1
        )
        client = MewsClient(http, DEMO_CREDENTIALS, guard=Guard("mews"))
        try:
            read = asyncio.create_task(client.search(name="x"))
            await asyncio.sleep(0.2)
            with sent_writes_scope() as waiting:
                write = asyncio.create_task(client.add(ADD))
                await asyncio.sleep(0.3)  # still waiting for the one connection
                write.cancel()
            await read
            with sent_writes_scope() as out:
                write = asyncio.create_task(client.add(ADD))
                await asyncio.sleep(0.3)  # on the wire; Mews holds its answer
                write.cancel()
        finally:
            await http.aclose()
    assert waiting.sources == []
    assert out.sources == ["mews"]
