"""Two `gateway serve` processes on separate ports, one real Redis, and the sandboxes served
by a process of their own: what one process does, the other sees, proven by counting the
requests that reach the sandboxes.

The Mews limit is scaled down on both sides (20 calls per 3 s instead of 200 per 30 s, and
33 requests instead of 330) so the test stays short; the property is the same: never more
than the limit in any window, counted by arrival at the sandbox.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.sandbox.world import (
    World,
    build_world,
    linked_pairs,
)
from tests.support.processes import Process, gateway_env, gateway_server, sandbox_server
from tests.support.redis_server import RedisServer

LIMIT, WINDOW = 20, 3.0
REQUESTS = 33  # 330 for Mews's 200 per 30 s

READ = "query($id: ID!) { customer(id: $id) { id mews { notes } } }"
SEARCH = "query($name: String) { searchCustomers(name: $name) { customer { id } } }"
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id mews { notes } } } }"""
IMPORT = """mutation($input: ImportCustomerInput!, $key: String) {
  importCustomer(input: $input, idempotencyKey: $key) { replayed customer { id } } }"""


@dataclass
class Deployment:
    redis: RedisServer
    sandbox: Process
    a: Process
    b: Process
    world: World

    def calls(self) -> dict[str, int]:
        status, calls = self.sandbox.request("GET", "/__bench/calls")
        assert status == 200
        return dict(calls)

    def reset(self) -> None:
        assert self.sandbox.request("POST", "/__bench/reset")[0] == 200


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("processes")
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer(directory))
        sandbox = stack.enter_context(
            sandbox_server(
                directory, "--mews-rate-limit", str(LIMIT), "--mews-rate-window", str(WINDOW)
            )
        )
        env = gateway_env(
            sandbox,
            REDIS_URL=redis.url,
            REDIS_TIMEOUT_SECONDS="5",  # a busy machine must not make Redis look slow
            MEWS_RATE_LIMIT=str(LIMIT),
            MEWS_RATE_WINDOW_SECONDS=str(WINDOW),
            # Slots spaced by the window plus this margin: on a machine starved of CPU (the
            # suite under `-n 4` on 2 cores) a call may reach the sandbox a second after its
            # slot, and the sandbox counts arrivals.
            MEWS_RATE_MARGIN_SECONDS="1.5",
        )
        a = stack.enter_context(gateway_server(directory, env))
        b = stack.enter_context(gateway_server(directory, env))
        world = build_world()
        yield Deployment(redis, sandbox, a, b, world)


def _data(process: Process, query: str, variables: dict[str, Any]) -> Any:
    result = process.graphql(query, variables)
    assert "errors" not in result, result["errors"]
    return result["data"]


def _linked_id(world: World, index: int) -> str:
    pairs = [fw for fw, _ in linked_pairs(world) if fw.get("mewsId")]
    return f"fullwhere:{pairs[index]['id']}"


def test_a_write_through_one_process_is_read_through_the_other_at_once(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    unified = _linked_id(deployment.world, 0)
    before = _data(b, READ, {"id": unified})["customer"]  # cached, for both, in Redis
    assert before["mews"]["notes"] != "written through A"
    deployment.reset()
    _data(a, UPDATE, {"input": {"id": unified, "notes": "written through A"}})
    reads = [_data(b, READ, {"id": unified})["customer"] for _ in range(5)]
    assert [r["mews"]["notes"] for r in reads] == ["written through A"] * 5
    # B answered from the shared cache the write refreshed: no read reached the sandboxes.
    assert deployment.calls() == {"mews:customers/update": 1}


def test_concurrent_calls_with_one_key_over_both_processes_write_once(
    deployment: Deployment,
) -> None:
    deployment.reset()
    variables = {"input": {"email": "one-write@example.com", "lastName": "Once"}, "key": "k-1"}
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda p: _data(p, IMPORT, variables), [deployment.a, deployment.b] * 4)
        )
    payloads = [r["importCustomer"] for r in results]
    assert len({p["customer"]["id"] for p in payloads}) == 1
    assert sorted(p["replayed"] for p in payloads) == [False] + [True] * 7
    assert deployment.calls().get("fullwhere:import") == 1


