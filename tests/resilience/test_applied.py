"""`mayHaveBeenApplied` is a write's flag: a write the upstream answered 2xx says it was
applied even when the answer cannot be read, and a read never carries the flag."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import gateway_with
from tests.resilience.conftest import FAST, errors_by_path

#: (source, sandbox operation, 2xx status, mutation, variables) of each single-call write.
WRITES = {
    "importCustomer": (
        "fullwhere",
        "import",
        201,
        "mutation($input: ImportCustomerInput!) { importCustomer(input: $input) { replayed } }",
        {"input": {"email": "new@example.com"}},
    ),
    "addCustomer": (
        "mews",
        "customers/add",
        200,
        "mutation($input: AddCustomerInput!) { addCustomer(input: $input) { replayed } }",
        {"input": {"lastName": "Unread"}},
    ),
}


@pytest.mark.parametrize(
    ("write", "body"),
    [
        ("importCustomer", b"{bad"),
        ("importCustomer", b"[]"),
        ("importCustomer", b'{"email": "x@example.com"}'),  # no id
        ("addCustomer", b"{bad"),
        ("addCustomer", b'{"FirstName": "No id"}'),
    ],
)
async def test_a_write_answered_2xx_with_an_unreadable_body_may_have_been_applied(
    sandboxes: Sandboxes, write: str, body: bytes
) -> None:
    source, operation, status, mutation, variables = WRITES[write]
    control = sandboxes.fullwhere.control if source == "fullwhere" else sandboxes.mews.control
    control.fail_next(operation, status=status, body=body)
    async with gateway_with(sandboxes, FAST) as gateway:
        result = await gateway.post(mutation, variables)
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert error["extensions"]["source"] == source
    assert error["extensions"]["mayHaveBeenApplied"] is True
    assert "check before retrying" in error["message"]


READS = {
    "customer": """query($id: ID!) { customer(id: $id) { id email mews { id } } }""",
    "mewsCustomers": """query($ids: [ID!]) { mewsCustomers(filter: {customerIds: $ids}) {
        edges { node { id } } } }""",
}


@pytest.mark.parametrize("kind", ["status", "malformed", "hang"])
@pytest.mark.parametrize("read", sorted(READS))
async def test_read_errors_never_carry_may_have_been_applied(
    sandboxes: Sandboxes, world: World, kind: Any, read: str
) -> None:
    fw, guest = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    variables = {"id": f"fullwhere:{fw['id']}"} if read == "customer" else {"ids": [guest["Id"]]}
    env = {**FAST, "REQUEST_DEADLINE_SECONDS": "0.3"}
    sandboxes.mews.control.fail_next("customers/getAll", 50, kind=kind, hang_seconds=1)
    async with gateway_with(sandboxes, env) as gateway:
        result = await gateway.post(READS[read], variables)
    errors = errors_by_path(result)
    assert errors, result
    for error in errors.values():
        assert error["extensions"]["source"] == "mews"
        assert "mayHaveBeenApplied" not in error["extensions"], error
        assert "applied" not in error["message"]
