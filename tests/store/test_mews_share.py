"""While Redis is down, each process keeps its share of the Mews window: two `gateway serve`
processes (`GATEWAY_REPLICAS=2`) with their Redis unreachable never send Mews more than the
limit in any window, counted by arrival at the sandbox (a process of its own)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.store.test_processes import _most_in_any_window
from tests.support.loopback import _free_port
from tests.support.processes import Process, gateway_env, gateway_server, sandbox_server

LIMIT, WINDOW = 20, 3.0
REQUESTS = 33
SEARCH = "query($name: String) { searchCustomers(name: $name) { customer { id } } }"


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[Process, list[Process]]]:
    with ExitStack() as stack:
        sandbox = stack.enter_context(
            sandbox_server(
                tmp_path, "--mews-rate-limit", str(LIMIT), "--mews-rate-window", str(WINDOW)
            )
        )
        env = gateway_env(
            sandbox,
            # Nothing listens there: Redis is down from the start.
            REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0",
            GATEWAY_REPLICAS="2",
            MEWS_RATE_LIMIT=str(LIMIT),
            MEWS_RATE_WINDOW_SECONDS=str(WINDOW),
            MEWS_RATE_MARGIN_SECONDS="1.5",  # a starved machine delays arrivals
        )
        gateways = [stack.enter_context(gateway_server(tmp_path, env)) for _ in range(2)]
        yield sandbox, gateways


def test_with_redis_down_two_replicas_stay_within_the_mews_limit_together(
    deployment: tuple[Process, list[Process]],
) -> None:
    sandbox, gateways = deployment
    time.sleep(WINDOW + 1.5)  # the start-up probes' calls leave the window
    assert sandbox.request("POST", "/__bench/reset")[0] == 200
    with ThreadPoolExecutor(12) as pool:
        results = list(
            pool.map(
                lambda i: gateways[i % 2].graphql(SEARCH, {"name": f"nobody{i}"}),
                range(REQUESTS),
            )
        )
    status, arrivals = sandbox.request("GET", "/__bench/mews-arrivals")
    assert status == 200
    assert [r.get("errors") for r in results] == [None] * REQUESTS
    assert len(arrivals) == REQUESTS  # one call each, and no retry after a 429
    assert _most_in_any_window(arrivals, WINDOW) <= LIMIT
