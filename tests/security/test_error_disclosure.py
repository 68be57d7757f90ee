"""What error messages give away: no schema hints ("Did you mean …?") once introspection is
off, and no client value echoed whole, however long."""

from __future__ import annotations

import pytest

from gateway.errors import ECHO_MAX_CHARS
from gateway.sandbox.demo import Sandboxes
from tests.conftest import gateway_with

#: Each names something close to a real name of the schema, so graphql-core would suggest it.
MISSPELLED = {
    "field": "{ customers(first: 1) { edges { node { displayNam } } } }",
    "argument": "{ customers(frist: 1) { totalCount } }",
    "enum value": "{ mewsCustomers(filter: {activityStates: [ACTIV]}) { edges { cursor } } }",
    "input field": "{ mewsCustomers(filter: {customerId: []}) { edges { cursor } } }",
    "type": 'query($f: MewsCustomerFiltr) { customer(id: "mews:x") { id } }',
}


@pytest.mark.parametrize("kind", sorted(MISSPELLED))
async def test_no_suggestions_when_introspection_is_off(sandboxes: Sandboxes, kind: str) -> None:
    query = MISSPELLED[kind]
    async with gateway_with(sandboxes) as gateway:
        hinted = await gateway.post(query)
    assert any("Did you mean" in e["message"] for e in hinted["errors"]), hinted
    async with gateway_with(sandboxes, {"GATEWAY_INTROSPECTION": "false"}) as gateway:
        result = await gateway.post(query)
    assert result["errors"], result
    for error in result["errors"]:
        assert "Did you mean" not in error["message"], error
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


LONG_ID = "fullwhere:" + "a" * 5000
ECHOES = {
    "customer": ("query($id: ID!) { customer(id: $id) { id } }", {"id": LONG_ID}),
    "customer (malformed)": (
        "query($id: ID!) { customer(id: $id) { id } }",
        {"id": "x" * 5000},
    ),
    "mergeCustomers": (
        """mutation($s: ID!, $t: ID!) { mergeCustomers(sourceId: $s, targetId: $t) {
             target { id } } }""",
        {"s": LONG_ID, "t": "mews:" + "b" * 5000},
    ),
}


@pytest.mark.parametrize("name", sorted(ECHOES))
async def test_a_5000_character_id_is_not_echoed_whole(sandboxes: Sandboxes, name: str) -> None:
    query, variables = ECHOES[name]
    async with gateway_with(sandboxes) as gateway:
        result = await gateway.post(query, variables)
    (error, *_) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "aaaa" in error["message"] or "xxxx" in error["message"]  # still recognisable
    assert len(error["message"]) < ECHO_MAX_CHARS + 200, len(error["message"])
