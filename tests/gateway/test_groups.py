"""A hotel group through the gateway, against sandboxes served on loopback: a portfolio token
over two chains plus the property tokens `paris` and `lyon`. Every read reaches every place,
writes go with the guest's token and chain, and each token keeps to its own rate window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.app import create_app
from gateway.config import load_settings
from gateway.identity.index import MemoryIdentityIndex
from gateway.identity.lock import MemorySyncLock
from gateway.identity.sync import IdentitySync, SyncSettings
from gateway.sandbox.world import (
    GROUP_PROPERTY_TOKENS,
    PORTFOLIO_CHAIN_IDS,
    PROPERTY_CHAIN_IDS,
    World,
    as_group,
    linked_pairs,
    mews_only,
)
from tests.conftest import gateway_http
from tests.support.group import Call, GroupGateway, group_gateway

CHAIN_A, CHAIN_B = PORTFOLIO_CHAIN_IDS
PARIS, LYON = PROPERTY_CHAIN_IDS["paris"], PROPERTY_CHAIN_IDS["lyon"]
#: The property each chain is reached through (None: the portfolio token).
PROPERTY_OF = {CHAIN_A: None, CHAIN_B: None, PARIS: "paris", LYON: "lyon"}
TOKEN_OF = {CHAIN_A: "portfolio", CHAIN_B: "portfolio", PARIS: "paris", LYON: "lyon"}

JOINED = """query($id: ID!) {
  customer(id: $id) {
    id
    mews { mewsId chainId property }
    mewsProfiles { mewsId chainId property }
  }
}"""


@pytest.fixture
def group(world: World) -> World:
    """The world as the group's sandboxes spread it (`as_group` is deterministic)."""
    return as_group(world)


