"""Reads through the gateway: the unified customer, connections, search, and the number of
upstream calls each costs (counted at the sandboxes)."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import Gateway, gateway_with

PAGE_WITH_MEWS = """
query Page($first: Int, $after: String) {
  customers(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id fullwhereId mewsId email mews { mewsId lastName email } } }
  }
}"""

ONE = """
query One($id: ID!) {
  customer(id: $id) {
    id fullwhereId mewsId firstName lastName email phone
    link { method mewsId }
    fullwhere { id email }
    mews { mewsId email lastName }
  }
}"""


def _linked(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    return next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))


async def test_customer_by_fullwhere_id_joins_its_mews_profile(
    gateway: Gateway, world: World
) -> None:
    fw, mews = _linked(world)
    data = await gateway.data(ONE, {"id": f"fullwhere:{fw['id']}"})
    customer = data["customer"]
    assert customer["id"] == f"fullwhere:{fw['id']}"
    assert customer["mewsId"] == mews["Id"]
    assert customer["link"] == {"method": "MEWS_ID", "mewsId": mews["Id"]}
    assert customer["mews"]["mewsId"] == mews["Id"]
    assert customer["mews"]["lastName"] == mews["LastName"]
    assert customer["fullwhere"]["email"] == fw["email"]


async def test_fullwhere_value_wins_and_mews_fills_the_gaps(gateway: Gateway, world: World) -> None:
    fw, mews = _linked(world)
    data = await gateway.data(
        """query($id: ID!) { customer(id: $id) { email birthDate nationalityCode
            fieldSources { field value source values { source value } } } }""",
        {"id": f"fullwhere:{fw['id']}"},
    )
    customer = data["customer"]
    assert customer["email"] == fw["email"]
    assert customer["birthDate"] == mews["BirthDate"]
    assert customer["nationalityCode"] == mews["NationalityCode"]
    email = next(f for f in customer["fieldSources"] if f["field"] == "email")
    assert email["source"] == "FULLWHERE"
    assert {v["source"]: v["value"] for v in email["values"]} == {
        "FULLWHERE": fw["email"],
        "MEWS": mews["Email"],
    }


async def test_conflicting_values_are_reported_with_both_sources(
    gateway: Gateway, world: World
) -> None:
    differing = [
        (fw, m)
        for fw, m in linked_pairs(world)
        if fw.get("phoneNumber")
        and m.get("Phone")
        and "".join(filter(str.isdigit, fw["phoneNumber"])).lstrip("0")
        != "".join(filter(str.isdigit, m["Phone"])).lstrip("0")
    ]
    assert differing, "the seeded world should hold people whose phones disagree"
    fw, mews = differing[0]
    data = await gateway.data(
        """query($id: ID!) { customer(id: $id) {
            conflicts { field value source conflict values { source value } } } }""",
        {"id": f"fullwhere:{fw['id']}"},
    )
    phone = next(c for c in data["customer"]["conflicts"] if c["field"] == "phone")
    assert phone["conflict"] is True
    assert phone["value"] == fw["phoneNumber"]
    assert {v["source"]: v["value"] for v in phone["values"]} == {
        "FULLWHERE": fw["phoneNumber"],
        "MEWS": mews["Phone"],
    }


async def test_mews_id_of_a_known_link_resolves_to_the_unified_customer(
    gateway: Gateway, world: World
) -> None:
    fw, mews = _linked(world)
    await gateway.data(ONE, {"id": f"fullwhere:{fw['id']}"})  # the gateway learns the link
    data = await gateway.data(ONE, {"id": f"mews:{mews['Id']}"})
    assert data["customer"]["id"] == f"fullwhere:{fw['id']}"
    assert data["customer"]["mews"]["mewsId"] == mews["Id"]


async def test_mews_only_guest_has_a_mews_id(gateway: Gateway, world: World) -> None:
    linked = {m["Id"] for _, m in linked_pairs(world)}
    mews_only = next(m for m in world.mews_customers if m["Id"] not in linked)
    data = await gateway.data(ONE, {"id": f"mews:{mews_only['Id']}"})
    customer = data["customer"]
    assert customer["id"] == f"mews:{mews_only['Id']}"
    assert customer["fullwhere"] is None
    assert customer["link"]["method"] == "MEWS_ONLY"
    assert customer["lastName"] == mews_only["LastName"]


async def test_malformed_ids_are_bad_user_input(gateway: Gateway) -> None:
    for bad in ["42", "fullwhere:", "mews:not-a-uuid", "salesforce:1", "fullwhere:a b"]:
        result = await gateway.post(ONE, {"id": bad})
        assert result["data"] == {"customer": None}
        (error,) = result["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
        assert "fullwhere:" in error["message"]
    assert gateway.calls() == {}


async def test_unknown_ids_are_null_without_errors(gateway: Gateway) -> None:
    for unknown in ["fullwhere:does-not-exist", "mews:00000000-0000-4000-8000-000000000000"]:
        result = await gateway.post(ONE, {"id": unknown})
        assert result["data"] == {"customer": None}
        assert "errors" not in result
        # A Mews id is looked up in the identity index, which says it is still building.
        assert set(result.get("extensions", {})) <= {"identityIndex"}


async def test_page_of_100_with_mews_profiles_costs_one_call_per_upstream(
    gateway: Gateway, world: World
) -> None:
    data = await gateway.data(PAGE_WITH_MEWS, {"first": 100})
    edges = data["customers"]["edges"]
    assert len(edges) == 100
    assert data["customers"]["totalCount"] == len(world.fullwhere_customers)
    linked = [e for e in edges if e["node"]["mewsId"]]
    assert linked and all(e["node"]["mews"] for e in linked)
    assert gateway.calls() == {"fullwhere:list": 1, "mews:customers/getAll": 1}


async def test_the_same_page_again_within_the_ttl_costs_nothing(gateway: Gateway) -> None:
    first = await gateway.data(PAGE_WITH_MEWS, {"first": 100})
    gateway.reset_calls()
    again = await gateway.data(PAGE_WITH_MEWS, {"first": 100})
    assert again == first
    assert gateway.calls() == {}


async def test_reads_by_id_after_a_page_are_served_from_the_primed_cache(
    gateway: Gateway,
) -> None:
    data = await gateway.data(PAGE_WITH_MEWS, {"first": 20})
    gateway.reset_calls()
    node = next(e["node"] for e in data["customers"]["edges"] if e["node"]["mewsId"])
    await gateway.data(ONE, {"id": node["id"]})
    assert gateway.calls() == {}


async def test_fifty_concurrent_requests_for_one_uncached_customer_cost_one_call_each(
    gateway: Gateway, world: World
) -> None:
    fw, _ = _linked(world)
    results = await asyncio.gather(
        *(gateway.data(ONE, {"id": f"fullwhere:{fw['id']}"}) for _ in range(50))
    )
    assert all(r == results[0] for r in results)
    assert gateway.calls() == {"fullwhere:get": 1, "mews:customers/getAll": 1}


async def test_pages_follow_cursors_without_overlap(gateway: Gateway, world: World) -> None:
    seen: list[str] = []
    after = None
    for _ in range(4):
        page = (await gateway.data(PAGE_WITH_MEWS, {"first": 7, "after": after}))["customers"]
        seen += [e["node"]["id"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 28 == len(set(seen))
    assert page["pageInfo"]["hasPreviousPage"] is False  # forward-only connections
    assert page["pageInfo"]["hasNextPage"] is True


async def test_page_size_and_cursor_are_validated(gateway: Gateway) -> None:
    for variables in ({"first": 0}, {"first": 101}, {"first": 5, "after": "bm9wZQ"}):
        result = await gateway.post(PAGE_WITH_MEWS, variables)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables
    assert gateway.calls() == {}


MEWS_PAGE = """
query($filter: MewsCustomerFilter, $first: Int, $after: String) {
  mewsCustomers(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id mewsId lastName email companyId createdUtc } customer { id } }
  }
}"""


async def test_mews_customers_walks_pages_newest_first(gateway: Gateway, world: World) -> None:
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gateway.data(MEWS_PAGE, {"first": 100, "after": after}))["mewsCustomers"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    active = [m for m in world.mews_customers if m.get("IsActive")]
    assert len(seen) == len({n["id"] for n in seen}) == len(active)
    created = [n["createdUtc"] for n in seen]
    assert created == sorted(created, reverse=True)


async def test_an_exactly_full_last_page_ends_without_an_empty_call(
    gateway: Gateway, world: World
) -> None:
    active = sum(1 for m in world.mews_customers if m.get("IsActive"))
    half = active // 2
    first = (await gateway.data(MEWS_PAGE, {"first": active - half}))["mewsCustomers"]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    assert after == first["edges"][-1]["cursor"]
    last = (await gateway.data(MEWS_PAGE, {"first": half, "after": after}))["mewsCustomers"]
    assert len(last["edges"]) == half
    assert last["pageInfo"]["hasNextPage"] is False
    assert gateway.calls() == {"mews:customers/getAll": 2}


async def test_mews_customers_filters_by_company(gateway: Gateway, world: World) -> None:
    company = next(m["CompanyId"] for m in world.mews_customers if m.get("CompanyId"))
    page = (await gateway.data(MEWS_PAGE, {"filter": {"companyIds": [company]}}))["mewsCustomers"]
    expected = {
        m["Id"] for m in world.mews_customers if m.get("CompanyId") == company and m["IsActive"]
    }
    assert {e["node"]["mewsId"] for e in page["edges"]} == expected
    assert {e["node"]["id"] for e in page["edges"]} == {f"mews:{id_}" for id_ in expected}


async def test_mews_filter_limits_are_refused_before_any_call(gateway: Gateway) -> None:
    too_long = {
        "createdUtc": {"startUtc": "2026-01-01T00:00:00Z", "endUtc": "2026-04-02T00:00:00Z"}
    }
    cases = [
        too_long,
        {"companyIds": ["a", "b"]},
        {"emails": [f"{i}@example.com" for i in range(1001)]},
    ]
    for filter_ in cases:
        result = await gateway.post(MEWS_PAGE, {"filter": filter_})
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", filter_
    result = await gateway.post(MEWS_PAGE, {"first": 1001})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.calls() == {}


async def test_search_returns_staying_guests_with_their_reservation(
    gateway: Gateway, world: World
) -> None:
    staying = next(r for r in world.mews_reservations if r.get("State") == "Started")
    guest = next(m for m in world.mews_customers if m["Id"] == staying["CustomerId"])
    data = await gateway.data(
        """query($name: String) { searchCustomers(name: $name) {
            customer { id } mews { mewsId lastName } reservation { id state } } }""",
        {"name": guest["LastName"]},
    )
    hit = next(r for r in data["searchCustomers"] if r["mews"]["mewsId"] == guest["Id"])
    assert hit["reservation"]["id"] == staying["Id"]


async def test_search_needs_a_name_or_a_resource(gateway: Gateway) -> None:
    result = await gateway.post("{ searchCustomers { mews { mewsId } } }")
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.calls() == {}


async def test_open_items_batch_into_one_call(gateway: Gateway, world: World) -> None:
    ids = list(world.mews_open_items)[:3]
    fields = "mews { openItems { customerId orderItems { id } } }"
    query = (
        "{ "
        + " ".join(f'c{i}: customer(id: "mews:{id_}") {{ {fields} }}' for i, id_ in enumerate(ids))
        + " }"
    )
    data = await gateway.data(query)
    for i, id_ in enumerate(ids):
        assert data[f"c{i}"]["mews"]["openItems"]["customerId"] == id_
    assert gateway.calls()["mews:customers/getOpenItems"] == 1


async def test_equivalent_values_are_not_conflicts(gateway: Gateway, world: World) -> None:
    """Fullwhere `fr` vs Mews `fr-FR`, `Mr.` vs `Mister`, case-only email differences."""
    query = """query($first: Int) { customers(first: $first) { edges { node {
        conflicts { field values { source value } } } } } }"""
    data = await gateway.data(query, {"first": 100})
    conflicts = [c for e in data["customers"]["edges"] for c in e["node"]["conflicts"]]
    assert conflicts, "the seeded world plants some real conflicts"
    for conflict in conflicts:
        values = [v["value"] for v in conflict["values"]]
        if conflict["field"] == "language":
            assert values[0].split("-")[0] != values[1].split("-")[0], conflict
        if conflict["field"] == "email":
            assert values[0].casefold() != values[1].casefold(), conflict
        assert conflict["field"] != "civility" or {v.rstrip(".") for v in values} not in (
            {"Mr", "Mister"},
            {"Mrs", "Misses"},
            {"Ms", "Miss"},
        ), conflict


async def test_fifty_customers_by_alias_cost_fifty_gets_and_one_getall(
    gateway: Gateway, world: World
) -> None:
    ids = [fw["id"] for fw, _ in linked_pairs(world)][:50]
    query = (
        "{ "
        + " ".join(
            f'c{i}: customer(id: "fullwhere:{id_}") {{ id email mews {{ mewsId lastName }} }}'
            for i, id_ in enumerate(ids)
        )
        + " }"
    )
    data = await gateway.data(query)
    assert all(data[f"c{i}"]["mews"] for i in range(50))
    assert gateway.calls() == {"fullwhere:get": 50, "mews:customers/getAll": 1}


async def test_fixed_fullwhere_precedence_answers_without_mews(
    sandboxes: Sandboxes, world: World
) -> None:
    async with gateway_with(sandboxes, {"UNIFIED_PRECEDENCE": "fullwhere"}) as gateway:
        data = await gateway.data(UNIFIED_PAGE)
    assert len(data["customers"]["edges"]) == 100
    assert gateway.calls() == {"fullwhere:list": 1}


async def test_latest_precedence_reads_a_page_of_profiles_in_one_mews_call(
    gateway: Gateway, world: World
) -> None:
    data = await gateway.data(UNIFIED_PAGE)
    assert len(data["customers"]["edges"]) == 100
    assert gateway.calls() == {"fullwhere:list": 1, "mews:customers/getAll": 1}


UNIFIED_PAGE = (
    "{ customers(first: 100) { edges { node { id email displayName link { method } } } } }"
)


async def test_a_mews_page_joins_fullwhere_only_when_asked(gateway: Gateway, world: World) -> None:
    page = await gateway.data(PAGE_WITH_MEWS, {"first": 100})  # the gateway learns the links
    mews_ids = [e["node"]["mewsId"] for e in page["customers"]["edges"] if e["node"]["mewsId"]]
    gateway.app.state.upstreams.cache.clear()
    gateway.reset_calls()
    query = """query($ids: [ID!]) { mewsCustomers(filter: {customerIds: $ids}, first: 1000) {
        edges { node { id lastName } %s } } }"""
    await gateway.data(query % "", {"ids": mews_ids})
    assert gateway.calls() == {"mews:customers/getAll": 1}
    gateway.reset_calls()
    data = await gateway.data(query % "customer { id fullwhereId }", {"ids": mews_ids})
    edges = data["mewsCustomers"]["edges"]
    assert len(edges) == len(mews_ids)
    assert all(e["customer"]["id"].startswith("fullwhere:") for e in edges)
    assert gateway.calls() == {"fullwhere:get": len(mews_ids)}  # the page itself was cached
