"""The benchmark's GraphQL Mesh peer: its queries, OpenAPI documents and answer check.

Running Mesh itself needs Node.js and a few minutes of `npm ci`; that is the benchmark's job
(`./dev bench --peer mesh`). These tests cover what decides whether the comparison is fair:
the gateway's side asks what the schema accepts, the OpenAPI documents describe the sandbox
routes, and the answer check tells a real difference from the one known one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
from graphql import parse, validate

from gateway.graphql import build_schema
from gateway.sandbox.serve import bench_sandboxes, create_bench_app
from gateway.sandbox.world import mews_link

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from peers import mesh


def test_the_gateway_side_queries_are_valid_against_the_schema() -> None:
    schema = build_schema()._schema
    for query in (mesh.ONE_CUSTOMER_GATEWAY, mesh.PAGE_GATEWAY):
        assert validate(schema, parse(query)) == []


async def test_the_openapi_documents_describe_routes_the_sandboxes_answer() -> None:
    sandboxes = bench_sandboxes(fullwhere_count=5, mews_count=20)
    fullwhere, mews = mesh.fullwhere_openapi(), mesh.mews_openapi("bench-test")
    body_schema = mews["paths"]["/api/connector/v1/customers/getAll"]["post"]["requestBody"]
    defaults = {
        name: spec["default"]
        for name, spec in body_schema["content"]["application/json"]["schema"]["properties"].items()
        if "default" in spec
    }
    guest = next(iter(sandboxes.mews.customers))
    transport = httpx.ASGITransport(app=create_bench_app(sandboxes))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
        assert set(fullwhere["paths"]) == {"/partners/customer", "/partners/customer/list"}
        listed = await http.post(
            "/fullwhere/partners/customer/list",
            json={"page": 1, "limit": 5},
            headers={"X-API-KEY": mesh.FULLWHERE_KEY, "X-API-SECRET": mesh.FULLWHERE_SECRET},
        )
        # The body's defaults alone, plus the ids the join adds, make a valid getAll.
        page = await http.post(
            "/mews/api/connector/v1/customers/getAll", json={**defaults, "CustomerIds": [guest]}
        )
    assert listed.status_code == 201 and len(listed.json()["items"]) == 5
    assert page.status_code == 200
    assert [c["Id"] for c in page.json()["Customers"]] == [guest]


def _answers(records: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two gateways' page answers for `records`, Mesh without metadata-only links."""
    ours, theirs = [], []
    for record in records:
        name = "G" + record["id"][:4] if mews_link(record) else None
        node = {
            "id": f"fullwhere:{record['id']}",
            "fullwhere": {"firstName": record["firstName"]},
            "mews": {"firstName": name} if name else None,
        }
        ours.append({"node": node})
        followed = name if record.get("mewsId") else None
        item = {"id": record["id"], "firstName": record["firstName"]}
        theirs.append({**item, "mews": {"FirstName": followed} if followed else None})
    return (
        {"data": {"customers": {"edges": ours}}},
        {"data": {"fullwhereCustomers": {"items": theirs}}},
    )


def _records() -> list[dict[str, Any]]:
    sandboxes = bench_sandboxes(fullwhere_count=300, mews_count=400)
    return list(sandboxes.fullwhere.customers.values())


def test_the_answer_check_counts_metadata_only_links_as_the_known_difference() -> None:
    records = _records()
    ours, theirs = _answers(records)
    equal, metadata_only, differences = mesh.same_data(ours, theirs, records)
    expected = sum(1 for r in records if not r.get("mewsId") and mews_link(r))
    assert expected > 0  # the world has such customers, so the branch is exercised
    assert (equal, metadata_only, differences) == (len(records) - expected, expected, [])


def test_the_answer_check_reports_a_real_difference() -> None:
    records = _records()
    ours, theirs = _answers(records)
    # A record linked by mewsId: a metadata-only link is a known difference, not compared.
    first = next(n for n, record in enumerate(records) if record.get("mewsId"))
    theirs["data"]["fullwhereCustomers"]["items"][first]["firstName"] = "Somebody else"
    _, _, differences = mesh.same_data(ours, theirs, records)
    assert len(differences) == 1 and records[first]["id"] in differences[0]
