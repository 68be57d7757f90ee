"""The upstream types over the real sandboxes: the demo world satisfies every non-null field,
one selection reads every metadata block without aliases, and the small additions
(`openItems(currency:)`, `MewsPaymentItem.identifier`, `AttachCustomerFileInput.chainId`)
reach the upstream."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, get_named_type

from gateway.graphql import build_schema
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.mews import DEMO_EXCHANGE_RATES
from gateway.sandbox.world import World
from tests.conftest import Gateway, gateway_with

TYPES = build_schema()._schema.type_map
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def selection(type_name: str, skip: frozenset[str] = frozenset()) -> str:
    """Every field of an object type without arguments, nested objects expanded."""
    graphql_type: Any = TYPES[type_name]
    parts = []
    for name, field in graphql_type.fields.items():
        if name in skip or field.args:
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType):
            parts.append(f"{name} {{ {selection(named.name)} }}")
        elif not isinstance(named, GraphQLObjectType) and not hasattr(named, "types"):
            parts.append(name)
    return " ".join(parts)


def non_null_fields(type_name: str) -> list[str]:
    graphql_type: Any = TYPES[type_name]
    return [n for n, f in graphql_type.fields.items() if isinstance(f.type, GraphQLNonNull)]


async def test_every_demo_guest_satisfies_the_non_null_fields(
    gateway: Gateway, world: World
) -> None:
    assert {"lastName", "hasOtaEmail", "isActive", "number", "chainId", "createdUtc"} <= set(
        non_null_fields("MewsProfile")
    )
    query = f"""query($after: String) {{
      mewsCustomers(first: 200, after: $after, filter: {{activityStates: [ACTIVE, DELETED]}}) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ {selection("MewsProfile")}
          openItems {{ {selection("MewsCustomerItems")} }} }} }} }} }}"""
    guests: list[dict[str, Any]] = []
    after = None
    while True:
        result = await gateway.post(query, {"after": after})
        assert "errors" not in result, result["errors"][:3]
        page = result["data"]["mewsCustomers"]
        guests += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(guests) == len(world.mews_customers)
    with_items = [g for g in guests if g["openItems"]["orderItems"]]
    assert len(with_items) >= len(world.mews_open_items) // 2
    payments = [p for g in guests for p in g["openItems"]["paymentItems"]]
    assert payments and all(p["identifier"] for p in payments)


async def test_every_staying_guest_and_reservation_satisfy_the_non_null_fields(
    gateway: Gateway, world: World
) -> None:
    assert {"id", "stateRaw", "startUtc", "endUtc", "options"} <= set(
        non_null_fields("MewsReservation")
    )
    owners = {c["Id"]: c for c in world.mews_customers}
    staying = [r for r in world.mews_reservations if r["State"] == "Started"]
    assert staying
    reservation_fields = selection("MewsReservation")
    profile_fields = selection("MewsProfile")
    for reservation in staying:
        owner = owners[reservation["OwnerId"]]
        result = await gateway.post(
            f"""query($name: String) {{ searchCustomers(name: $name) {{
                  mews {{ {profile_fields} }} reservation {{ {reservation_fields} }} }} }}""",
            {"name": owner["LastName"]},
        )
        assert "errors" not in result, result["errors"][:3]
        found = [r["reservation"] for r in result["data"]["searchCustomers"] if r["reservation"]]
        assert reservation["Id"] in {r["id"] for r in found}


async def test_every_demo_fullwhere_customer_has_its_non_null_fields(
    gateway: Gateway, world: World
) -> None:
    assert non_null_fields("FullwhereProfile")[:1] == ["id"]
    fields = selection("FullwhereProfile", skip=frozenset({"metadata"}))
    query = f"""query($after: String) {{ customers(first: 100, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ fullwhere {{ {fields} }} }} }} }} }}"""
    seen = 0
    after = None
    while True:
        result = await gateway.post(query, {"after": after})
        assert "errors" not in result, result["errors"][:3]
        page = result["data"]["customers"]
        seen += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == len(world.fullwhere_customers)


async def test_one_selection_reads_every_metadata_block_without_aliases(
    gateway: Gateway, world: World
) -> None:
    record = max(world.fullwhere_customers, key=lambda c: len(c["metadata"] or {}))
    blocks = {source: block for source, block in record["metadata"].items() if block}
    assert len(blocks) >= 3
    query = """query($id: ID!) { customer(id: $id) {
        metadata { __typename ... on MetadataBlock { source raw } } } }"""
    assert ":" not in query.replace("$id: ID!", "").replace("(id: $id)", "")  # no alias
    data = await gateway.data(query, {"id": f"fullwhere:{record['id']}"})
    read = data["customer"]["metadata"]
    assert [entry["source"] for entry in read] == list(blocks)
    assert {entry["source"]: entry["raw"] for entry in read} == blocks
    assert all(entry["__typename"].endswith("Metadata") for entry in read)


async def test_open_items_in_another_currency(gateway: Gateway, world: World) -> None:
    guest_id = next(g for g, items in world.mews_open_items.items() if items["OrderItems"])
    query = """query($id: ID!) { customer(id: $id) { mews {
        eur: openItems { orderItems { id amount { currency grossValue } } }
        chf: openItems(currency: "CHF") { orderItems { id amount { currency grossValue } } }
    } } }"""
    data = await gateway.data(query, {"id": f"mews:{guest_id}"})
    eur = data["customer"]["mews"]["eur"]["orderItems"]
    chf = data["customer"]["mews"]["chf"]["orderItems"]
    assert [i["id"] for i in chf] == [i["id"] for i in eur]
    for before, after in zip(eur, chf, strict=True):
        assert before["amount"]["currency"] == "EUR" and after["amount"]["currency"] == "CHF"
        expected = round(before["amount"]["grossValue"] * DEMO_EXCHANGE_RATES["CHF"], 2)
        assert after["amount"]["grossValue"] == expected
    assert gateway.calls()["mews:customers/getOpenItems"] == 2


async def test_an_invalid_currency_is_refused_before_any_call(
    gateway: Gateway, world: World
) -> None:
    guest_id = next(iter(world.mews_open_items))
    result = await gateway.post(
        """query($id: ID!) { customer(id: $id) { mews { lastName
            openItems(currency: "euro") { customerId } } } }""",
        {"id": f"mews:{guest_id}"},
    )
    error = result["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "ISO 4217" in error["message"]
    assert result["data"]["customer"]["mews"]["lastName"]  # the rest still answers
    assert "mews:customers/getOpenItems" not in gateway.calls()


ATTACH = """mutation($input: AttachCustomerFileInput!) {
  attachCustomerFile(input: $input) { fileId } }"""


def attach_input(guest: dict[str, Any], chain_id: str) -> dict[str, Any]:
    return {
        "input": {
            "customerId": f"mews:{guest['Id']}",
            "name": "scan.png",
            "type": "image/png",
            "data": base64.b64encode(PNG).decode(),
            "chainId": chain_id,
        }
    }


async def test_attach_file_sends_the_chain_id(gateway: Gateway, world: World) -> None:
    guest = world.mews_customers[0]
    chain = guest["ChainId"].upper()
    data = await gateway.data(ATTACH, attach_input(guest, chain))
    assert data["attachCustomerFile"]["fileId"]
    assert gateway.sandboxes.mews.files[0]["ChainId"] == chain.lower()


async def test_attach_file_refuses_a_chain_id_that_is_no_uuid(
    gateway: Gateway, world: World
) -> None:
    result = await gateway.post(ATTACH, attach_input(world.mews_customers[0], "paris-chain"))
    error = result["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "input.chainId" in error["message"]
    assert gateway.calls() == {}


def test_list_fields_of_required_lists_are_non_null_lists() -> None:
    profile: Any = TYPES["MewsProfile"]
    for name in ("classificationsRaw", "optionsRaw", "preferredSpaceFeatures"):
        field_type = profile.fields[name].type
        assert isinstance(field_type, GraphQLNonNull)
        assert isinstance(field_type.of_type, GraphQLList)


async def test_added_and_updated_guests_satisfy_the_non_null_fields(gateway: Gateway) -> None:
    fields = selection("MewsProfile")
    added = await gateway.data(
        f"""mutation {{ addCustomer(input: {{lastName: "Okafor", email: "ada.okafor@example.org"}})
            {{ customer {{ id mews {{ {fields} }} }} }} }}"""
    )
    guest = added["addCustomer"]["customer"]
    assert guest["mews"]["lastName"] == "Okafor" and guest["mews"]["isActive"] is True
    updated = await gateway.data(
        f"""mutation($id: ID!) {{ updateCustomer(input: {{id: $id, firstName: "Ada"}})
            {{ customer {{ mews {{ {fields} }} }} }} }}""",
        {"id": guest["id"]},
    )
    assert updated["updateCustomer"]["customer"]["mews"]["firstName"] == "Ada"


async def test_the_schema_page_examples_run_against_the_demo(world: World) -> None:
    page = (Path(__file__).parents[2] / "docs" / "schema.md").read_text(encoding="utf-8")
    examples = re.findall(r"```graphql\n(.*?)```", page, flags=re.DOTALL)
    assert len(examples) == 2
    async with gateway_with(Sandboxes.group(world)) as gateway:  # the demo is a hotel group
        blocks, items = [await gateway.data(example) for example in examples]
    assert any(node["node"]["metadata"] for node in blocks["customers"]["edges"])
    amounts = [
        item["amount"]["currency"]
        for edge in items["mewsCustomers"]["edges"]
        if edge["node"]["openItems"]
        for item in edge["node"]["openItems"]["orderItems"]
    ]
    assert amounts and set(amounts) == {"CHF"}
