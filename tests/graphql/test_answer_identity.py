"""Answer identity: a faster way of executing must answer byte for byte what the plain one
does. Selections generated from the schema over `Customer` (with its Fullwhere and Mews
profiles) and `MewsProfile` run on every page of the demo's customers and Mews guests, once
per execution mode, and the JSON answers are compared.

The modes today: the normal gateway, and the same without its fast paths: without
`fast_fields.bypass_wrappers` (so Strawberry's wrapper around every resolver, graphql-core's
default field reads), without `executor.FastExecutor` (so graphql-core's executor for every
field) and without `schema.GatewaySchema`'s prepared documents (so Strawberry's `execute` for
every request; the normal mode runs each query's later pages the short way). A new fast path
is switched off in the plain mode too.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from graphql import GraphQLObjectType

import gateway.graphql
from gateway.graphql import build_schema
from gateway.graphql.executor import FastExecutor
from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_with
from tests.support.selections import selection

#: Generated selections per root (plus one with every field); each runs on every page.
SEEDS = range(4)
#: Levels of object fields below the page's node.
DEPTH = 2

PAGES = {
    "Customer": "customers(first: 100, after: $after)",
    "MewsProfile": "mewsCustomers(first: 100, after: $after)",
}

#: The hostile-input limits are not what is compared: selections with every field (and the
#: aliases that keep union members' fields of different types apart) go beyond them.
LIMITS = {"GATEWAY_MAX_ALIASES": "100000", "GATEWAY_MAX_TOKENS": "1000000"}

Mode = Callable[[Sandboxes], AbstractAsyncContextManager[Gateway]]


@asynccontextmanager
async def normal(sandboxes: Sandboxes) -> AsyncIterator[Gateway]:
    async with gateway_with(sandboxes, LIMITS) as gateway:
        yield gateway


@asynccontextmanager
async def without_fast_fields(sandboxes: Sandboxes) -> AsyncIterator[Gateway]:
    """The gateway whose schema kept Strawberry's resolver wrappers and executor."""
    skipped: list[object] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gateway.graphql, "bypass_wrappers", skipped.append)
        patch.setattr(gateway.graphql, "EXECUTOR", None)
        patch.setattr(gateway.graphql, "PREPARED_DOCUMENTS", 0)
        context = gateway_with(sandboxes, LIMITS)
        gateway_ = await context.__aenter__()
    assert skipped, "the app did not build its schema through build_schema"
    try:
        yield gateway_
    finally:
        await context.__aexit__(None, None, None)


def _query(root: str, node: str) -> str:
    return (
        f"query Page($after: String) {{ page: {PAGES[root]} {{ "
        f"pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {node} }} }} }} }}"
    )


async def _every_page(gateway: Gateway, query: str) -> list[Any]:
    """The answer for each page, following `endCursor` to the last one (at most 20)."""
    answers: list[Any] = []
    after = None
    for _ in range(20):
        answer = _comparable(await gateway.post(query, {"after": after}))
        answers.append(answer)
        page = (answer.get("data") or {}).get("page")
        if not page or not page["pageInfo"]["hasNextPage"]:
            return answers
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("more than 20 pages")


#: Error extensions that differ from one call to the next by design: compared present, not equal.
PER_CALL = ("upstreamRequestId", "requestId")


def _comparable(answer: Any) -> Any:
    for error in answer.get("errors", ()):
        extensions = error.get("extensions", {})
        for key in PER_CALL:
            if key in extensions:
                extensions[key] = "<per call>"
    return answer


def _first_difference(left: Any, right: Any, path: str = "") -> str:
    if type(left) is not type(right):
        return f"{path or '.'}: {left!r} != {right!r}"
    if isinstance(left, dict):
        for key in left.keys() | right.keys():
            if left.get(key, ...) != right.get(key, ...):
                return _first_difference(left.get(key), right.get(key), f"{path}.{key}")
    if isinstance(left, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{path}[{index}]")
    return f"{path or '.'}: {left!r} != {right!r}"


def _selections(root: str) -> list[str]:
    schema = build_schema()._schema
    graphql_type = schema.type_map[root]
    assert isinstance(graphql_type, GraphQLObjectType)
    every = selection(schema, graphql_type, None, DEPTH)
    seeded = [selection(schema, graphql_type, random.Random(seed), DEPTH) for seed in SEEDS]
    return [every, *seeded]


@pytest.mark.parametrize(
    ("root", "mews_down"),
    [("Customer", False), ("MewsProfile", False), ("Customer", True)],
    ids=["Customer", "MewsProfile", "Customer-with-Mews-failing"],
)
async def test_the_fast_path_answers_exactly_what_plain_execution_answers(
    root: str, mews_down: bool, sandboxes: Sandboxes
) -> None:
    if mews_down:  # every Mews call fails: partial data and errors must match too
        for operation in ("customers/getAll", "customers/search"):
            sandboxes.mews.control.fail_next(operation, 1_000_000, status=400)
    modes: list[Mode] = [normal, without_fast_fields]
    async with modes[0](sandboxes) as fast, modes[1](sandboxes) as plain:
        for node in _selections(root):
            query = _query(root, node)
            fast_answers = await _every_page(fast, query)
            plain_answers = await _every_page(plain, query)
            assert len(fast_answers) > 1  # every page of the demo, not only the first
            for page, (mine, theirs) in enumerate(zip(fast_answers, plain_answers, strict=True)):
                assert mine["data"]["page"]["edges"], (node, mine.get("errors"))
                if not mews_down:
                    assert "errors" not in mine, (node, mine["errors"])
                assert mine == theirs, f"page {page}, {_first_difference(mine, theirs)}\n{node}"
        if mews_down:
            assert sandboxes.mews.control.calls["customers/getAll"] > 0


def test_the_modes_differ_in_how_fields_are_resolved() -> None:
    """Otherwise the comparison above would compare a mode with itself."""
    fast_schema = build_schema()
    fast = fast_schema._schema.type_map["Customer"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gateway.graphql, "bypass_wrappers", lambda schema: 0)
        patch.setattr(gateway.graphql, "EXECUTOR", None)
        patch.setattr(gateway.graphql, "PREPARED_DOCUMENTS", 0)
        plain_schema = build_schema()
        plain = plain_schema._schema.type_map["Customer"]
    assert fast_schema.execution_context_class is FastExecutor
    assert not issubclass(plain_schema.execution_context_class, FastExecutor)
    assert fast_schema.reuses_prepared_documents
    assert not plain_schema.reuses_prepared_documents
    assert isinstance(fast, GraphQLObjectType) and isinstance(plain, GraphQLObjectType)
    for name in ("firstName", "mews", "id"):
        assert fast.fields[name].resolve is not plain.fields[name].resolve
        assert fast.fields[name].resolve.__module__ == "gateway.graphql.fast_fields"
        assert plain.fields[name].resolve.__module__ != "gateway.graphql.fast_fields"
