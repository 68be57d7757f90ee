"""Hot resolvers are called without Strawberry's wrapper, and still behave the same."""

from __future__ import annotations

from typing import Any

from gateway.graphql import build_schema
from gateway.graphql.fast_fields import HOT_TYPES
from tests.conftest import Gateway


def test_argument_free_resolvers_of_hot_types_are_called_directly() -> None:
    schema = build_schema()
    customer: Any = schema._schema.type_map["Customer"]
    for name in ("firstName", "mews"):
        function, takes_info = customer.fields[name].resolve.direct_call
        assert function.__qualname__.startswith("Customer.") and takes_info
    # Fields with GraphQL arguments keep Strawberry's wrapper (it converts the arguments).
    query: Any = schema._schema.type_map["Query"]
    assert not hasattr(query.fields["customer"].resolve, "direct_call")
    assert set(HOT_TYPES) <= set(schema._schema.type_map)
    # Plain fields (upstream dict keys) are read by a function bound to their key.
    profile = schema._schema.type_map["MewsProfile"]
    read = profile.fields["firstName"].resolve  # type: ignore[attr-defined]
    assert read({"FirstName": "Thea"}, None) == "Thea"
    assert read({}, None) is None


async def test_direct_resolvers_still_get_context_and_path(gateway: Gateway) -> None:
    # `sources` reports a failing upstream at its own path, read from the resolve info.
    gateway.sandboxes.mews.control.fail_next("customers/getAll", 10, status=503)
    result = await gateway.post(
        "{ customers(first: 1) { edges { node { id sources { __typename } } } } }"
    )
    node = result["data"]["customers"]["edges"][0]["node"]
    assert [s["__typename"] for s in node["sources"]] == ["FullwhereProfile"]
    (error,) = result["errors"]
    assert error["path"] == ["customers", "edges", 0, "node", "sources"]
    assert error["extensions"]["source"] == "mews"
