"""`FastExecutor` serves plain leaf fields in place; whatever it cannot vouch for must come out
exactly as graphql-core's executor gives it: values, nulls, errors, their paths and the null
propagation up to the nearest nullable field."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.graphql.executor import FastExecutor
from gateway.graphql.fast_fields import bypass_plain_fields


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    label: str | None
    count: int | None
    ratio: float | None
    flag: bool | None
    colour: Colour | None
    when: dt.datetime | None
    ident: strawberry.ID | None


def _item(**values: Any) -> dict[str, Any]:
    """A record as the upstream clients decode them: a plain dict (missing keys are null)."""
    return values


ITEMS = [
    _item(name="plain", label="x", count=3, ratio=1.5, flag=True, colour=Colour.RED,
          when=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), ident="7"),
    _item(name="converted", count=True, ratio=2, flag=1, ident=12, label=5),
    _item(name="refused", count="many", ratio="much", colour="GREEN"),
    _item(name="out of range", count=2**40),
    _item(name=None),  # a null for a non-null field: the item becomes null
    _item(label="no name at all"),
]  # fmt: skip


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ITEMS  # type: ignore[return-value]

    @strawberry.field
    def strict(self) -> list[Item]:
        return ITEMS  # type: ignore[return-value]


SCHEMA = strawberry.Schema(query=Query)
bypass_plain_fields(SCHEMA)  # the plain reads the short way serves

FIELDS = "name label count ratio flag colour when ident alias: label"


@pytest.mark.parametrize(
    "query",
    [
        f"{{ items {{ {FIELDS} }} }}",
        f"{{ strict {{ {FIELDS} }} }}",  # a null item propagates to the whole list
        "{ items { name } items2: items { count colour } }",
        "{ items { ...on Item { label } label } }",
        "query($skip: Boolean!) { items { name @skip(if: $skip) label @include(if: $skip) } }",
    ],
    ids=["nullable-items", "non-null-items", "two-lists", "fragment", "directives"],
)
def test_the_fast_executor_answers_exactly_what_graphql_core_answers(query: str) -> None:
    answers = []
    for executor in (FastExecutor, StrawberryGraphQLCoreExecutionContext):
        result = execute(
            SCHEMA._schema,
            parse(query),
            variable_values={"skip": True},
            executor_class=executor,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        assert isinstance(result, ExecutionResult)
        answers.append(result.formatted)
    fast, plain = answers
    assert fast == plain
    assert plain.get("data") is not None or plain.get("errors")


def test_the_cases_above_include_errors_and_nulls() -> None:
    """Otherwise the comparison would only ever see the short way succeed."""
    result = execute(
        SCHEMA._schema, parse(f"{{ items {{ {FIELDS} }} }}"), executor_class=FastExecutor
    )
    assert isinstance(result, ExecutionResult)
    formatted: Any = result.formatted
    paths = {tuple(error["path"]) for error in formatted["errors"]}
    assert ("items", 2, "count") in paths  # a scalar refused the value
    assert ("items", 3, "count") in paths  # out of Int's range
    assert ("items", 4, "name") in paths  # null for a non-null field
    assert formatted["data"]["items"][4] is None
    assert formatted["data"]["items"][0]["colour"] == "RED"
