"""The benchmark's sandbox server (`python -m gateway.sandbox.serve`) and the benchmark's
queries: both sandboxes side by side with call counters, and queries that the schema accepts."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import orjson
import pytest
from graphql import parse, validate

from gateway.graphql import build_schema
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.serve import BENCH_MEWS_COUNT, bench_sandboxes, create_bench_app
from gateway.sandbox.world import World, linked_pairs
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.conftest import Gateway
from tests.support.processes import sandbox_server

FULLWHERE_AUTH = {"X-API-KEY": "demo-key", "X-API-SECRET": "demo-secret"}
BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))  # bench/ is a script folder: its modules import by bare names
import scenarios  # noqa: E402


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


def _burst_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_burst", BENCH / "burst.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its neighbours import from BENCH, on sys.path above
    return module


def test_every_burst_bench_query_is_valid_against_the_schema() -> None:
    assert validate(build_schema()._schema, parse(_burst_module().QUERY)) == []


async def test_the_burst_bench_counts_the_gateways_right_answers_as_right(
    gateway: Gateway, world: World
) -> None:
    burst = _burst_module()
    pairs = linked_pairs(world)[:3]
    answers = {
        index: orjson.dumps(await gateway.post(burst.QUERY, {"id": f"fullwhere:{fw['id']}"}))
        for index, (fw, _) in enumerate(pairs)
    }
    assert burst.wrong_guests(pairs, answers, []) == []
    # The first customer answered with the second one's guest is wrong; a failed one is not.
    answers[0] = answers[1]
    assert burst.wrong_guests(pairs, answers, []) == [0]
    assert burst.wrong_guests(pairs, answers, [0]) == []


def test_latency_is_set_on_both_sandboxes() -> None:
    sandboxes = bench_sandboxes(latency=0.02, fullwhere_count=5, mews_count=20)
    assert sandboxes.fullwhere.control.latency == sandboxes.mews.control.latency == 0.02


def test_the_bench_world_holds_a_full_page_of_1000_active_mews_guests() -> None:
    sandboxes = bench_sandboxes(mews_count=BENCH_MEWS_COUNT)
    active = [c for c in sandboxes.mews.customers.values() if c.get("IsActive")]
    assert len(active) >= 1000


def test_the_served_world_is_the_demo_s_with_or_without_its_group_and_sizes_only_add() -> None:
    demo = Sandboxes.seeded()  # a hotel group
    served, grown = bench_sandboxes(), bench_sandboxes(mews_count=BENCH_MEWS_COUNT)
    as_group = bench_sandboxes(group=True)
    assert as_group.fullwhere.customers == demo.fullwhere.customers
    assert as_group.mews.customers == demo.mews.customers
    assert as_group.mews.scopes.keys() == demo.mews.scopes.keys()
    # One token over the same people: only where each guest lives (its chain) differs.
    assert served.fullwhere.customers == demo.fullwhere.customers
    assert served.mews.customers.keys() == demo.mews.customers.keys()
    assert all(
        {**guest, "ChainId": None} == {**demo.mews.customers[k], "ChainId": None}
        for k, guest in served.mews.customers.items()
    )
    assert len(grown.mews.customers) == BENCH_MEWS_COUNT
    assert grown.fullwhere.customers == demo.fullwhere.customers
    assert {k: grown.mews.customers[k] for k in served.mews.customers} == served.mews.customers


def test_every_benchmark_query_is_valid_against_the_schema() -> None:
    schema = build_schema()._schema
    for scenario in scenarios.build_scenarios():
        query = orjson.loads(scenario.body)["query"]
        assert validate(schema, parse(query)) == [], scenario.key


def test_the_served_sandboxes_say_where_they_are_and_help_gives_the_defaults(
    tmp_path: Path,
) -> None:
    with sandbox_server(tmp_path) as sandbox:
        first = sandbox.text().splitlines()[0]
    shown = subprocess.run(
        [sys.executable, "-m", "gateway.sandbox.serve", "--help"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    base = f"http://127.0.0.1:{sandbox.port}"
    assert first.startswith(f"sandboxes at {base}: Fullwhere at {base}/fullwhere")
    assert f"Mews at {base}/mews" in first
    assert "--port PORT" in shown and "default 8100" in shown
    assert "/fullwhere/..." in shown and "/mews/..." in shown
