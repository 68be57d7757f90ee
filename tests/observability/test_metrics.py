"""`/metrics` of a gateway app over the sandboxes: the guard of `GATEWAY_METRICS_TOKEN`, the
switch `GATEWAY_METRICS`, and the counters beyond operations and calls (the read cache,
idempotency replays, the breaker, the Mews limiter, bounded operation labels).

The metrics are the process's own, shared by every app of the test session, so each test
compares a scrape after its traffic with one before it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.observability import metrics
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World
from tests.conftest import Gateway, gateway_with
from tests.observability.test_metrics_workers import by, samples
from tests.resilience.conftest import FAST

PAGE = "query Page { customers(first: 5) { edges { node { id } } } }"
ONE = 'query One { customer(id: "fullwhere:%s") { id fullwhere { email } } }'
ADD = """mutation Add($input: AddCustomerInput!, $key: String) {
  addCustomer(input: $input, idempotencyKey: $key) { replayed customer { id } }
}"""
MEWS_PAGE = "query MewsPage { mewsCustomers(first: %d) { edges { node { id } } } }"


async def scrape(gateway: Gateway, **headers: str) -> str:
    response = await gateway.http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def delta(before: str, after: str, name: str, *keys: str) -> dict[tuple[str, ...], int]:
    """How much each sample of `name` grew, summed over every label but `keys`."""
    grown = by(samples(after, name), *keys)
    grown.subtract(by(samples(before, name), *keys))
    return {key: value for key, value in grown.items() if value}


async def test_metrics_token_guards_the_scrape_and_is_never_echoed(sandboxes: Sandboxes) -> None:
    env = {"GATEWAY_METRICS_TOKEN": "scrape-secret-123"}
    async with gateway_with(sandboxes, env) as gateway:
        refused = await gateway.http.get("/metrics")
        wrong = await gateway.http.get("/metrics", headers={"authorization": "Bearer nope"})
        text = await scrape(gateway, authorization="Bearer scrape-secret-123")
    for response in (refused, wrong):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "scrape-secret-123" not in response.text
    assert "gateway_graphql_operation_duration_seconds" in text
    assert "process_cpu_seconds_total" in text  # the library's default collectors


async def test_metrics_are_scraped_without_a_client_api_key(sandboxes: Sandboxes) -> None:
    # Prometheus holds the metrics token (or nothing), not a client's API key.
    async with gateway_with(sandboxes, {"GATEWAY_API_KEYS": "client-key-1"}) as gateway:
        assert (
            await gateway.http.post("/graphql", json={"query": "{ __typename }"})
        ).status_code == 401
        assert (await gateway.http.get("/metrics")).status_code == 200


async def test_with_metrics_off_there_is_no_endpoint_and_nothing_is_recorded(
    sandboxes: Sandboxes,
) -> None:
    async with gateway_with(sandboxes) as gateway:
        before = await scrape(gateway)
    try:
        async with gateway_with(sandboxes, {"GATEWAY_METRICS": "false"}) as gateway:
            assert (await gateway.http.get("/metrics")).status_code == 404
            await gateway.data(PAGE)
        async with gateway_with(sandboxes) as gateway:
            after = await scrape(gateway)
    finally:
        metrics.enable()
    assert not delta(before, after, "gateway_graphql_operation_duration_seconds_count", "operation")
    assert not delta(before, after, "gateway_upstream_request_duration_seconds_count", "upstream")


async def test_cache_hits_and_misses_by_namespace(gateway: Gateway, world: World) -> None:
    before = await scrape(gateway)
    await gateway.data(PAGE)  # a miss for the page; its customers are primed
    await gateway.data(PAGE)  # a hit
    first = world.fullwhere_customers[0]["id"]
    await gateway.data(ONE % first)  # a hit: primed by the page
    after = await scrape(gateway)
    lookups = delta(before, after, "gateway_cache_lookups_total", "namespace", "result")
    assert lookups == {
        ("fullwhere-page", "miss"): 1,
        ("fullwhere-page", "hit"): 1,
        ("fullwhere", "hit"): 1,
    }
    assert gateway.calls() == {"fullwhere:list": 1}
    entries = samples(after, "gateway_cache_entries")
    assert next(iter(entries.values())) >= 6  # the page and its 5 customers


async def test_evictions_are_counted_when_the_cache_is_full(sandboxes: Sandboxes) -> None:
    async with gateway_with(sandboxes, {"CACHE_MAX_ENTRIES": "3"}) as gateway:
        before = await scrape(gateway)
        await gateway.data(PAGE)  # 6 entries into room for 3
        after = await scrape(gateway)
    assert delta(before, after, "gateway_cache_evictions_total") == {(): 3}


async def test_idempotency_replays_are_counted_by_mutation(gateway: Gateway) -> None:
    guest = {"lastName": "Once", "email": "metrics-once@example.com"}
    before = await scrape(gateway)
    for _ in range(3):
        await gateway.data(ADD, {"input": guest, "key": "metrics-k-1"})
    after = await scrape(gateway)
    assert delta(before, after, "gateway_idempotency_replays_total", "mutation") == {
        ("addCustomer",): 2
    }
    assert delta(
        before, after, "gateway_graphql_operation_duration_seconds_count", "operation", "type"
    ) == {("Add", "mutation"): 3}
    assert gateway.calls() == {"mews:customers/add": 1}


async def test_breaker_state_and_failed_calls_by_status_class(sandboxes: Sandboxes) -> None:
    env = {**FAST, "UPSTREAM_BREAKER_THRESHOLD": "2", "UPSTREAM_RETRIES": "1"}
    sandboxes.mews.control.fail_next("customers/getAll", 10, status=503)
    async with gateway_with(sandboxes, env) as gateway:
        before = await scrape(gateway)
        result = await gateway.post(MEWS_PAGE % 3)
        assert result["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        after = await scrape(gateway)
    calls = delta(
        before, after, "gateway_upstream_request_duration_seconds_count", "upstream", "status_class"
    )
    assert calls == {("mews", "5xx"): 2}  # the attempt and its one retry, then the breaker
    assert delta(before, after, "gateway_upstream_retries_total", "upstream") == {("mews",): 1}
    assert (
        samples(after, "gateway_upstream_breaker_state")[frozenset({("upstream", "mews")})]
        == metrics.BREAKER_STATES["open"]
    )
    outcomes = delta(
        before, after, "gateway_graphql_operation_duration_seconds_count", "operation", "outcome"
    )
    assert outcomes == {("MewsPage", "UPSTREAM_UNAVAILABLE"): 1}


async def test_mews_limiter_use_and_refusals(sandboxes: Sandboxes) -> None:
    # 2 calls per minute and a 1 s deadline: the first two go, the third would wait too long.
    env = {"MEWS_RATE_LIMIT": "2", "MEWS_RATE_WINDOW_SECONDS": "60", "CACHE_TTL_SECONDS": "0"}
    env["REQUEST_DEADLINE_SECONDS"] = "1"
    async with gateway_with(sandboxes, env) as gateway:
        before = await scrape(gateway)
        for size in (1, 2):
            await gateway.data(MEWS_PAGE % size)
        refused = await gateway.post(MEWS_PAGE % 3)
        after = await scrape(gateway)
    assert refused["errors"][0]["extensions"]["code"] == "UPSTREAM_RATE_LIMITED"
    mews = frozenset({("upstream", "mews")})
    assert samples(after, "gateway_upstream_limiter_calls_in_window")[mews] == 2
    assert samples(after, "gateway_upstream_limiter_limit")[mews] == 2
    assert delta(before, after, "gateway_upstream_limiter_refusals_total", "upstream") == {
        ("mews",): 1
    }
    assert sandboxes.mews.control.calls["customers/getAll"] == 2


@pytest.mark.parametrize(
    ("name", "label"),
    [(None, metrics.OTHER), ("Fine_1", "Fine_1"), ("not a name", metrics.OTHER)],
)
def test_operation_labels_are_names_or_other(name: str | None, label: str) -> None:
    assert metrics.operation_label(name) == label


def test_operation_labels_are_bounded() -> None:
    names = [f"Op{i}" for i in range(metrics.DEFAULT_MAX_OPERATION_NAMES + 5)]
    labels = [metrics.operation_label(name) for name in names]
    assert (
        labels[: metrics.DEFAULT_MAX_OPERATION_NAMES]
        == names[: metrics.DEFAULT_MAX_OPERATION_NAMES]
    )
    assert set(labels[metrics.DEFAULT_MAX_OPERATION_NAMES :]) == {metrics.OTHER}
    assert metrics.operation_label("Op0") == "Op0"  # a name already kept stays itself


def test_workers_share_an_emptied_directory_or_a_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"from an earlier run")
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(given))
    with metrics.multiprocess_dir() as path:
        assert path == str(given) and not list(given.iterdir())
    assert os.environ[metrics.MULTIPROC_ENV] == str(given) and given.is_dir()

    monkeypatch.delenv(metrics.MULTIPROC_ENV)
    with metrics.multiprocess_dir() as path:
        assert os.environ[metrics.MULTIPROC_ENV] == path and os.path.isdir(path)
    assert metrics.MULTIPROC_ENV not in os.environ and not os.path.exists(path)


async def test_http_responses_by_status_include_refusals_before_graphql(
    sandboxes: Sandboxes,
) -> None:
    async with gateway_with(sandboxes, {"GATEWAY_API_KEYS": "client-key-2"}) as gateway:
        before = await scrape(gateway)
        key = {"authorization": "Bearer client-key-2"}
        assert (await gateway.http.post("/graphql", json={"query": PAGE})).status_code == 401
        bad_json = await gateway.http.post(
            "/graphql", content=b"{", headers={**key, "content-type": "application/json"}
        )
        assert bad_json.status_code == 400
        ok = await gateway.http.post("/graphql", json={"query": PAGE}, headers=key)
        assert ok.status_code == 200
        after = await scrape(gateway)
    responses = delta(before, after, "gateway_http_responses_total", "status")
    # The first scrape's own 200 is counted once its answer is sent.
    assert responses == {("401",): 1, ("400",): 1, ("200",): 2}
    operations = delta(
        before, after, "gateway_graphql_operation_duration_seconds_count", "operation"
    )
    assert operations == {("Page",): 1}  # only the request that got to run


async def test_the_identity_sync_reports_its_records_completion_and_last_success(
    sandboxes: Sandboxes, world: World
) -> None:
    async with gateway_with(sandboxes) as gateway:
        before = await scrape(gateway)
        state = await gateway.app.state.sync.run_once()
        after = await scrape(gateway)
    assert state is not None and state.finished_at is not None
    records = by(samples(after, "gateway_identity_sync_records"), "source")
    assert records == {
        ("fullwhere",): len(world.fullwhere_customers),
        ("mews",): len(world.mews_customers),
    }
    assert samples(after, "gateway_identity_index_complete") == {frozenset(): 1.0}
    (finished,) = samples(after, "gateway_identity_sync_last_success_timestamp_seconds").values()
    assert finished == pytest.approx(state.finished_at)
    assert delta(before, after, "gateway_identity_sync_runs_total", "outcome") == {("done",): 1}


async def test_operations_are_counted_by_how_the_caller_authenticated(
    sandboxes: Sandboxes,
) -> None:
    key = "metrics-caller-key-0123456789"
    async with gateway_with(sandboxes, {"GATEWAY_API_KEYS": key}) as gateway:
        before = await scrape(gateway)
        response = await gateway.http.post(
            "/graphql", json={"query": PAGE}, headers={"authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200 and "errors" not in response.json()
        after = await scrape(gateway)
    counted = delta(
        before, after, "gateway_graphql_operation_duration_seconds_count", "operation", "caller"
    )
    assert counted == {("Page", "api_key"): 1}
    assert key not in after
