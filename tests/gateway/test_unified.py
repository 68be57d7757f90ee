"""What the unified customer's fields mean: precedence by freshness, one vocabulary, derived
display names, the unified address, and Relay object identification; all through the
gateway over the seeded sandboxes."""

from __future__ import annotations

import re
from typing import Any

from gateway.domain import unify
from gateway.graphql.query import MAX_NODE_IDS
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, fullwhere_only, linked_pairs, mews_only
from tests.conftest import Gateway, gateway_with
from tests.resilience.conftest import FAST, errors_by_path

UNIFIED = """
  id firstName lastName displayName civility language
  fieldSources { field value source reason values { source value } }
"""

UPDATE = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{ customer {{ {UNIFIED} mews {{ firstName }} }} }}
}}"""

READ = f"query($id: ID!) {{ customer(id: $id) {{ {UNIFIED} }} }}"

PAGE = f"""
query($after: String) {{
  customers(first: 100, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {UNIFIED} }} }}
  }}
}}"""

# Pages of 200: each guest's linked Fullwhere record is a call of its own, and a page of
# 1000 would be estimated over the default limit of upstream calls per operation.
MEWS_PAGE = f"""
query($after: String) {{ mewsCustomers(first: 200, after: $after) {{
  pageInfo {{ hasNextPage endCursor }}
  edges {{ customer {{ {UNIFIED} }} }}
}} }}"""


def _linked(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    return next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))


def _source(customer: dict[str, Any], field: str) -> dict[str, Any]:
    return next(f for f in customer["fieldSources"] if f["field"] == field)


async def _every_customer(gateway: Gateway) -> list[dict[str, Any]]:
    """Every demo customer: the Fullwhere pages, then the Mews guests no Fullwhere record
    links to (the gateway has learned the links from the pages)."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gateway.data(PAGE, {"after": after}))["customers"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    after = None
    while True:
        guests = (await gateway.data(MEWS_PAGE, {"after": after}))["mewsCustomers"]
        found += [e["customer"] for e in guests["edges"] if e["customer"]["id"].startswith("mews:")]
        if not guests["pageInfo"]["hasNextPage"]:
            return found
        after = guests["pageInfo"]["endCursor"]


async def test_an_update_shows_in_the_unified_fields_of_the_payload_and_later_reads(
    gateway: Gateway, world: World
) -> None:
    fw, _ = _linked(world)
    unified = f"fullwhere:{fw['id']}"
    new_name = "Camila" if fw["firstName"] != "Camila" else "Camille"
    payload = await gateway.data(UPDATE, {"input": {"id": unified, "firstName": new_name}})
    customer = payload["updateCustomer"]["customer"]
    assert customer["mews"]["firstName"] == new_name
    assert customer["firstName"] == new_name
    assert customer["displayName"] == f"{new_name} {customer['lastName']}"
    first = _source(customer, "firstName")
    assert (first["source"], first["reason"]) == ("MEWS", "MORE_RECENT")
    assert {v["source"]: v["value"] for v in first["values"]} == {
        "FULLWHERE": fw["firstName"],
        "MEWS": new_name,
    }
    later = (await gateway.data(READ, {"id": unified}))["customer"]
    assert later["firstName"] == new_name
    assert (_source(later, "firstName")["source"], _source(later, "displayName")["reason"]) == (
        "MEWS",
        "DERIVED",
    )


