"""The benchmark's sandbox server (`python -m gateway.sandbox.serve`) and the benchmark's
queries: both sandboxes side by side with call counters, and queries that the schema accepts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import orjson
import pytest
from graphql import parse, validate

from gateway.graphql import build_schema
from gateway.sandbox.serve import bench_sandboxes, create_bench_app
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN

FULLWHERE_AUTH = {"X-API-KEY": "demo-key", "X-API-SECRET": "demo-secret"}
BENCH = Path(__file__).resolve().parents[2] / "bench" / "run.py"


def _mews_body(**fields: Any) -> dict[str, Any]:
    return {
        "ClientToken": DEMO_CLIENT_TOKEN,
        "AccessToken": DEMO_ACCESS_TOKEN,
        "Client": "bench-test",
        "Extent": {"Customers": True},
        **fields,
    }


@pytest.fixture
async def bench_http() -> Any:
    sandboxes = bench_sandboxes(fullwhere_count=20, mews_count=60)
    app = create_bench_app(sandboxes)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench.test"
    ) as http:
        yield http


async def test_both_sandboxes_answer_under_their_prefixes_and_are_counted(
    bench_http: httpx.AsyncClient,
) -> None:
    assert (await bench_http.get("/__bench/calls")).json() == {}
    listed = await bench_http.post(
        "/fullwhere/partners/customer/list", json={"limit": 5}, headers=FULLWHERE_AUTH
    )
    assert listed.status_code == 201
    assert len(listed.json()["items"]) == 5
    page = await bench_http.post(
        "/mews/api/connector/v1/customers/getAll",
        json=_mews_body(ActivityStates=["Active"], Limitation={"Count": 10}),
    )
    assert page.status_code == 200
    assert len(page.json()["Customers"]) == 10
    assert (await bench_http.get("/__bench/calls")).json() == {
        "fullwhere:list": 1,
        "mews:customers/getAll": 1,
    }


async def test_reset_sets_every_counter_to_zero(bench_http: httpx.AsyncClient) -> None:
    await bench_http.post("/fullwhere/partners/customer/list", json={}, headers=FULLWHERE_AUTH)
    assert (await bench_http.post("/__bench/reset")).status_code == 200
    assert (await bench_http.get("/__bench/calls")).json() == {}


async def test_the_mews_rate_limit_is_lifted_for_load_runs() -> None:
    sandboxes = bench_sandboxes(fullwhere_count=5, mews_count=20)
    transport = httpx.ASGITransport(app=create_bench_app(sandboxes))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
        body = _mews_body(ActivityStates=["Active"], Limitation={"Count": 1})
        statuses = {
            (await http.post("/mews/api/connector/v1/customers/getAll", json=body)).status_code
            for _ in range(250)  # the documented limit is 200 per 30 s
        }
    assert statuses == {200}


async def test_the_burst_bench_can_put_the_mews_rate_limit_back() -> None:
    sandboxes = bench_sandboxes(fullwhere_count=5, mews_count=20, mews_rate_limit=3)
    transport = httpx.ASGITransport(app=create_bench_app(sandboxes))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
        body = _mews_body(ActivityStates=["Active"], Limitation={"Count": 1})
        statuses = [
            (await http.post("/mews/api/connector/v1/customers/getAll", json=body)).status_code
            for _ in range(4)
        ]
    assert statuses == [200, 200, 200, 429]


def test_every_burst_bench_query_is_valid_against_the_schema() -> None:
    spec = importlib.util.spec_from_file_location("bench_burst", BENCH.with_name("burst.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH.parent))  # burst.py imports its neighbour run.py
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH.parent))
    assert validate(build_schema()._schema, parse(module.QUERY)) == []


def test_latency_is_set_on_both_sandboxes() -> None:
    sandboxes = bench_sandboxes(latency=0.02, fullwhere_count=5, mews_count=20)
    assert sandboxes.fullwhere.control.latency == sandboxes.mews.control.latency == 0.02


def test_the_bench_world_holds_a_full_page_of_1000_active_mews_guests() -> None:
    sandboxes = bench_sandboxes()
    active = [c for c in sandboxes.mews.customers.values() if c.get("IsActive")]
    assert len(active) >= 1000


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


def test_every_benchmark_query_is_valid_against_the_schema() -> None:
    bench = _bench_module()
    schema = build_schema()._schema
    for scenario in bench.build_scenarios():
        query = orjson.loads(scenario.body)["query"]
        assert validate(schema, parse(query)) == [], scenario.key
