"""`FastExecutor` serves plain leaf fields in place; whatever it cannot vouch for must come out
exactly as graphql-core's executor gives it: values, nulls, errors, their paths and the null
propagation up to the nearest nullable field."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.graphql.executor import FastExecutor
from gateway.graphql.fast_fields import _DEFINITION, _direct, bypass_plain_fields


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
    tags: list[str] | None
    maybe_tags: list[str | None] | None
    colours: list[Colour] | None


def _item(**values: Any) -> dict[str, Any]:
    """A record as the upstream clients decode them: a plain dict (missing keys are null)."""
    return values


ITEMS = [
    _item(name="plain", label="x", count=3, ratio=1.5, flag=True, colour=Colour.RED,
          when=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), ident="7", tags=["a", "b"],
          maybe_tags=["a", None], colours=[Colour.RED, Colour.BLUE]),
    _item(name="converted", count=True, ratio=2, flag=1, ident=12, label=5, tags=[1, True],
          maybe_tags=[], colours=[]),
    _item(name="refused", count="many", ratio="much", colour="GREEN", tags=["a", None],
          maybe_tags=[object()], colours=["GREEN"]),
    _item(name="out of range", count=2**40),
    _item(name=None),  # a null for a non-null field: the item becomes null
    _item(label="no name at all"),
]  # fmt: skip


@strawberry.type
class Picky:
    """A type that refuses some values (as the union members' `is_type_of` do)."""

    name: str

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, dict) and obj.get("name") != "impostor"


@strawberry.type
class Box:
    """Objects and lists of objects read straight off the box (plain fields)."""

    one: Item | None
    must: Item
    many: list[Item | None]
    strict: list[Item] | None
    picky: list[Picky] | None


