"""One failing source never blanks the other: what could be resolved comes back, and the
failed paths carry errors with `extensions.code` and `extensions.source`."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs, mews_link
from tests.conftest import gateway_with
from tests.resilience.conftest import FAST, errors_by_path

DOWN = 1000  # fail this many calls: "down" for the whole test

CUSTOMER = """
query One($id: ID!) {
  customer(id: $id) {
    id fullwhereId mewsId email
    fullwhere { id email }
    mews { mewsId lastName }
    sources { __typename }
  }
}"""


def _staying_linked(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Fullwhere customer whose linked Mews guest is staying now (so search finds them)."""
    staying = {
        guest
        for reservation in world.mews_reservations
        if reservation["State"] == "Started"
        for guest in (reservation["OwnerId"], *reservation["CompanionIds"])
    }
    return next((fw, m) for fw, m in linked_pairs(world) if m["Id"] in staying)


async def post_with_fullwhere_down(
    sandboxes: Sandboxes, fw: dict[str, Any], query: str, variables: dict[str, Any]
) -> Any:
    """Learns `fw`'s link to Mews, forgets the cached records so Fullwhere must be asked
    again, then posts `query` with Fullwhere down."""
    async with gateway_with(sandboxes, FAST) as gateway:
        await gateway.data(CUSTOMER, {"id": f"fullwhere:{fw['id']}"})
        gateway.app.state.upstreams.cache.clear()
        sandboxes.fullwhere.control.fail_next("get", DOWN, status=503)
        return await gateway.post(query, variables)


def assert_unavailable(error: dict[str, Any], source: str) -> None:
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["source"] == source


