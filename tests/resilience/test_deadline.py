"""The deadline of a GraphQL request bounds its upstream calls: no retry wait or attempt
starts that would pass it, and an attempt still running when it arrives is cut off."""

from __future__ import annotations

import uuid

import httpx
import pytest

from gateway.sandbox.control import SandboxControl
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.mews import create_mews_sandbox
from gateway.sandbox.world import World, linked_pairs
from gateway.upstream.errors import UpstreamRateLimited, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream.mews import MewsClient
from gateway.upstream.resilience import Backoff, Deadline, Guard, RetryPolicy, deadline_scope
from tests.conftest import gateway_with
from tests.resilience.conftest import FAST, FakeClock, constant, errors_by_path
from tests.support.mews_data import DEMO_CREDENTIALS, mews_http


def mews_client(http: httpx.AsyncClient, clock: FakeClock, retries: int = 5) -> MewsClient:
    guard = Guard(
        "mews",
        retry=RetryPolicy(retries=retries, backoff=Backoff(base=0.4, cap=10.0)),
        sleep=clock.sleep,
        rand=constant(1.0),
    )
    return MewsClient(http, DEMO_CREDENTIALS, guard=guard)


async def test_retries_stop_before_a_wait_that_would_pass_the_deadline() -> None:
    clock = FakeClock()
    sandbox = create_mews_sandbox(control=SandboxControl())
    sandbox.control.fail_next("customers/search", 10, status=503)
    async with mews_http(sandbox) as http:
        client = mews_client(http, clock)
        with (
            deadline_scope(Deadline.after(1.0, clock=clock)),
            pytest.raises(UpstreamUnavailable) as caught,
        ):
            await client.search(name="x")
    # Waited 0.4 s (0.6 s left); the next wait, 0.8 s, would pass the deadline.
    assert clock.sleeps == [0.4]
    assert sandbox.control.calls["customers/search"] == 2
    assert caught.value.status == 503  # the last upstream error


async def test_a_retry_after_beyond_the_deadline_fails_at_once() -> None:
    clock = FakeClock()
    sandbox = create_mews_sandbox(control=SandboxControl())
    sandbox.control.fail_next("customers/getAll", status=429, headers={"Retry-After": "30"})
    async with mews_http(sandbox) as http:
        client = mews_client(http, clock)
        with (
            deadline_scope(Deadline.after(20.0, clock=clock)),
            pytest.raises(UpstreamRateLimited) as caught,
        ):
            await client.get_by_ids([str(uuid.uuid4())])
    assert clock.sleeps == []
    assert sandbox.control.calls["customers/getAll"] == 1
    assert caught.value.retry_after == 30.0


async def test_nothing_is_sent_once_the_deadline_has_passed() -> None:
    clock = FakeClock()
    sandbox = create_mews_sandbox(control=SandboxControl())
    async with mews_http(sandbox) as http:
        client = mews_client(http, clock)
        deadline = Deadline.after(1.0, clock=clock)
        clock.advance(1.0)
        with deadline_scope(deadline), pytest.raises(UpstreamTimeout) as caught:
            await client.search(name="x")
    assert sandbox.control.total_calls == 0
    assert caught.value.sent is False


async def test_a_write_cut_off_by_the_deadline_may_have_been_applied() -> None:
    sandbox = create_mews_sandbox(control=SandboxControl())
    sandbox.control.fail_next("customers/add", kind="hang", hang_seconds=5.0)
    async with mews_http(sandbox) as http:
        client = MewsClient(http, DEMO_CREDENTIALS, guard=Guard("mews", retry=RetryPolicy()))
        with deadline_scope(Deadline.after(0.2)), pytest.raises(UpstreamTimeout) as caught:
            await client.add({"LastName": "Carbone", "OverwriteExisting": False})
    assert sandbox.control.calls["customers/add"] == 1
    assert caught.value.sent is True
    assert "the write may have been applied: check before retrying" in caught.value.message


async def test_a_hanging_upstream_costs_a_request_no_more_than_its_deadline(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, _ = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    sandboxes.mews.control.fail_next("customers/getAll", kind="hang", hang_seconds=5.0)
    env = {**FAST, "REQUEST_DEADLINE_SECONDS": "0.3"}
    async with gateway_with(sandboxes, env) as gateway:
        result = await gateway.post(
            "query($id: ID!) { customer(id: $id) { id email mews { mewsId } } }",
            {"id": f"fullwhere:{fw['id']}"},
        )
    customer = result["data"]["customer"]
    assert customer["email"] == fw["email"]
    assert customer["mews"] is None
    extensions = errors_by_path(result)[("customer", "mews")]["extensions"]
    assert extensions["code"] == "UPSTREAM_TIMEOUT"
    assert extensions["source"] == "mews"
    # Cut off at the deadline, and no retry started after it.
    assert sandboxes.mews.control.calls["customers/getAll"] == 1
