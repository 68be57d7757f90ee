"""An upstream record missing a field: null when the users' documents do not promise it, a
clear upstream error at that field's path when they call it required; never an internal
error, and the other fields of the customer still answer."""

from __future__ import annotations

from typing import Any

import pytest

import gateway.graphql
from gateway.sandbox.demo import Sandboxes
from tests.conftest import gateway_with

PROFILE = "customer(id: $id) { id mews { mewsId {field} firstName } fullwhere { id } }"


def guest_with_a_fullwhere_record(sandboxes: Sandboxes) -> tuple[str, dict[str, Any]]:
    """A linked customer's global id and its Mews record (the sandbox's own dict)."""
    for record in sandboxes.fullwhere.customers.values():
        mews_id = record.get("mewsId")
        if mews_id and mews_id in sandboxes.mews.customers:
            return f"fullwhere:{record['id']}", sandboxes.mews.customers[mews_id]
    raise AssertionError("the demo world links Fullwhere customers to Mews guests")


def query(field: str) -> str:
    return "query($id: ID!) { " + PROFILE.replace("{field}", field) + " }"


@pytest.fixture(params=["fast", "graphql-core"])
def executor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "graphql-core":
        monkeypatch.setattr(gateway.graphql, "EXECUTOR", None)
    return str(request.param)


@pytest.mark.parametrize("key", ["CreatorProfileId", "UpdaterProfileId"])
async def test_a_field_missing_from_the_users_documents_is_null_when_absent(
    sandboxes: Sandboxes, key: str, executor: str
) -> None:
    customer_id, record = guest_with_a_fullwhere_record(sandboxes)
    del record[key]
    field = key[0].lower() + key[1:]
    async with gateway_with(sandboxes) as client:
        result = await client.post(query(field), {"id": customer_id})
    assert "errors" not in result, result["errors"]
    mews = result["data"]["customer"]["mews"]
    assert mews[field] is None and mews["mewsId"] == record["Id"]


async def test_a_missing_required_field_is_an_upstream_error_at_its_path(
    sandboxes: Sandboxes, executor: str
) -> None:
    customer_id, record = guest_with_a_fullwhere_record(sandboxes)
    del record["LastName"]
    async with gateway_with(sandboxes) as client:
        result = await client.post(query("lastName"), {"id": customer_id})
    [error] = result["errors"]
    assert error["path"] == ["customer", "mews", "lastName"]
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert error["extensions"]["source"] == "mews"
    assert "Mews" in error["message"] and "LastName" in error["message"]
    # The non-null field nulls its profile; the customer and its Fullwhere record stay.
    customer = result["data"]["customer"]
    assert customer["mews"] is None
    assert customer["id"] == customer_id and customer["fullwhere"]["id"]