def linked_in(group: World, chain: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return next(
        (fw, guest)
        for fw, guest in linked_pairs(group)
        if guest["ChainId"] == chain and guest["IsActive"] and fw.get("mewsId")
    )


def active_guests(group: World, chain: str, count: int) -> list[dict[str, Any]]:
    found = [g for g in group.mews_customers if g["ChainId"] == chain and g["IsActive"]]
    assert len(found) >= count
    return found[:count]


def writes(gateway: GroupGateway, operation: str) -> list[Call]:
    return gateway.mews.of(f"customers/{operation}")


def code_of(result: dict[str, Any]) -> str:
    assert result.get("errors"), result
    return str(result["errors"][0]["extensions"]["code"])


@pytest.mark.parametrize("chain", [CHAIN_A, CHAIN_B, PARIS, LYON])
async def test_a_customer_gets_its_guest_in_any_place_with_chain_and_property(
    world: World, group: World, chain: str
) -> None:
    fw, guest = linked_in(group, chain)
    async with group_gateway(world) as gateway:
        customer = (await gateway.data(JOINED, {"id": f"fullwhere:{fw['id']}"}))["customer"]
        expected = {"mewsId": guest["Id"], "chainId": chain, "property": PROPERTY_OF[chain]}
        assert customer["mews"] == expected
        assert customer["mewsProfiles"] == [expected]
        # `mews:<id>` resolves to the unified customer, whichever token holds the guest.
        again = await gateway.data(JOINED, {"id": f"mews:{guest['Id']}"})
        assert again["customer"]["id"] == f"fullwhere:{fw['id']}"
    reads = writes(gateway, "getAll")
    assert reads and all(call.status == 200 for call in gateway.mews.calls)
    for call in reads:
        if call.token == "portfolio":
            assert call.body["ChainIds"], "a portfolio read names its chains"


async def test_a_page_of_customers_costs_one_get_all_per_token_holding_its_guests(
    world: World,
) -> None:
    page = """{ customers(first: 100) { edges { node { mews { mewsId property } } } } }"""
    async with group_gateway(world) as gateway:
        await gateway.app.state.sync.run_once()
        gateway.mews.calls.clear()
        data = await gateway.data(page)
    guests = [e["node"]["mews"] for e in data["customers"]["edges"] if e["node"]["mews"]]
    assert {g["property"] for g in guests} == {None, "paris", "lyon"}
    reads = writes(gateway, "getAll")
    assert sorted(call.token for call in reads) == ["lyon", "paris", "portfolio"]


async def test_the_sync_reads_every_token_and_email_finds_a_property_guest(
    world: World, group: World
) -> None:
    guest = next(
        g for g in mews_only(group) if g["ChainId"] == LYON and g["IsActive"] and g["Email"]
    )
    query = """query($email: String!) {
      customers(filter: {email: $email}) { edges { node { id mews { property chainId } } } }
    }"""
    async with group_gateway(world) as gateway:
        state = await gateway.app.state.sync.run_once()
        assert state is not None and state.complete
        synced = {call.token for call in writes(gateway, "getAll")}
        assert synced == {"portfolio", "paris", "lyon"}
        data = await gateway.data(query, {"email": guest["Email"]})
    nodes = [edge["node"] for edge in data["customers"]["edges"]]
    assert {"id": f"mews:{guest['Id']}", "mews": {"property": "lyon", "chainId": LYON}} in nodes


async def test_after_the_sync_a_guest_costs_one_call_to_its_own_token(
    world: World, group: World
) -> None:
    guest = active_guests(group, LYON, 1)[0]
    async with group_gateway(world) as gateway:
        await gateway.app.state.sync.run_once()
        gateway.mews.calls.clear()
        await gateway.data(JOINED, {"id": f"mews:{guest['Id']}"})
    assert [(c.token, c.body["CustomerIds"]) for c in writes(gateway, "getAll")] == [
        ("lyon", [guest["Id"]])
    ]


async def test_an_unknown_guest_is_looked_up_across_the_tokens_until_found(
    world: World, group: World
) -> None:
    guest = active_guests(group, PARIS, 1)[0]
    async with group_gateway(world) as gateway:
        data = await gateway.data(JOINED, {"id": f"mews:{guest['Id']}"})
        assert data["customer"]["mews"]["property"] == "paris"
        first = len(writes(gateway, "getAll"))
        await gateway.data(JOINED, {"id": f"mews:{guest['Id']}"})
    assert first <= 3
    assert "paris" in {call.token for call in writes(gateway, "getAll")}


async def test_writes_go_with_the_guests_token_and_chain(world: World, group: World) -> None:
    in_b, at_paris = active_guests(group, CHAIN_B, 1)[0], active_guests(group, PARIS, 1)[0]
    update = """mutation($id: ID!) {
      updateCustomer(input: {id: $id, notes: "Late arrival"}) { customer { id } }
    }"""
    attach = """mutation($id: ID!) {
      attachCustomerFile(input: {customerId: $id, name: "a.pdf", type: "application/pdf",
        data: "JVBERi0xLjQK"}) { fileId }
    }"""
    async with group_gateway(world) as gateway:
        for guest in (in_b, at_paris):
            await gateway.data(update, {"id": f"mews:{guest['Id']}"})
            await gateway.data(attach, {"id": f"mews:{guest['Id']}"})
    for operation in ("update", "addFile"):
        sent = [(c.token, c.body.get("ChainId"), c.status) for c in writes(gateway, operation)]
        assert sent == [("portfolio", CHAIN_B, 200), ("paris", None, 200)]


async def test_add_needs_a_place_in_a_group_and_goes_there(world: World) -> None:
    add = """mutation($input: AddCustomerInput!) {
      addCustomer(input: $input) { customer { mews { chainId property } } }
    }"""
    async with group_gateway(world) as gateway:
        refused = await gateway.post(add, {"input": {"lastName": "Nowhere"}})
        assert code_of(refused) == "BAD_USER_INPUT"
        message = refused["errors"][0]["message"]
        assert "paris, lyon" in message and CHAIN_B in message
        assert writes(gateway, "add") == []
        at_lyon = await gateway.data(add, {"input": {"lastName": "Lyonnais", "property": "lyon"}})
        in_b = await gateway.data(add, {"input": {"lastName": "Bee", "chainId": CHAIN_B}})
        unknown = await gateway.post(add, {"input": {"lastName": "X", "property": "nice"}})
        assert code_of(unknown) == "BAD_USER_INPUT"
    assert at_lyon["addCustomer"]["customer"]["mews"] == {"chainId": LYON, "property": "lyon"}
    assert in_b["addCustomer"]["customer"]["mews"] == {"chainId": CHAIN_B, "property": None}
    assert [(c.token, c.body.get("ChainId")) for c in writes(gateway, "add")] == [
        ("lyon", None),
        ("portfolio", CHAIN_B),
    ]


async def test_merging_across_properties_or_through_the_portfolio_is_refused_before_any_write(
    world: World, group: World
) -> None:
    merge = """mutation($s: ID!, $t: ID!) {
      mergeCustomers(sourceId: $s, targetId: $t) { via }
    }"""
    paris = active_guests(group, PARIS, 2)
    lyon = active_guests(group, LYON, 1)[0]
    portfolio = active_guests(group, CHAIN_A, 2)
    async with group_gateway(world) as gateway:
        across = await gateway.post(
            merge, {"s": f"mews:{paris[0]['Id']}", "t": f"mews:{lyon['Id']}"}
        )
        assert code_of(across) == "BAD_USER_INPUT"
        assert "different Mews properties" in across["errors"][0]["message"]
        through = await gateway.post(
            merge, {"s": f"mews:{portfolio[0]['Id']}", "t": f"mews:{portfolio[1]['Id']}"}
        )
        assert code_of(through) == "BAD_USER_INPUT"
        assert gateway.mews.of("customers/merge") == gateway.mews.of("accounts/merge") == []
        done = await gateway.data(
            merge, {"s": f"mews:{paris[0]['Id']}", "t": f"mews:{paris[1]['Id']}"}
        )
    assert done["mergeCustomers"]["via"] == "CUSTOMERS_MERGE"
    assert [c.token for c in gateway.mews.of("customers/merge")] == ["paris"]


async def test_mews_customers_covers_every_place_or_the_one_named(
    world: World, group: World
) -> None:
    page = """query($first: Int, $after: String, $property: String, $chainId: ID) {
      mewsCustomers(first: $first, after: $after, property: $property, chainId: $chainId) {
        pageInfo { hasNextPage endCursor }
        edges { node { mewsId chainId property } }
      }
    }"""
    active = [g for g in group.mews_customers if g["IsActive"]]
    async with group_gateway(world) as gateway:
        seen: list[dict[str, Any]] = []
        after = None
        while True:
            data = await gateway.data(page, {"first": 100, "after": after})
            connection = data["mewsCustomers"]
            seen += [edge["node"] for edge in connection["edges"]]
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        lyon = await gateway.data(page, {"first": 1000, "property": "lyon"})
        in_b = await gateway.data(page, {"first": 1000, "chainId": CHAIN_B})
        unknown = await gateway.post(page, {"property": "nice"})
    assert sorted(g["mewsId"] for g in seen) == sorted(g["Id"] for g in active)
    assert {g["chainId"] for g in seen} == {CHAIN_A, CHAIN_B, PARIS, LYON}
    for node in seen:
        assert node["property"] == PROPERTY_OF[node["chainId"]]
    lyon_nodes = [edge["node"] for edge in lyon["mewsCustomers"]["edges"]]
    assert lyon_nodes and {n["chainId"] for n in lyon_nodes} == {LYON}
    b_nodes = [edge["node"] for edge in in_b["mewsCustomers"]["edges"]]
    assert b_nodes and {n["chainId"] for n in b_nodes} == {CHAIN_B}
    assert code_of(unknown) == "BAD_USER_INPUT"
    assert all(call.status == 200 for call in gateway.mews.calls)


async def test_search_asks_the_property_tokens_and_a_portfolio_alone_cannot(
    world: World, group: World
) -> None:
    search = """query($name: String!, $property: String) {
      searchCustomers(name: $name, property: $property) { mews { mewsId property } }
    }"""
    staying = {r["OwnerId"] for r in group.mews_reservations if r["State"] == "Started"}
    guest = next(g for g in group.mews_customers if g["Id"] in staying)
    async with group_gateway(world) as gateway:
        data = await gateway.data(search, {"name": guest["LastName"]})
        named = await gateway.data(search, {"name": guest["LastName"], "property": "lyon"})
    hits = [hit["mews"] for hit in data["searchCustomers"]]
    assert {"mewsId": guest["Id"], "property": PROPERTY_OF[guest["ChainId"]]} in hits
    assert {c.token for c in gateway.mews.of("customers/search")} == {"paris", "lyon"}
    assert all(hit["mews"]["property"] == "lyon" for hit in named["searchCustomers"])
    in_a = active_guests(group, CHAIN_A, 1)[0]
    items = """query($id: ID!) { customer(id: $id) { mews { openItems { customerId } } } }"""
    async with group_gateway(world, properties=False) as alone:
        refused = await alone.post(search, {"name": guest["LastName"]})
        assert code_of(refused) == "BAD_USER_INPUT"
        assert "property token" in refused["errors"][0]["message"]
        no_items = await alone.post(items, {"id": f"mews:{in_a['Id']}"})
        assert code_of(no_items) == "BAD_USER_INPUT"
        assert alone.mews.of("customers/search") == alone.mews.of("customers/getOpenItems") == []


async def test_open_items_come_through_a_property_token_only(world: World, group: World) -> None:
    query = """query($id: ID!) { customer(id: $id) { mews { openItems { customerId } } } }"""
    with_items = next(g for g in group.mews_customers if g["Id"] in group.mews_open_items)
    in_a = active_guests(group, CHAIN_A, 1)[0]
    async with group_gateway(world) as gateway:
        data = await gateway.data(query, {"id": f"mews:{with_items['Id']}"})
        refused = await gateway.post(query, {"id": f"mews:{in_a['Id']}"})
    assert data["customer"]["mews"]["openItems"]["customerId"] == with_items["Id"]
    assert code_of(refused) == "BAD_USER_INPUT"
    assert {c.token for c in gateway.mews.of("customers/getOpenItems")} <= {"paris", "lyon"}


async def test_48_cold_reads_across_two_properties_stay_in_each_tokens_window(
    world: World, group: World
) -> None:
    """At 20 calls per token per 30 s, 48 cold reads (24 guests of each property, joined to
    their customers where linked) are all served, and no token passes its own window."""
    guests = active_guests(group, PARIS, 24) + active_guests(group, LYON, 24)
    limits = {"MEWS_RATE_LIMIT": "20", "MEWS_RATE_WINDOW_SECONDS": "30"}
    async with group_gateway(
        world, env=limits, portfolio=False, rate_limit=20, rate_window=30.0
    ) as gateway:
        results = await _all(gateway, [f"mews:{g['Id']}" for g in guests])
    for guest, result in zip(guests, results, strict=True):
        assert "errors" not in result, result["errors"]
        mews = result["data"]["customer"]["mews"]
        assert mews["mewsId"] == guest["Id"]
        assert mews["property"] == PROPERTY_OF[guest["ChainId"]]
    calls = gateway.mews.calls
    assert calls and all(call.status == 200 for call in calls)
    for token in ("paris", "lyon"):
        starts = sorted(call.at for call in calls if call.token == token)
        for index, start in enumerate(starts):
            assert sum(1 for at in starts[index:] if at < start + 30) <= 20


async def _all(gateway: GroupGateway, ids: list[str]) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(gateway.post(JOINED, {"id": i}) for i in ids)))