async def test_a_fixed_fullwhere_order_keeps_fullwhere_values_after_a_mews_write(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, _ = _linked(world)
    unified = f"fullwhere:{fw['id']}"
    async with gateway_with(sandboxes, {"UNIFIED_PRECEDENCE": "fullwhere"}) as gateway:
        payload = await gateway.data(UPDATE, {"input": {"id": unified, "firstName": "Zed"}})
    customer = payload["updateCustomer"]["customer"]
    assert customer["mews"]["firstName"] == "Zed"
    assert customer["firstName"] == fw["firstName"]
    first = _source(customer, "firstName")
    assert (first["source"], first["reason"]) == ("FULLWHERE", "CONFIGURED_ORDER")


async def test_a_fixed_mews_order_prefers_mews_values(sandboxes: Sandboxes, world: World) -> None:
    fw, mews = next((fw, m) for fw, m in linked_pairs(world) if m.get("Phone"))
    async with gateway_with(sandboxes, {"UNIFIED_PRECEDENCE": "mews"}) as gateway:
        customer = (await gateway.data(READ, {"id": f"fullwhere:{fw['id']}"}))["customer"]
    assert (_source(customer, "firstName")["source"], _source(customer, "language")["value"]) == (
        "MEWS",
        unify.language(mews.get("PreferredLanguageCode") or mews.get("LanguageCode")),
    )


async def test_an_import_without_display_name_takes_its_own_names(
    gateway: Gateway, world: World
) -> None:
    _, mews = _linked(world)
    imported = await gateway.data(
        """mutation($input: ImportCustomerInput!) { importCustomer(input: $input) {
            customer { firstName lastName displayName
                       fieldSources { field source reason } } } }""",
        {"input": {"firstName": "Zoé", "lastName": "Fidelity", "mewsId": mews["Id"]}},
    )
    customer = imported["importCustomer"]["customer"]
    assert (customer["firstName"], customer["lastName"]) == ("Zoé", "Fidelity")
    assert customer["displayName"] == "Zoé Fidelity"
    assert _source(customer, "displayName")["reason"] == "DERIVED"


async def test_display_name_agrees_with_the_chosen_names_on_every_demo_customer(
    gateway: Gateway, world: World
) -> None:
    customers = await _every_customer(gateway)
    active_guests = [m for m in mews_only(world) if m.get("IsActive")]
    assert len(customers) == len(world.fullwhere_customers) + len(active_guests)
    for customer in customers:
        names = [customer["firstName"], customer["lastName"]]
        assert customer["displayName"] == " ".join(n for n in names if n), customer["id"]


async def test_civility_and_language_take_one_vocabulary_across_all_demo_customers(
    gateway: Gateway, world: World
) -> None:
    customers = await _every_customer(gateway)
    civilities = {c["civility"] for c in customers}
    languages = {c["language"] for c in customers}
    assert civilities == {"MR", "MS", "MRS"}  # every demo customer has a known title
    assert languages and all(re.fullmatch(r"[a-z]{2}", lang) for lang in languages)
    for customer in customers:
        for field in ("civility", "language"):
            source = _source(customer, field)
            assert source["value"] == customer[field]
            raw = next(v["value"] for v in source["values"] if v["source"] == source["source"])
            normalise = unify.civility if field == "civility" else unify.language
            normalised = normalise(raw)
            assert (normalised.value if isinstance(normalised, unify.Civility) else normalised) == (
                customer[field]
            )


ADDRESS = """query($id: ID!) { customer(id: $id) {
    address { line1 line2 city postalCode countryCode countrySubdivisionCode source } } }"""


async def test_the_address_comes_from_mews_for_a_guest(gateway: Gateway, world: World) -> None:
    guest = next(m for m in mews_only(world) if m.get("Address"))
    data = await gateway.data(ADDRESS, {"id": f"mews:{guest['Id']}"})
    mews_address = guest["Address"]
    assert data["customer"]["address"] == {
        "line1": mews_address["Line1"],
        "line2": mews_address["Line2"],
        "city": mews_address["City"],
        "postalCode": mews_address["PostalCode"],
        "countryCode": mews_address["CountryCode"],
        "countrySubdivisionCode": mews_address["CountrySubdivisionCode"],
        "source": "MEWS",
    }


async def test_the_address_comes_from_a_fullwhere_block_without_mews(
    gateway: Gateway, world: World
) -> None:
    record = next(c for c in fullwhere_only(world) if "zenchef" in c["metadata"])
    block = record["metadata"]["zenchef"]
    data = await gateway.data(ADDRESS, {"id": f"fullwhere:{record['id']}"})
    assert data["customer"]["address"] == {
        "line1": block["address"],
        "line2": None,
        "city": block["city"],
        "postalCode": block["zip"],
        "countryCode": block["country"],
        "countrySubdivisionCode": None,
        "source": "FULLWHERE",
    }


NODE_FIELDS = "id fullwhereId mewsId email displayName mews { id mewsId lastName }"


async def test_node_returns_what_customer_returns_for_both_id_forms(
    gateway: Gateway, world: World
) -> None:
    fw, mews = _linked(world)
    guest = mews_only(world)[0]
    ids = [f"fullwhere:{fw['id']}", f"mews:{mews['Id']}", f"mews:{guest['Id']}"]
    for id_ in ids:
        data = await gateway.data(
            f"""query($id: ID!) {{
                customer(id: $id) {{ {NODE_FIELDS} }}
                node(id: $id) {{ __typename ... on Customer {{ {NODE_FIELDS} }} }} }}""",
            {"id": id_},
        )
        assert data["node"] == {"__typename": "Customer", **data["customer"]}, id_
    linked = (await gateway.data(f"{{ node(id: {ids[0]!r}) {{ id }} }}".replace("'", '"')))["node"]
    assert linked == {"id": ids[0]}
    # A MewsProfile's id names its person: node(id:) answers with that customer.
    profile_id = f"mews:{guest['Id']}"
    again = await gateway.data(
        "query($id: ID!) { node(id: $id) { ... on Customer { mews { id } } } }", {"id": profile_id}
    )
    assert again["node"]["mews"]["id"] == profile_id


async def test_nodes_answer_in_order_with_null_for_unknown_ids(
    gateway: Gateway, world: World
) -> None:
    fw, mews = _linked(world)
    unknown = "mews:00000000-0000-4000-8000-000000000000"
    ids = [f"mews:{mews['Id']}", unknown, f"fullwhere:{fw['id']}"]
    await gateway.data(READ, {"id": ids[2]})  # the gateway learns the link
    data = await gateway.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Customer { mewsId } } }",
        {"ids": ids},
    )
    expected = {"id": f"fullwhere:{fw['id']}", "mewsId": mews["Id"]}
    assert data["nodes"] == [expected, None, expected]


async def test_nodes_refuses_a_malformed_id_before_any_call(gateway: Gateway) -> None:
    result = await gateway.post(
        'query { nodes(ids: ["fullwhere:abc", "salesforce:1"]) { id } }',
    )
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("ids[1]: ")
    assert gateway.calls() == {}


async def test_nodes_keep_what_resolves_when_one_upstream_fails(
    sandboxes: Sandboxes, world: World
) -> None:
    record = fullwhere_only(world)[0]
    guest = next(m for m in mews_only(world) if m.get("IsActive"))
    sandboxes.fullwhere.control.fail_next("get", 1000, status=503)
    async with gateway_with(sandboxes, FAST) as gateway:
        result = await gateway.post(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            {"ids": [f"fullwhere:{record['id']}", f"mews:{guest['Id']}"]},
        )
    assert result["data"]["nodes"] == [None, {"id": f"mews:{guest['Id']}"}]
    error = errors_by_path(result)[("nodes", 0)]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["source"] == "fullwhere"


async def test_nodes_refuses_more_ids_than_its_limit(gateway: Gateway) -> None:
    ids = [f"fullwhere:c{i}" for i in range(MAX_NODE_IDS + 1)]
    result = await gateway.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert str(MAX_NODE_IDS) in error["message"]
    assert gateway.calls() == {}
