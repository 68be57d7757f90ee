"""A document that ran before takes the short way through `GatewaySchema.execute`, and
answers exactly as Strawberry's own `execute` did: data, errors with their codes, response
extensions, the operation's log line, and the operation type check."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension

from gateway.graphql import build_schema
from gateway.graphql.schema import GatewaySchema
from tests.conftest import Gateway

QUERY = """
query Page($first: Int) {
  customers(first: $first) { edges { node { id firstName mews { firstName } } } }
}"""


@pytest.fixture
def short_ways(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries that took the short way (a spy around it: it still runs)."""
    taken: list[str] = []
    run = GatewaySchema._run

    async def spy(self: GatewaySchema, context: Any, *args: Any) -> Any:
        taken.append(context.query)
        return await run(self, context, *args)

    monkeypatch.setattr(GatewaySchema, "_run", spy)
    return taken


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    for error in answer.get("errors", ()):
        for per_call in ("requestId", "upstreamRequestId"):
            error.get("extensions", {}).pop(per_call, None)
    return answer


async def test_a_document_that_ran_before_answers_the_same_the_short_way(
    gateway: Gateway, short_ways: list[str]
) -> None:
    first = await gateway.post(QUERY, {"first": 3})
    assert short_ways == []
    again = await gateway.post(QUERY, {"first": 3})
    assert short_ways == [QUERY]
    assert again == first and "errors" not in first
    other = await gateway.post(QUERY, {"first": 5})  # other variables: the same document
    assert short_ways == [QUERY, QUERY]
    assert len(other["data"]["customers"]["edges"]) == 5


async def test_errors_keep_their_codes_and_paths_the_short_way(
    gateway: Gateway, short_ways: list[str]
) -> None:
    # A 400 is an answer, not a fault: the breaker stays shut, so both requests meet it.
    gateway.sandboxes.mews.control.fail_next("customers/getAll", 100, status=400)
    first = _comparable(await gateway.post(QUERY, {"first": 2}))
    again = _comparable(await gateway.post(QUERY, {"first": 2}))
    assert short_ways == [QUERY]
    assert first["errors"] and first["errors"][0]["extensions"]["code"]
    assert again == first


async def test_the_short_way_logs_and_reports_each_operation(
    gateway: Gateway, short_ways: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.operations"):
        for _ in range(3):
            await gateway.data(QUERY, {"first": 1})
    lines = [r for r in caplog.records if r.name == "gateway.operations"]
    assert len(short_ways) == 2
    assert [getattr(r, "operation", None) for r in lines] == ["Page"] * 3
    assert {getattr(r, "outcome", None) for r in lines} == {"ok"}


async def test_the_operation_type_is_checked_the_short_way_too(
    gateway: Gateway, short_ways: list[str]
) -> None:
    mutation = "mutation { __typename }"
    assert (await gateway.data(mutation)) == {"__typename": "Mutation"}
    response = await gateway.http.get("/graphql", params={"query": mutation})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert short_ways == []  # refused before it ran


async def test_a_document_that_failed_validation_is_never_prepared(
    gateway: Gateway, short_ways: list[str]
) -> None:
    answers = [await gateway.post("{ customers { nope } }") for _ in range(2)]
    assert answers[0] == answers[1]
    assert answers[0]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert short_ways == []


class CountsExecutions(SchemaExtension):
    runs = 0

    def on_execute(self) -> Iterator[None]:
        CountsExecutions.runs += 1
        yield


class CountsExecutionsAsync(SchemaExtension):
    runs = 0

    async def on_execute(self) -> AsyncIterator[None]:
        CountsExecutionsAsync.runs += 1
        yield


async def test_an_extension_the_short_way_cannot_drive_keeps_strawberrys_way() -> None:
    schema = build_schema([CountsExecutionsAsync])
    assert not schema.reuses_prepared_documents
    for _ in range(2):
        result = await schema.execute("{ __typename }")
        assert result.data == {"__typename": "Query"}
    assert CountsExecutionsAsync.runs == 2
    assert build_schema().reuses_prepared_documents


async def test_an_on_execute_hook_runs_the_short_way_too() -> None:
    schema = build_schema([CountsExecutions])
    assert schema.reuses_prepared_documents
    CountsExecutions.runs = 0
    for _ in range(2):
        result = await schema.execute("{ __typename }")
        assert result.data == {"__typename": "Query"}
    assert CountsExecutions.runs == 2


HOOKS: list[str] = []
TROUBLE: dict[str, bool] = {"init": False, "preset": False, "hook": False}
RESOLVED: list[str] = []


class Outer(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        HOOKS.append("outer enter")
        yield
        HOOKS.append("outer exit")


class Troubled(SchemaExtension):
    def __init__(self) -> None:
        if TROUBLE["init"]:
            raise RuntimeError("init failed")

    def on_operation(self) -> Iterator[None]:
        if TROUBLE["hook"]:
            raise RuntimeError("hook failed")
        if TROUBLE["preset"]:  # as a response cache would
            self.execution_context.result = ExecutionResult({"x": "cached"}, None)
        yield


@strawberry.type
class Small:
    @strawberry.field
    def x(self) -> str:
        RESOLVED.append("x")
        return "live"


async def _outcome(prepared_size: int, trouble: str) -> Any:
    schema = GatewaySchema(query=Small, extensions=[Outer, Troubled], prepared_size=prepared_size)
    await schema.execute("{ x }")  # now prepared, when the short way is on
    HOOKS.clear()
    RESOLVED.clear()
    TROUBLE[trouble] = True
    try:
        result = await schema.execute("{ x }")
        outcome: Any = (result.data, [error.message for error in result.errors or []])
    except RuntimeError as exc:
        outcome = ("raised", str(exc))
    finally:
        TROUBLE[trouble] = False
    return outcome, list(HOOKS), list(RESOLVED)


@pytest.mark.parametrize("trouble", ["init", "hook", "preset"])
async def test_extensions_that_fail_or_answer_early_behave_as_in_strawberrys_way(
    trouble: str,
) -> None:
    short_way = await _outcome(1, trouble)
    strawberrys = await _outcome(0, trouble)
    assert short_way == strawberrys