async def test_a_busy_property_never_spends_anothers_calls(world: World, group: World) -> None:
    paris, lyon = active_guests(group, PARIS, 4), active_guests(group, LYON, 1)
    env = {
        "MEWS_RATE_LIMIT": "3",
        "MEWS_RATE_WINDOW_SECONDS": "30",
        "REQUEST_DEADLINE_SECONDS": "2",
    }
    async with group_gateway(world, env=env, portfolio=False) as gateway:
        await gateway.index(group.mews_customers)  # every guest's token is known
        for guest in paris[:3]:
            await gateway.data(JOINED, {"id": f"mews:{guest['Id']}"})
        busy = await gateway.post(JOINED, {"id": f"mews:{paris[3]['Id']}"})
        other = await gateway.data(JOINED, {"id": f"mews:{lyon[0]['Id']}"})
    assert busy["errors"][0]["extensions"]["code"] == "UPSTREAM_RATE_LIMITED"
    assert other["customer"]["mews"]["property"] == "lyon"
    assert all(call.status == 200 for call in gateway.mews.calls)


async def test_readiness_asks_every_token(world: World) -> None:
    tokens = "paris={paris},nice=a-token-mews-does-not-know-0000000000"
    async with group_gateway(world) as gateway:
        ready = (await gateway.gateway.http.get("/readyz")).json()
    assert ready["upstreams"]["mews"]["status"] == "ok"
    assert {c.token for c in gateway.mews.of("customers/getAll")} == {"portfolio", "paris", "lyon"}
    env = {"MEWS_ACCESS_TOKENS": tokens.format(paris=GROUP_PROPERTY_TOKENS["paris"])}
    async with group_gateway(world, env=env) as gateway:
        response = await gateway.gateway.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["upstreams"]["mews"]["status"] != "ok"


