"""`/metrics` of a real `gateway serve` process (1 worker, then 2) in production mode over the
sandboxes on a loopback port: after real traffic, the scraped counts (parsed with
prometheus-client's own parser) equal the operations sent and the upstream calls the
sandboxes counted, label by label; with 2 workers, both served traffic and one scrape adds
up both."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.sandbox.world import World
from tests.observability.conftest import (
    CLIENT_KEY,
    SandboxServer,
    gateway_process,
    production_env,
)

METRICS_TOKEN = "metrics-token-0123456789"

PAGE = "query Page { customers(first: 3) { edges { node { id mews { number } } } } }"
ONE = 'query One { customer(id: "fullwhere:%s") { id email mews { lastName } } }'
ANONYMOUS = "{ customers(first: 1) { totalCount } }"
INVALID = "query Invalid { customer { id } }"  # misses its argument: nothing runs
MEWS_PAGE = "query MewsPage { mewsCustomers(first: %d) { edges { node { id } } } }"


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """Every sample called `name`, by its labels."""
    found: dict[frozenset[tuple[str, str]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[frozenset(sample.labels.items())] = sample.value
    return found


def by(found: dict[frozenset[tuple[str, str]], float], *keys: str) -> Counter[tuple[str, ...]]:
    """`found` summed over every label but `keys`."""
    totals: Counter[tuple[str, ...]] = Counter()
    for labels, value in found.items():
        named = dict(labels)
        totals[tuple(named[key] for key in keys)] += int(value)
    return totals


def _post(url: str, query: str) -> dict[str, Any]:
    # A connection of its own per request, so that the kernel spreads them over the workers.
    with httpx.Client(headers={"authorization": f"Bearer {CLIENT_KEY}"}, timeout=30) as http:
        response = http.post(f"{url}/graphql", json={"query": query})
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("workers", [1, 2])
def test_scraped_counts_equal_the_operations_and_upstream_calls_made(
    workers: int, sandbox_server: SandboxServer, world: World
) -> None:
    env = production_env(
        sandbox_server.url,
        GATEWAY_METRICS_TOKEN=METRICS_TOKEN,
        GATEWAY_LOG_FORMAT="json",
        UPSTREAM_BACKOFF_BASE_SECONDS="0.01",
    )
    ids = [customer["id"] for customer in world.fullwhere_customers[:6]]
    with gateway_process(env, workers) as gateway:
        sent: Counter[tuple[str, str, str]] = Counter()
        for _ in range(4):
            assert "errors" not in _post(gateway.url, PAGE)
            sent["Page", "query", "ok"] += 1
        for customer_id in ids:
            assert "errors" not in _post(gateway.url, ONE % customer_id)
            sent["One", "query", "ok"] += 1
        for _ in range(3):
            assert "errors" not in _post(gateway.url, ANONYMOUS)
            sent["other", "query", "ok"] += 1
        for _ in range(2):
            result = _post(gateway.url, INVALID)
            assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            sent["Invalid", "query", "BAD_USER_INPUT"] += 1
        # One Mews failure, retried: a 5xx call, a retry, and the operation still ok.
        sandbox_server.sandboxes.mews.control.fail_next("customers/getAll", 1, status=503)
        assert "errors" not in _post(gateway.url, MEWS_PAGE % 7)
        sent["MewsPage", "query", "ok"] += 1

        assert httpx.get(f"{gateway.url}/metrics").status_code == 401
        scrape = httpx.get(
            f"{gateway.url}/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert scrape.status_code == 200
        assert scrape.headers["content-type"].startswith("text/plain")
        text = scrape.text
        log = gateway.text()

    operations = samples(text, "gateway_graphql_operation_duration_seconds_count")
    assert by(operations, "operation", "type", "outcome") == sent

    calls = samples(text, "gateway_upstream_request_duration_seconds_count")
    made = Counter(
        {tuple(key.split(":", 1)): count for key, count in sandbox_server.calls().items()}
    )
    assert by(calls, "upstream", "operation") == made
    assert by(calls, "status_class")[("5xx",)] == 1
    assert by(calls, "status_class")[("2xx",)] == sum(made.values()) - 1
    assert by(samples(text, "gateway_upstream_retries_total"), "upstream") == {("mews",): 1}

    # Every operation was served by some worker; with 2, by both, and one scrape has them all.
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    served_by = {line["pid"] for line in lines if line["logger"] == "gateway.operations"}
    assert len(served_by) == workers
    assert sum(1 for line in lines if line["logger"] == "gateway.operations") == sum(sent.values())