GOOD = _item(name="good", count=1)
NAMELESS = _item(name=None)  # null for a non-null field
BOX: Any = Box  # the boxes hold records as the upstream clients decode them: dicts
BOXES = [
    BOX(one=GOOD, must=GOOD, many=[GOOD, None, NAMELESS], strict=[GOOD], picky=[{"name": "p"}]),
    BOX(one=None, must=GOOD, many=[], strict=[GOOD, NAMELESS], picky=[{"name": "impostor"}]),
    BOX(one=NAMELESS, must=NAMELESS, many=[NAMELESS], strict=None, picky=None),
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ITEMS  # type: ignore[return-value]

    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return BOXES

    @strawberry.field
    def strict(self) -> list[Item]:
        return ITEMS  # type: ignore[return-value]


SCHEMA = strawberry.Schema(query=Query)
bypass_plain_fields(SCHEMA)  # the plain reads the short way serves

FIELDS = "name label count ratio flag colour when ident alias: label tags maybeTags colours"


@pytest.mark.parametrize(
    "query",
    [
        f"{{ items {{ {FIELDS} }} }}",
        f"{{ strict {{ {FIELDS} }} }}",  # a null item propagates to the whole list
        "{ items { name } items2: items { count colour } }",
        "{ items { ...on Item { label } label } }",
        "query($skip: Boolean!) { items { name @skip(if: $skip) label @include(if: $skip) } }",
        "{ boxes { one { name count } must { name } many { name label } strict { name } "
        "picky { name } } }",
        "{ boxes { many { ...on Item { name } } strict @include(if: true) { name } } }",
    ],
    ids=[
        "nullable-items",
        "non-null-items",
        "two-lists",
        "fragment",
        "directives",
        "objects-and-lists",
        "objects-with-fragments-and-directives",
    ],
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
    assert ("items", 2, "tags", 1) in paths  # a null item in a list of non-null strings
    assert ("items", 2, "colours", 0) in paths  # an enum refused the value
    assert formatted["data"]["items"][0]["colours"] == ["RED", "BLUE"]
    assert formatted["data"]["items"][1]["tags"] == ["1", "true"]
    assert ("items", 4, "name") in paths  # null for a non-null field
    assert formatted["data"]["items"][4] is None
    assert formatted["data"]["items"][0]["colour"] == "RED"
    query = "{ boxes { one { name } must { name } many { name } strict { name } picky { name } } }"
    result = execute(SCHEMA._schema, parse(query), executor_class=FastExecutor)
    assert isinstance(result, ExecutionResult)
    formatted = result.formatted
    paths = {tuple(error["path"]) for error in formatted["errors"]}
    assert ("boxes", 0, "many", 2, "name") in paths  # a list item's field: the item is null
    assert ("boxes", 1, "strict", 1, "name") in paths  # a non-null item: the list is null
    assert ("boxes", 1, "picky", 0) in paths  # a value its type refuses
    assert ("boxes", 2, "must", "name") in paths  # a non-null object: the box is null
    boxes = formatted["data"]["boxes"]
    assert boxes[0]["many"] == [{"name": "good"}, None, None]
    assert boxes[1]["strict"] is None and boxes[1]["one"] is None
    assert boxes[2] is None


async def _both(schema: strawberry.Schema, query: str, root: Any = None) -> list[Any]:
    """The answers of the fast executor and of graphql-core's, async resolvers awaited."""
    answers = []
    for executor in (FastExecutor, StrawberryGraphQLCoreExecutionContext):
        result: Any = execute(
            schema._schema,
            parse(query),
            root_value=root,
            executor_class=executor,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if optimized_is_awaitable(result):
            result = await result
        answers.append(result.formatted)
    return answers


def _direct_calls(schema: strawberry.Schema, type_name: str, *fields: str) -> None:
    """Let graphql-core call these resolvers directly, as `fast_fields` does for hot types."""
    graphql_type: Any = schema._schema.type_map[type_name]
    for name in fields:
        field = graphql_type.fields[name]
        resolver = field.extensions[_DEFINITION].base_resolver
        takes_info = len(resolver.signature.parameters) == 2
        field.resolve = _direct(resolver._unbound_wrapped_func, takes_info)


class Record:
    """A record that is an object, not a dict: reading a missing attribute raises."""

    name = "n"


@strawberry.type
class Odd:
    name: str
    label: str | None

    @strawberry.field
    async def boom(self) -> str | None:
        raise ValueError("item boom")


@strawberry.type
class Hot:
    @strawberry.field
    def tags(self) -> list[str] | None:
        return "abc"  # type: ignore[return-value]  # not a list: graphql-core refuses it

    @strawberry.field
    def item(self) -> Odd | None:
        return ValueError("boom")  # type: ignore[return-value]  # an error as a value


@strawberry.type
class OddBox:
    one: Odd | None
    many: list[Odd | None] | None


@strawberry.type
class OddQuery:
    @strawberry.field
    def record(self) -> Odd | None:
        return Record()  # type: ignore[return-value]

    @strawberry.field
    def records(self) -> list[Odd]:
        return [Record()]  # type: ignore[list-item]

    @strawberry.field
    def hot(self) -> Hot:
        return Hot()

    @strawberry.field
    def box(self) -> OddBox:
        return {"one": ValueError("read boom"), "many": [{"name": "a"}, ValueError("item boom")]}  # type: ignore[return-value]

    @strawberry.field
    async def later(self) -> str | None:
        raise ValueError("b boom")


ODD = strawberry.Schema(query=OddQuery)
bypass_plain_fields(ODD)
_direct_calls(ODD, "Hot", "tags", "item")


@pytest.mark.parametrize(
    "query",
    [
        "{ record { name label } }",  # reading a missing attribute fails at its own field
        "{ records { name label } }",  # ... in a non-null item
        "{ hot { tags } }",  # a list resolver that answers a string
        "{ hot { item { name } } }",  # a resolver that answers an error
        "{ box { one { name } many { name } } }",  # errors held as values
        "{ box { many { name boom } } later }",  # errors in the order graphql-core finds them
    ],
)
async def test_odd_values_answer_as_graphql_core_answers_them(query: str) -> None:
    fast, plain = await _both(ODD, query)
    assert fast == plain
    assert plain["errors"]


@strawberry.type
class Slow:
    name: str

    @strawberry.field
    async def slow(self) -> str | None:
        await asyncio.sleep(0.01)
        RAN.append("slow")
        return "s"


RAN: list[str] = []


@strawberry.type
class SlowBox:
    strict: list[Slow] | None


@strawberry.type
class SlowQuery:
    @strawberry.field
    def box(self) -> SlowBox:
        return {"strict": [{"name": "a"}, None, {"name": "c"}]}  # type: ignore[return-value]


SLOW = strawberry.Schema(query=SlowQuery)
bypass_plain_fields(SLOW)


async def test_a_failing_non_null_item_still_lets_the_started_items_finish() -> None:
    for executor in (StrawberryGraphQLCoreExecutionContext, FastExecutor):
        RAN.clear()
        result: Any = execute(
            SLOW._schema,
            parse("{ box { strict { name slow } } }"),
            executor_class=executor,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if optimized_is_awaitable(result):
            result = await result
        assert result.formatted["data"] == {"box": {"strict": None}}
        await asyncio.sleep(0.05)  # the work started for item a settles in the background
        assert RAN == ["slow"], executor.__name__