async def test_customer_keeps_its_fullwhere_fields_when_mews_is_down(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, _ = next((fw, m) for fw, m in linked_pairs(world) if fw.get("email"))
    sandboxes.mews.control.fail_next("customers/getAll", DOWN, status=503)
    async with gateway_with(sandboxes, FAST) as gateway:
        result = await gateway.post(CUSTOMER, {"id": f"fullwhere:{fw['id']}"})
    customer = result["data"]["customer"]
    assert customer["id"] == f"fullwhere:{fw['id']}"
    assert customer["email"] == fw["email"]
    assert customer["fullwhere"] == {"id": fw["id"], "email": fw["email"]}
    assert customer["mews"] is None
    assert customer["sources"] == [{"__typename": "FullwhereProfile"}]
    errors = errors_by_path(result)
    # `email` comes from Fullwhere alone: without Mews's update time it may not be the latest.
    for path in (("customer", "mews"), ("customer", "sources"), ("customer", "email")):
        assert_unavailable(errors[path], "mews")
    assert set(errors) == {("customer", "mews"), ("customer", "sources"), ("customer", "email")}


async def test_customers_page_keeps_every_fullwhere_field_when_mews_is_down(
    sandboxes: Sandboxes, world: World
) -> None:
    sandboxes.mews.control.fail_next("customers/getAll", DOWN, status=503)
    async with gateway_with(sandboxes, FAST) as gateway:
        result = await gateway.post(
            """{ customers(first: 20) { totalCount
                 edges { node { id email fullwhere { id } mews { mewsId } } } } }"""
        )
    connection = result["data"]["customers"]
    assert connection["totalCount"] == len(world.fullwhere_customers)
    expected = world.fullwhere_customers[:20]
    nodes = [edge["node"] for edge in connection["edges"]]
    assert [n["id"] for n in nodes] == [f"fullwhere:{c['id']}" for c in expected]
    assert [n["email"] for n in nodes] == [c["email"] for c in expected]
    assert all(n["fullwhere"]["id"] == c["id"] for n, c in zip(nodes, expected, strict=True))
    assert all(n["mews"] is None for n in nodes)
    errors = errors_by_path(result)
    linked = [i for i, c in enumerate(expected) if mews_link(c)]
    assert linked, "the seeded world links some of the first customers"
    assert set(errors) == {
        ("customers", "edges", i, "node", field) for i in linked for field in ("mews", "email")
    }
    for error in errors.values():
        assert_unavailable(error, "mews")


async def test_search_keeps_mews_results_when_fullwhere_is_down(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, guest = _staying_linked(world)
    result = await post_with_fullwhere_down(
        sandboxes,
        fw,
        """query($name: String) { searchCustomers(name: $name) {
             customer { id mewsId } mews { mewsId lastName } reservation { id } } }""",
        {"name": guest["LastName"]},
    )
    hits = result["data"]["searchCustomers"]
    index, hit = next((i, h) for i, h in enumerate(hits) if h["mews"]["mewsId"] == guest["Id"])
    assert hit["mews"]["lastName"] == guest["LastName"]
    assert hit["reservation"] is not None
    assert hit["customer"]["mewsId"] == guest["Id"]
    assert_unavailable(errors_by_path(result)[("searchCustomers", index, "customer")], "fullwhere")


async def test_mews_customers_keep_their_profiles_when_fullwhere_is_down(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, guest = _staying_linked(world)
    result = await post_with_fullwhere_down(
        sandboxes,
        fw,
        """query($ids: [ID!]) { mewsCustomers(filter: {customerIds: $ids}) {
             edges { node { id lastName } customer { id mewsId } } } }""",
        {"ids": [guest["Id"]]},
    )
    (edge,) = result["data"]["mewsCustomers"]["edges"]
    assert edge["node"] == {"id": f"mews:{guest['Id']}", "lastName": guest["LastName"]}
    assert edge["customer"]["mewsId"] == guest["Id"]
    errors = errors_by_path(result)
    assert_unavailable(errors[("mewsCustomers", "edges", 0, "customer")], "fullwhere")


async def test_customer_by_mews_id_keeps_the_mews_guest_when_fullwhere_is_down(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, guest = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    result = await post_with_fullwhere_down(sandboxes, fw, CUSTOMER, {"id": f"mews:{guest['Id']}"})
    customer = result["data"]["customer"]
    assert customer["mewsId"] == guest["Id"]
    assert customer["mews"] == {"mewsId": guest["Id"], "lastName": guest["LastName"]}
    assert customer["sources"] == [{"__typename": "MewsProfile"}]
    assert_unavailable(errors_by_path(result)[("customer",)], "fullwhere")


# --- every field of `Customer` under each single-upstream outage ------------------------------


def _customer_selections() -> dict[str, str]:
    """Each field of `Customer`, as the schema has it, with the least selection it needs."""
    from graphql import GraphQLObjectType, get_named_type, is_composite_type

    from gateway.graphql import build_schema

    customer = build_schema()._schema.get_type("Customer")
    assert isinstance(customer, GraphQLObjectType)
    return {
        name: f"{name} {{ __typename }}" if is_composite_type(get_named_type(field.type)) else name
        for name, field in customer.fields.items()
    }


CUSTOMER_FIELDS = _customer_selections()


def _unlinked_with_an_email(world: World) -> dict[str, Any]:
    """A customer `mewsEmailMatches` asks Mews about."""
    return next(fw for fw in world.fullwhere_customers if not mews_link(fw) and fw.get("email"))


def assert_only_errors_under(result: dict[str, Any], prefix: tuple[Any, ...], source: str) -> None:
    """Every error sits at a path under `prefix` (the field itself) and names `source`."""
    for path, error in errors_by_path(result).items():
        assert path[: len(prefix)] == prefix, error
        assert error["extensions"]["source"] == source, error
        assert error["extensions"]["code"].startswith("UPSTREAM_"), error


@pytest.mark.parametrize("field", sorted(CUSTOMER_FIELDS))
async def test_every_customer_field_keeps_the_customer_when_mews_is_down(
    sandboxes: Sandboxes, world: World, field: str
) -> None:
    linked, _ = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    unlinked = _unlinked_with_an_email(world)
    selection = CUSTOMER_FIELDS[field]
    sandboxes.mews.control.fail_next("customers/getAll", DOWN, status=500)
    async with gateway_with(sandboxes, FAST) as gateway:
        for fw in (linked, unlinked):
            one = await gateway.post(
                f"query($id: ID!) {{ customer(id: $id) {{ id {selection} }} }}",
                {"id": f"fullwhere:{fw['id']}"},
            )
            assert one["data"]["customer"]["id"] == f"fullwhere:{fw['id']}", one
            assert_only_errors_under(one, ("customer", field), "mews")
        page = await gateway.post(
            f"{{ customers(first: 3) {{ edges {{ node {{ id {selection} }} }} }} }}"
        )
    assert page["data"] is not None, page
    nodes = [edge["node"] for edge in page["data"]["customers"]["edges"]]
    assert [n["id"] for n in nodes] == [
        f"fullwhere:{c['id']}" for c in world.fullwhere_customers[:3]
    ]
    for index in range(len(nodes)):
        errors = {
            p: e
            for p, e in errors_by_path(page).items()
            if p[:4] == ("customers", "edges", index, "node")
        }
        assert_only_errors_under(
            {"errors": list(errors.values())}, ("customers", "edges", index, "node", field), "mews"
        )


@pytest.mark.parametrize("field", sorted(CUSTOMER_FIELDS))
async def test_every_customer_field_keeps_the_mews_guest_when_fullwhere_is_down(
    sandboxes: Sandboxes, world: World, field: str
) -> None:
    fw, guest = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    result = await post_with_fullwhere_down(
        sandboxes,
        fw,
        f"query($id: ID!) {{ customer(id: $id) {{ id mewsId {CUSTOMER_FIELDS[field]} }} }}",
        {"id": f"mews:{guest['Id']}"},
    )
    customer = result["data"]["customer"]
    assert customer is not None and customer["mewsId"] == guest["Id"], result
    for path, error in errors_by_path(result).items():
        # The customer's own Fullwhere lookup (at the customer), or the field's.
        assert path in (("customer",), ("customer", field)) or path[:2] == ("customer", field), (
            error
        )
        assert_unavailable(error, "fullwhere")


async def test_the_readme_queries_keep_fullwhere_data_while_the_mews_breaker_is_open(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, _ = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    env = {**FAST, "UPSTREAM_RETRIES": "0", "UPSTREAM_BREAKER_THRESHOLD": "1"}
    sandboxes.mews.control.fail_next("customers/getAll", 1, status=503)  # opens the breaker
    one = "query($id: ID!) { customer(id: $id) { id displayName conflicts { field } } }"
    page = "{ customers(first: 3) { edges { node { id conflicts { field } } } } }"
    async with gateway_with(sandboxes, env) as gateway:
        await gateway.post(one, {"id": f"fullwhere:{fw['id']}"})
        gateway.reset_calls()
        customer = await gateway.post(one, {"id": f"fullwhere:{fw['id']}"})
        customers = await gateway.post(page)
        assert "mews:customers/getAll" not in gateway.calls()  # the breaker answered
    assert customer["data"]["customer"]["id"] == f"fullwhere:{fw['id']}"
    assert customer["data"]["customer"]["conflicts"] == []
    assert_unavailable(errors_by_path(customer)[("customer", "conflicts")], "mews")
    nodes = [edge["node"] for edge in customers["data"]["customers"]["edges"]]
    assert [n["id"] for n in nodes] == [
        f"fullwhere:{c['id']}" for c in world.fullwhere_customers[:3]
    ]