async def test_mews_profiles_lists_every_guest_the_record_links(world: World, group: World) -> None:
    fw, at_paris = linked_in(group, PARIS)
    at_lyon = active_guests(group, LYON, 1)[0]
    record = next(c for c in world.fullwhere_customers if c["id"] == fw["id"])
    record["metadata"] = {**(record.get("metadata") or {}), "mews": {"customer": at_lyon}}
    async with group_gateway(world) as gateway:
        customer = (await gateway.data(JOINED, {"id": f"fullwhere:{fw['id']}"}))["customer"]
    assert customer["mewsProfiles"] == [
        {"mewsId": at_paris["Id"], "chainId": PARIS, "property": "paris"},
        {"mewsId": at_lyon["Id"], "chainId": LYON, "property": "lyon"},
    ]


async def test_the_demo_runs_as_a_group() -> None:
    app = create_app(load_settings({}, demo=True))
    query = "{ mewsCustomers(first: 1000) { edges { node { chainId property } } } }"
    async with app.router.lifespan_context(app), gateway_http(app) as http:
        answer = (await http.post("/graphql", json={"query": query})).json()
    places = {
        (e["node"]["chainId"], e["node"]["property"])
        for e in answer["data"]["mewsCustomers"]["edges"]
    }
    assert places == {(CHAIN_A, None), (CHAIN_B, None), (PARIS, "paris"), (LYON, "lyon")}


async def test_the_sync_spends_each_tokens_own_share(world: World) -> None:
    """Nine windows of history a token, at a share of 10 calls per window of each token: one
    budget per token needs no wait, where one budget for all three would."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    since = datetime.now(UTC) - timedelta(days=2 * 365)
    async with group_gateway(world) as gateway:
        upstreams = gateway.app.state.upstreams
        sync = IdentitySync(
            MemoryIdentityIndex(),
            fullwhere=None,
            mews=upstreams.group.clients,
            settings=SyncSettings(mews_budget=0.25, mews_since=since),
            mews_limit=40,
            mews_window=30.0,
            lock=MemorySyncLock(),
            sleep=sleep,
        )
        state = await sync.run_once()
    assert state is not None and state.complete
    calls = gateway.mews.of("customers/getAll")
    assert len(calls) > 10 and {call.token for call in calls} == {"portfolio", "paris", "lyon"}
    # A shared budget would hold the eleventh call for a whole window (33 s).
    assert max(waits, default=0.0) < 1.0
