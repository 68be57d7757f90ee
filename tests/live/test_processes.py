"""Live changes across processes: two `gateway serve` processes on one real Redis, the
sandboxes in a process of their own. A webhook received by process 1 reaches a subscriber of
process 2 (WebSocket and SSE), with the new data, for one `customers/getAll`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gateway.sandbox.world import World, build_world
from tests.live.support import (
    BY_EMAIL,
    CUSTOMER,
    SECRET,
    WEBHOOK,
    WsClient,
    message,
    mews_body,
    new_email,
)
from tests.support.processes import Process, gateway_env, gateway_server, sandbox_server
from tests.support.redis_server import RedisServer

CHANGED = """subscription($id: ID) {
  customerChanged(id: $id) { id kind source customer { id mews { lastName email } } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id } } }"""


@dataclass
class Deployment:
    sandbox: Process
    one: Process
    two: Process
    world: World

    def url(self, process: Process) -> str:
        return f"http://127.0.0.1:{process.port}"

    def mews_calls(self) -> dict[str, int]:
        status, calls = self.sandbox.request("GET", "/__bench/calls")
        assert status == 200
        return {k: v for k, v in calls.items() if k.startswith("mews:") and v}

    def reset(self) -> None:
        assert self.sandbox.request("POST", "/__bench/reset")[0] == 200

    def front_desk(self, operation: str, **fields: Any) -> dict[str, Any]:
        """A change made in Mews itself, not through the gateway."""
        status, answer = self.sandbox.request(
            "POST", f"/mews/api/connector/v1/{operation}", mews_body(**fields)
        )
        assert status == 200, answer
        return dict(answer)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("live")
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer(directory))
        sandbox = stack.enter_context(sandbox_server(directory))
        env = gateway_env(
            sandbox,
            REDIS_URL=redis.url,
            REDIS_TIMEOUT_SECONDS="5",  # a busy machine must not make Redis look slow
            MEWS_WEBHOOK_SECRET=SECRET,
        )
        one = stack.enter_context(gateway_server(directory, env))
        two = stack.enter_context(gateway_server(directory, env))
        world = build_world()  # the world the sandbox server serves by default
        yield Deployment(sandbox, one, two, world)


def _guests(world: World) -> list[str]:
    return [g["Id"] for g in world.mews_customers if g.get("LastName") and g.get("Email")]


async def _webhook(http: httpx.AsyncClient, *events: tuple[str, str]) -> int:
    return (await http.post(WEBHOOK, json=message(*events))).status_code


async def _established(client: WsClient, http_one: httpx.AsyncClient, guest: str) -> None:
    """Until the subscription on process 2 is known to run: webhooks for `guest` through
    process 1 until one of its changes arrives (the protocol has no "subscribed" message)."""
    for _ in range(50):
        assert await _webhook(http_one, ("CustomerUpdated", guest)) == 202
        try:
            received = await client.receive(timeout=0.5)
        except TimeoutError:
            continue
        assert received["type"] == "next", received
        while True:  # the other warm-up changes, if any
            try:
                await client.receive(timeout=1.0)
            except TimeoutError:
                return
    raise AssertionError("the subscription on process 2 never got a change")


async def test_a_webhook_to_process_1_reaches_a_websocket_subscriber_on_process_2(
    deployment: Deployment,
) -> None:
    warm_up, guest, untouched = _guests(deployment.world)[:3]
    one, two = deployment.url(deployment.one), deployment.url(deployment.two)
    async with (
        httpx.AsyncClient(base_url=one, timeout=10) as http_one,
        httpx.AsyncClient(base_url=two, timeout=10) as http_two,
        WsClient.connect(two) as client,
    ):
        await client.subscribe("all", CHANGED)
        await _established(client, http_one, warm_up)
        before = (await http_two.post("/graphql", json={"query": CUSTOMER,
                  "variables": {"id": f"mews:{guest}"}})).json()  # fmt: skip
        deployment.front_desk("customers/update", CustomerId=guest, LastName="Haugland")
        deployment.reset()
        # Neither a wrong secret nor a malformed body does anything: the first change to
        # arrive is the good message's, and it cost one read.
        wrong = await http_one.post(
            f"/webhooks/mews/{SECRET[:-1]}x", json=message(("CustomerUpdated", untouched))
        )
        malformed = await http_one.post(
            WEBHOOK, json={"EnterpriseId": "e", "Events": [{"Value": {"Id": untouched}}]}
        )
        assert await _webhook(http_one, ("CustomerUpdated", guest)) == 202
        received = await client.receive(timeout=15)
        calls = deployment.mews_calls()
        after = (await http_two.post("/graphql", json={"query": CUSTOMER,
                 "variables": {"id": f"mews:{guest}"}})).json()  # fmt: skip
    assert (wrong.status_code, malformed.status_code) == (404, 400)
    change = received["payload"]["data"]["customerChanged"]
    assert (change["id"], change["kind"], change["source"]) == (f"mews:{guest}", "UPDATED", "MEWS")
    assert change["customer"]["mews"]["lastName"] == "Haugland"
    assert calls == {"mews:customers/getAll": 1}
    assert before["data"]["customer"]["mews"]["lastName"] != "Haugland"
    assert after["data"]["customer"]["mews"]["lastName"] == "Haugland"


async def test_a_guest_added_in_mews_is_found_by_email_on_process_2_right_after_its_webhook(
    deployment: Deployment,
) -> None:
    email = new_email()
    added = deployment.front_desk(
        "customers/add", LastName="Achterberg", Email=email, OverwriteExisting=False
    )
    one, two = deployment.url(deployment.one), deployment.url(deployment.two)
    async with (
        httpx.AsyncClient(base_url=one, timeout=10) as http_one,
        httpx.AsyncClient(base_url=two, timeout=10) as http_two,
        WsClient.connect(two) as client,
    ):
        await client.subscribe("new", CHANGED, id=f"mews:{added['Id']}")
        # Its webhook, until the subscription runs (each repeat is harmless).
        for _ in range(50):
            events = (("CustomerAdded", added["Id"]), ("CustomerUpdated", added["Id"]))
            assert await _webhook(http_one, *events) == 202
            try:
                received = await client.receive(timeout=0.5)
                break
            except TimeoutError:
                continue
        found = await http_two.post(
            "/graphql", json={"query": BY_EMAIL, "variables": {"email": email}}
        )
    assert received["payload"]["data"]["customerChanged"]["kind"] == "ADDED"
    edges = found.json()["data"]["customers"]["edges"]
    assert [e["node"]["id"] for e in edges] == [f"mews:{added['Id']}"]


async def test_a_mutation_through_process_1_reaches_an_sse_subscriber_on_process_2(
    deployment: Deployment,
) -> None:
    guest = _guests(deployment.world)[3]
    one, two = deployment.url(deployment.one), deployment.url(deployment.two)
    body = {"query": CHANGED, "variables": {"id": f"mews:{guest}"}}
    async with (
        httpx.AsyncClient(base_url=one, timeout=10) as http_one,
        httpx.AsyncClient(base_url=two, timeout=20) as http_two,
        http_two.stream(
            "POST", "/graphql", json=body, headers={"accept": "text/event-stream"}
        ) as stream,
    ):
        assert stream.status_code == 200
        lines = _Lines(stream.aiter_lines())
        # Updates through process 1 until the stream (which has no "subscribed" event) hears.
        for attempt in range(50):
            variables = {"input": {"id": f"mews:{guest}", "lastName": f"Sorensen{attempt}"}}
            result = (await http_one.post("/graphql", json={"query": UPDATE,
                      "variables": variables})).json()  # fmt: skip
            assert "errors" not in result, result
            try:
                event = await _next_event(lines, timeout=0.5)
                break
            except TimeoutError:
                continue
        lines.task.cancel()
    assert event["event"] == "next"
    change = event["data"]["data"]["customerChanged"]
    assert (change["id"], change["kind"], change["source"]) == (
        f"mews:{guest}",
        "UPDATED",
        "GATEWAY",
    )
    assert change["customer"]["mews"]["lastName"].startswith("Sorensen")


class _Lines:
    """The lines of a stream, read by a task of their own: waiting for one with a timeout
    leaves the stream intact (cancelling a read of `aiter_lines` would end it)."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.task = asyncio.create_task(self._read(lines))

    async def _read(self, lines: AsyncIterator[str]) -> None:
        async for line in lines:
            await self.queue.put(line)

    async def next(self, timeout: float) -> str:
        return await asyncio.wait_for(self.queue.get(), timeout)


async def _next_event(lines: _Lines, timeout: float) -> dict[str, Any]:
    """The next SSE event within `timeout` seconds (comments skipped)."""
    event: dict[str, Any] = {}
    while True:
        line = await lines.next(timeout)
        if line.startswith("event: "):
            event["event"] = line.removeprefix("event: ")
        elif line.startswith("data:"):
            data = line.removeprefix("data:").strip()
            event["data"] = json.loads(data) if data else None
        elif not line and "event" in event:
            return event