def _most_in_any_window(arrivals: list[float], window: float) -> int:
    arrivals = sorted(arrivals)
    most, start = 0, 0
    for end, at in enumerate(arrivals):
        while arrivals[start] <= at - window:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_mews_calls_from_both_processes_never_exceed_the_limit_in_any_window_at_arrival(
    deployment: Deployment,
) -> None:
    # Searches: one Mews call each (reads by id would share calls across requests).
    names = [f"nobody{i}" for i in range(REQUESTS)]
    # The module's other tests call Mews too (in any order), and a restarted Redis forgets
    # its window while the sandbox's own still counts them: start from an empty window.
    time.sleep(WINDOW + 1.5)
    deployment.reset()
    processes = [deployment.a, deployment.b]
    with ThreadPoolExecutor(12) as pool:
        results = list(
            pool.map(
                lambda i: processes[i % 2].graphql(SEARCH, {"name": names[i]}),
                range(REQUESTS),
            )
        )
    status, arrivals = deployment.sandbox.request("GET", "/__bench/mews-arrivals")
    assert status == 200
    assert [r.get("errors") for r in results] == [None] * REQUESTS
    assert all(r["data"]["searchCustomers"] == [] for r in results)
    assert deployment.calls().get("mews:customers/search") == REQUESTS  # one distinct call each
    assert len(arrivals) == REQUESTS  # and no retry after a 429
    assert _most_in_any_window(arrivals, WINDOW) <= LIMIT


def test_with_redis_stopped_mid_traffic_reads_go_on_keyed_writes_are_refused_then_sharing_resumes(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    ids = [_linked_id(deployment.world, i) for i in range(1, 5)]
    stop = threading.Event()
    failures: list[Any] = []
    reads = [0]

    def read_on() -> None:
        turn = 0
        while not stop.is_set():
            process = (a, b)[turn % 2]
            result = process.graphql(READ, {"id": ids[turn % len(ids)]})
            if "errors" in result:
                failures.append(result["errors"])
            reads[0] += 1
            turn += 1

    reader = threading.Thread(target=read_on, daemon=True)
    reader.start()
    try:
        deployment.redis.stop()
        at_stop = reads[0]
        for process in (a, b):
            _, report = process.request("GET", "/readyz")
            for _ in range(40):  # the report is kept a few seconds
                if report.get("shared", {}).get("redis", {}).get("status") == "unavailable":
                    break
                stop.wait(0.2)
                _, report = process.request("GET", "/readyz")
            assert report["status"] == "degraded", report
            assert report["shared"]["redis"]["status"] == "unavailable"
        before = deployment.calls().get("fullwhere:import", 0)
        refused = a.graphql(IMPORT, {"input": {"email": "later@example.com"}, "key": "k-2"})
        (error,) = refused["errors"]
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["mayHaveBeenApplied"] is False
        assert "Redis" in error["message"]
        assert deployment.calls().get("fullwhere:import", 0) == before  # nothing was sent
        # Reads go on while Redis is down (bounded wait: a busy machine is slow, not stuck).
        deadline = time.monotonic() + 15.0
        while reads[0] <= at_stop and time.monotonic() < deadline:
            stop.wait(0.1)
        reads_while_down = reads[0] - at_stop
        deployment.redis.start()
        stop.wait(1.5)  # the stores' pause after a failure, and more reads
    finally:
        stop.set()
        reader.join(30)
    assert failures == []
    assert reads_while_down > 0

    # Sharing resumes, without a restart.
    variables = {"input": {"email": "back@example.com"}, "key": "k-3"}
    deployment.reset()
    first = _data(a, IMPORT, variables)["importCustomer"]
    again = _data(b, IMPORT, variables)["importCustomer"]
    assert again == {**first, "replayed": True}
    assert deployment.calls().get("fullwhere:import") == 1
    unified = ids[0]
    _data(b, READ, {"id": unified})
    _data(a, UPDATE, {"input": {"id": unified, "notes": "after the outage"}})
    assert _data(b, READ, {"id": unified})["customer"]["mews"]["notes"] == "after the outage"
