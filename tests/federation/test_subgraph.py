"""`GATEWAY_FEDERATION=true`: the schema is an Apollo Federation v2 subgraph.

`_service` serves the SDL kept in `schema.federation.graphql`; `_entities` resolves customers
at the cost of a page: the Fullwhere reads concurrent up to `FULLWHERE_CONCURRENCY`, one Mews
getAll for all their guests, nothing for records in the cache. The counts come from the
sandboxes' own call counters.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import gateway.graphql
from gateway.graphql import export_sdl, export_subgraph_sdl
from gateway.graphql.federation import MAX_REPRESENTATIONS
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, fullwhere_only, linked_pairs, mews_only
from tests.conftest import Gateway, gateway_with, sandboxes_of
from tests.resilience.conftest import FAST

ROOT = Path(__file__).resolve().parent.parent.parent
SUBGRAPH = {"GATEWAY_FEDERATION": "true"}
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Customer { id displayName mews { firstName } }
    ... on MewsProfile { id firstName }
  }
}
"""


@pytest.fixture
async def subgraph(sandboxes: Sandboxes) -> AsyncIterator[Gateway]:
    async with gateway_with(sandboxes, SUBGRAPH) as gateway:
        yield gateway


def _customers(ids: list[str]) -> list[dict[str, Any]]:
    return [{"__typename": "Customer", "id": value} for value in ids]


def test_the_subgraph_sdl_file_matches_the_code() -> None:
    committed = (ROOT / "schema.federation.graphql").read_text()
    assert committed == export_subgraph_sdl(), (
        "run `./dev gateway export-schema --federation > schema.federation.graphql`"
    )


def test_export_schema_federation_prints_the_subgraph_sdl() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "export-schema", "--federation"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert out == export_subgraph_sdl()
    assert out.startswith(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: ["@key", "@shareable"])'
    )
    assert 'type Customer implements Node @key(fields: "id") {' in out
    assert 'type MewsProfile implements Node @key(fields: "id") {' in out


def test_the_standalone_schema_has_nothing_of_federation() -> None:
    sdl = export_sdl()
    for name in ("_service", "_entities", "_Any", "_Entity", "@key", "@link", "@shareable"):
        assert name not in sdl


async def test_service_serves_the_subgraph_sdl(subgraph: Gateway) -> None:
    data = await subgraph.data("{ _service { sdl } }")
    assert data["_service"]["sdl"] == export_subgraph_sdl()
    assert subgraph.calls() == {}


async def test_without_the_setting_there_is_no_service_field(gateway: Gateway) -> None:
    result = await gateway.post("{ _service { sdl } }")
    (error,) = result["errors"]
    assert "_service" in error["message"]


def _linked_ids(world: World, count: int) -> list[tuple[str, dict[str, Any]]]:
    """`fullwhere:` ids of `count` customers linked to a Mews guest, with the guest."""
    pairs = [(f"fullwhere:{fw['id']}", guest) for fw, guest in linked_pairs(world)]
    chosen = [(value, guest) for value, guest in pairs if guest.get("FirstName")][:count]
    assert len(chosen) == count
    return chosen


async def test_entities_resolve_a_hundred_customers_at_the_cost_of_a_page(
    subgraph: Gateway, world: World
) -> None:
    chosen = _linked_ids(world, 100)
    ids = [value for value, _ in chosen]
    data = await subgraph.data(ENTITIES, {"representations": _customers(ids)})
    calls = subgraph.calls()
    subgraph.reset_calls()
    again = await subgraph.data(ENTITIES, {"representations": _customers(ids)})

    entities = data["_entities"]
    assert [e["__typename"] for e in entities] == ["Customer"] * 100
    assert [e["id"] for e in entities] == ids
    assert [e["mews"]["firstName"] for e in entities] == [g["FirstName"] for _, g in chosen]
    assert calls == {"fullwhere:get": 100, "mews:customers/getAll": 1}
    # Read again within the cache's lifetime: no call at all.
    assert again == data
    assert subgraph.calls() == {}


async def test_entities_keep_fullwhere_concurrency(sandboxes: Sandboxes, world: World) -> None:
    ids = [value for value, _ in _linked_ids(world, 40)]
    sandboxes.fullwhere.control.latency = 0.1  # each get stays in flight that long at least
    async with gateway_with(sandboxes, {**SUBGRAPH, "FULLWHERE_CONCURRENCY": "4"}) as subgraph:
        data = await subgraph.data(ENTITIES, {"representations": _customers(ids)})
    assert [e["id"] for e in data["_entities"]] == ids
    assert sandboxes.fullwhere.control.calls["get"] == 40
    # More than 4 gets arriving within 0.05 s would be more than 4 in flight at once.
    assert sandboxes.fullwhere.control.most_in_any_window("get", 0.05) == 4


