"""The cost limit: an operation's upstream calls are estimated from its document and its
variables (list lengths and `first` counted) before anything is sent, and an operation over
`GATEWAY_MAX_UPSTREAM_CALLS`, or over its caller's budget, is refused without a call."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.graphql import build_schema
from gateway.graphql.extensions.cost_limit import CallerBudgets, estimate_calls
from gateway.sandbox.demo import Sandboxes
from tests.conftest import gateway_with

NODES = "{ id ... on Customer { email mews { lastName } } }"


def amplification(aliases: int) -> str:
    variables = ", ".join(f"$v{i}: [ID!]!" for i in range(aliases))
    fields = " ".join(f"n{i}: nodes(ids: $v{i}) {NODES}" for i in range(aliases))
    return f"query({variables}) {{ {fields} }}"


def made_up_ids(aliases: int, count: int) -> dict[str, list[str]]:
    return {f"v{i}": [f"fullwhere:{uuid.uuid4()}" for _ in range(count)] for i in range(aliases)}


async def test_sixty_aliased_nodes_of_a_hundred_ids_are_refused_before_any_call(
    sandboxes: Sandboxes,
) -> None:
    async with gateway_with(sandboxes) as gateway:
        result = await gateway.post(amplification(60), made_up_ids(60, 100))
        assert gateway.calls() == {}
    assert result.get("data") is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["estimatedCalls"] >= 6000
    assert "6006 upstream calls" in error["message"] and "limit of 300" in error["message"]


async def test_the_limit_holds_for_a_document_that_ran_before(sandboxes: Sandboxes) -> None:
    """The second run of a document takes the schema's short way; the estimate still runs,
    with the new variables."""
    async with gateway_with(sandboxes, {"GATEWAY_MAX_UPSTREAM_CALLS": "20"}) as gateway:
        small = await gateway.post(amplification(2), made_up_ids(2, 3))
        assert "errors" not in small, small["errors"]
        gateway.reset_calls()
        large = await gateway.post(amplification(2), made_up_ids(2, 50))
        assert gateway.calls() == {}
    [error] = large["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "estimatedCalls": 101}


def estimate(query: str, variables: dict[str, Any] | None = None) -> int:
    schema = build_schema()._schema
    document = parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return estimate_calls(schema, operation, {}, variables, batch_size=100)


@pytest.mark.parametrize(
    ("query", "calls"),
    [
        # A page read, then every guest's profile in one batched Mews call.
        ("{ customers(first: 50) { edges { node { mews { id } } } } }", 2),
        # With a filter, the index gives ids and each record is read: 1 + 50 + 1.
        ('{ customers(first: 50, filter: {name: "a"}) { edges { node { id email } } } }', 52),
        # Mews pages: one call each; their guests' Fullwhere records one call per guest.
        ("{ a: mewsCustomers(first: 10) { edges { node { id } } } }", 1),
        ("{ mewsCustomers(first: 10) { edges { customer { fullwhereId } } } }", 11),
        # A page of named guests holds no more than those.
        (
            '{ mewsCustomers(first: 1000, filter: {customerIds: ["a", "b"]}) '
            "{ edges { customer { id } } } }",
            3,
        ),
        # Fullwhere-only fields of a customer found by id: the read, and its Mews lookup.
        ('{ customer(id: "fullwhere:x") { id fullwhere { email } } }', 2),
        # Email matches and open items are batched per kind (and currency).
        (
            '{ customer(id: "mews:x") { mewsEmailMatches { id } '
            'mews { openItems { customerId } eur: openItems(currency: "EUR") { customerId } } } }',
            5,
        ),
    ],
)
def test_the_estimate_follows_the_documented_rules(query: str, calls: int) -> None:
    assert estimate(query) == calls


def test_variables_list_lengths_and_defaults_are_counted() -> None:
    query = (
        "query($ids: [ID!]!, $n: Int) "
        "{ nodes(ids: $ids) { id } p: customers(first: $n) { totalCount } }"
    )
    assert estimate(query, {"ids": ["fullwhere:a"] * 40, "n": 7}) == 40 + 1 + 1
    # Unset, `first` takes its default (10): still one call for the page.
    assert estimate(query, {"ids": []}) == 1


def test_a_caller_over_its_budget_waits_for_the_window() -> None:
    now = [0.0]
    budgets = CallerBudgets(10, 30.0, clock=lambda: now[0])
    assert budgets.charge("a", 6) is None
    now[0] = 10.0
    assert budgets.charge("a", 4) is None
    assert budgets.charge("a", 1) == pytest.approx(20.0)  # when the first 6 leave
    assert budgets.charge("b", 10) is None  # another caller has its own budget
    now[0] = 30.5
    assert budgets.charge("a", 5) is None


PAGE = "mewsCustomers(first: {n}) {{ edges {{ node {{ id lastName email notes }} }} }}"
MEWS_PAGES = "{ " + " ".join(f"p{n}: " + PAGE.format(n=n) for n in range(2, 62)) + " }"


async def test_a_response_over_the_size_limit_is_refused(sandboxes: Sandboxes) -> None:
    async with gateway_with(sandboxes, {"GATEWAY_MAX_RESPONSE_BYTES": "100000"}) as gateway:
        result = await gateway.post(MEWS_PAGES)
        small = await gateway.post("{ mewsCustomers(first: 2) { edges { node { id } } } }")
    assert "data" not in result
    [error] = result["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "over the limit of 100000" in error["message"]
    assert "errors" not in small


async def test_a_caller_over_its_budget_is_refused_and_the_others_are_served(
    sandboxes: Sandboxes,
) -> None:
    env = {"GATEWAY_API_KEYS": "key-one-7f3a2b,key-two-9c1d4e", "GATEWAY_CALLER_BUDGET": "5"}
    query = '{ customer(id: "fullwhere:nope") { id } }'  # 2 calls estimated
    one = {"authorization": "Bearer key-one-7f3a2b"}
    two = {"authorization": "Bearer key-two-9c1d4e"}
    async with gateway_with(sandboxes, env) as gateway:
        first = [await gateway.post(query, headers=one) for _ in range(2)]
        gateway.reset_calls()
        refused = await gateway.post(query, headers=one)
        assert gateway.calls() == {}
        other = await gateway.post(query, headers=two)
    assert all("errors" not in result for result in first)
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_RATE_LIMITED"
    assert error["extensions"]["retryAfterSeconds"] > 0
    assert "budget of 5 upstream calls per 30 s" in error["message"]
    assert "errors" not in other


def test_root_fields_in_fragments_are_counted() -> None:
    query = (
        "query($ids: [ID!]!) { ...Roots ... on Query { again: nodes(ids: $ids) { id } } }"
        " fragment Roots on Query { nodes(ids: $ids) { id } }"
    )
    document = parse(query)
    [operation, fragment] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    fragments: dict[str, Any] = {"Roots": fragment}
    calls = estimate_calls(
        build_schema()._schema, operation, fragments, {"ids": ["fullwhere:a"] * 30}, 100
    )
    assert calls == 30 + 30 + 1


def test_a_fragment_bomb_is_estimated_once_per_fragment() -> None:
    """Each fragment spreads the next one twice: expanded, 2**40 fields."""
    levels = 40
    fragments = " ".join(
        f"fragment F{i} on Customer {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    query = (
        f'{{ customer(id: "fullwhere:a") {{ ...F0 }} }} {fragments} '
        f"fragment F{levels} on Customer {{ email }}"
    )
    document = parse(query)
    [operation, *definitions] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    by_name = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    calls = estimate_calls(build_schema()._schema, operation, by_name, {}, 100)
    assert calls >= 1  # done at all: expanded, it would not end