async def test_entities_answer_in_order_with_errors_on_their_paths(
    subgraph: Gateway, world: World
) -> None:
    fw, guest = next((fw, g) for fw, g in linked_pairs(world) if fw.get("mewsId"))
    alone = mews_only(world)[0]
    representations = [
        {"__typename": "Customer", "id": f"fullwhere:{fullwhere_only(world)[0]['id']}"},
        {"__typename": "Customer", "id": "fullwhere:no-such-customer"},
        {"__typename": "Customer", "id": "salesforce:1"},
        {"__typename": "MewsProfile", "id": f"mews:{alone['Id']}"},
        {"__typename": "Stay", "id": "s1"},
        {"__typename": "Customer"},
        {"__typename": "Customer", "id": f"mews:{guest['Id']}"},
    ]
    await subgraph.data(
        "query($id: ID!) { customer(id: $id) { id } }", {"id": f"fullwhere:{fw['id']}"}
    )
    result = await subgraph.post(ENTITIES, {"representations": representations})

    entities = result["data"]["_entities"]
    assert entities[0]["id"] == representations[0]["id"]
    assert entities[1:3] == [None, None]
    assert entities[3] == {
        "__typename": "MewsProfile",
        "id": f"mews:{alone['Id']}",
        "firstName": alone.get("FirstName"),
    }
    assert entities[4:6] == [None, None]
    # A Mews id of a guest the gateway knows is linked names the person: the unified customer.
    assert entities[6]["id"] == f"fullwhere:{fw['id']}"
    codes = {tuple(e["path"]): e["extensions"]["code"] for e in result["errors"]}
    assert codes == {
        ("_entities", 1): "NOT_FOUND",
        ("_entities", 2): "BAD_USER_INPUT",
        ("_entities", 4): "BAD_USER_INPUT",
        ("_entities", 5): "BAD_USER_INPUT",
    }


async def test_entities_refuse_more_representations_than_the_limit(subgraph: Gateway) -> None:
    ids = [f"fullwhere:c{i}" for i in range(MAX_REPRESENTATIONS + 1)]
    result = await subgraph.post(ENTITIES, {"representations": _customers(ids)})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert str(MAX_REPRESENTATIONS) in error["message"]
    assert result["data"] is None
    assert subgraph.calls() == {}


async def test_entities_need_the_same_credentials_as_any_query(sandboxes: Sandboxes) -> None:
    env = {**SUBGRAPH, "GATEWAY_API_KEYS": "router-key-0123456789abcdef"}
    async with gateway_with(sandboxes, env) as subgraph:
        refused = await subgraph.http.post("/graphql", json={"query": "{ _service { sdl } }"})
        allowed = await subgraph.http.post(
            "/graphql",
            json={"query": "{ _service { sdl } }"},
            headers={"Authorization": "Bearer router-key-0123456789abcdef"},
        )
    assert refused.status_code == 401
    assert allowed.status_code == 200
    assert "@key" in allowed.json()["data"]["_service"]["sdl"]


async def _entities_twice(sandboxes: Sandboxes, representations: list[dict[str, Any]]) -> Any:
    """The answer of `_entities`, asked twice (the second time the prepared way)."""
    async with gateway_with(sandboxes, SUBGRAPH) as subgraph:
        first = await subgraph.post(ENTITIES, {"representations": representations})
        assert first == await subgraph.post(ENTITIES, {"representations": representations})
    return first


async def test_entities_answer_the_same_without_the_fast_paths(world: World) -> None:
    ids = [value for value, _ in _linked_ids(world, 30)] + ["fullwhere:no-such-customer"]
    representations = _customers(ids)
    fast = await _entities_twice(sandboxes_of(world), representations)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gateway.graphql, "bypass_wrappers", lambda schema: 0)
        patch.setattr(gateway.graphql, "EXECUTOR", None)
        patch.setattr(gateway.graphql, "PREPARED_DOCUMENTS", 0)
        plain = await _entities_twice(sandboxes_of(world), representations)
    assert fast == plain
    assert len(fast["data"]["_entities"]) == 31


async def test_entities_keep_what_resolves_when_fullwhere_fails(
    sandboxes: Sandboxes, world: World
) -> None:
    record = fullwhere_only(world)[0]
    guest = mews_only(world)[0]
    sandboxes.fullwhere.control.fail_next("get", 1000, status=503)
    async with gateway_with(sandboxes, {**SUBGRAPH, **FAST}) as subgraph:
        result = await subgraph.post(
            ENTITIES,
            {"representations": _customers([f"fullwhere:{record['id']}", f"mews:{guest['Id']}"])},
        )
    assert result["data"]["_entities"][0] is None
    assert result["data"]["_entities"][1]["id"] == f"mews:{guest['Id']}"
    (error,) = result["errors"]
    assert error["path"] == ["_entities", 0]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["source"] == "fullwhere"


async def test_service_answers_with_introspection_off(sandboxes: Sandboxes) -> None:
    env = {**SUBGRAPH, "GATEWAY_INTROSPECTION": "false"}
    async with gateway_with(sandboxes, env) as subgraph:
        refused = await subgraph.post("{ __schema { types { name } } }")
        data = await subgraph.data("{ _service { sdl } }")
    assert refused["errors"]
    assert data["_service"]["sdl"] == export_subgraph_sdl()


def test_the_documented_hive_gateway_config_is_the_tested_one() -> None:
    page = (ROOT / "docs" / "federation.md").read_text()
    (documented,) = re.findall(r"^```js\n(.*?)^```\n", page, re.M | re.S)
    assert (
        documented in (ROOT / "tests" / "federation" / "router" / "gateway.config.mjs").read_text()
    )
    assert "node compose.mjs" in page and "SUBGRAPH_AUTHORIZATION" in page


async def test_aliased_entity_fetches_are_counted_by_the_cost_limit(
    subgraph: Gateway, world: World
) -> None:
    ids = [f"fullwhere:{r['id']}" for r in world.fullwhere_customers[:100]]
    aliases = " ".join(
        f"e{i}: _entities(representations: $r) {{ ... on Customer {{ id }} }}" for i in range(4)
    )
    result = await subgraph.post(f"query($r: [_Any!]!) {{ {aliases} }}", {"r": _customers(ids)})
    assert subgraph.calls() == {}
    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["estimatedCalls"] >= 400
