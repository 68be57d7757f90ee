"""Every GraphQL example in README.md and docs/*.md runs, as written, against the demo, twice,
and against the sandbox server, which serves the same world.

Each ```graphql block is sent to a demo gateway over a fresh copy of the demo world (so a
mutation example never sees another's writes), synced as the demo is after its start, with
the ```json block that follows it, if any, as its variables. It must answer without errors,
with something to show (no empty list or missing record at its root), and the same again
when a person runs it a second time (a write is replayed by its idempotency key, not made
twice). No example names a date: the demo's dates follow today's, so an example with a date
in it would find less as time goes by. The multipart upload's curl command is parsed and sent
as written, with the sample file it names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.serve import group_token_env
from gateway.sandbox.world import World
from tests.conftest import Gateway, gateway_with
from tests.support.processes import (
    Process,
    gateway_env,
    gateway_server,
    sandbox_server,
    wait_index_complete,
)

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

# A fenced block, and the fenced ```json block right after it (its variables), if any.
FENCE = re.compile(r"^```(\w+)\n(.*?)^```\n(?:\s*^```json\n(.*?)^```\n)?", re.M | re.S)


@dataclass(frozen=True)
class Example:
    where: str
    language: str
    text: str
    variables: dict[str, Any] | None


def examples(document: Path) -> list[Example]:
    source = document.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        variables = json.loads(match[3]) if match[3] else None
        where = f"{document.relative_to(REPO)}:{line}"
        found.append(Example(where, match[1], match[2], variables))
    return found


EXAMPLES = [example for document in DOCUMENTS for example in examples(document)]
QUERIES = [example for example in EXAMPLES if example.language == "graphql"]
#: Subscriptions need a change to answer: tests/live/test_documented_subscriptions.py runs them.
SUBSCRIPTIONS = [e for e in QUERIES if re.match(r"\s*subscription\b", e.text)]
REQUESTS = [e for e in QUERIES if e not in SUBSCRIPTIONS]
CURL_UPLOADS = [e for e in EXAMPLES if e.language == "sh" and "-F operations=" in e.text]


def test_every_graphql_block_and_the_upload_are_found() -> None:
    fences = sum(d.read_text(encoding="utf-8").count("```graphql\n") for d in DOCUMENTS)
    assert len(QUERIES) == fences >= 10
    assert len(CURL_UPLOADS) == 1


# An ISO date, or a time of day, written into a query or its variables.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}")


def _empty_roots(data: dict[str, Any]) -> list[str]:
    """The root fields that found nothing: null, an empty list, or a connection of no edges."""
    return [
        name
        for name, value in data.items()
        if value is None or value == [] or (isinstance(value, dict) and value.get("edges") == [])
    ]


def _without_replayed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_replayed(v) for k, v in value.items() if k != "replayed"}
    if isinstance(value, list):
        return [_without_replayed(item) for item in value]
    return value


def _replayed(data: dict[str, Any]) -> list[bool]:
    return [value["replayed"] for value in data.values() if "replayed" in (value or {})]


def _writes(example: Example) -> bool:
    """A mutation: a ```graphql block that starts with one, or a curl command sending one."""
    return re.match(r'\s*mutation\b|curl .*"query":"mutation\b', example.text, re.S) is not None


def _check_twice(example: Example, first: dict[str, Any], second: dict[str, Any]) -> None:
    where = example.where
    for result in (first, second):
        assert "errors" not in result, f"{where}: {result['errors']}"
    assert _empty_roots(first["data"]) == [], f"{where}: found nothing: {first['data']}"
    assert _without_replayed(second["data"]) == _without_replayed(first["data"]), where
    replayed = (_replayed(first["data"]), _replayed(second["data"]))
    if _writes(example):
        assert replayed == ([False], [True]), f"{where}: run twice, a write must be replayed"
    else:
        assert replayed == ([], []), where


async def _synced(gateway: Gateway) -> None:
    """As the demo is once its start-up sync has run (in well under a second)."""
    state = await gateway.app.state.sync.run_once()
    assert state is not None and state.complete


def test_no_example_names_a_date() -> None:
    dated = [e.where for e in QUERIES if DATE.search(e.text + json.dumps(e.variables or {}))]
    assert dated == []


@pytest.mark.parametrize("example", REQUESTS, ids=[e.where for e in REQUESTS])
async def test_the_example_runs_twice_against_the_demo(example: Example, world: World) -> None:
    async with gateway_with(Sandboxes.group(world)) as gateway:
        await _synced(gateway)
        first = await gateway.post(example.text, example.variables)
        second = await gateway.post(example.text, example.variables)
    _check_twice(example, first, second)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """A gateway in production mode against `python -m gateway.sandbox.serve --group` (the
    demo's world and hotel group), its identity index synced."""
    directory = tmp_path_factory.mktemp("served")
    with sandbox_server(directory, "--group") as sandbox:  # the demo is a hotel group
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3 * 365)).date().isoformat()
        env = gateway_env(
            sandbox,
            **group_token_env(),
            SYNC_INTERVAL_SECONDS="600",
            SYNC_MEWS_SINCE=since,
            MEWS_RATE_LIMIT="0",
        )
        with gateway_server(directory, env) as gateway:
            wait_index_complete(gateway)
            yield gateway


async def test_every_example_runs_twice_on_the_served_sandboxes_as_on_the_demo(
    served: Process, world: World
) -> None:
    # One gateway each and one world each for all, in the documents' order, as a person
    # reading them: the reads find the same on both.
    async with gateway_with(Sandboxes.group(world)) as gateway:
        await _synced(gateway)
        for example in REQUESTS:
            first = served.graphql(example.text, example.variables)
            second = served.graphql(example.text, example.variables)
            _check_twice(example, first, second)
            demo = await gateway.post(example.text, example.variables)
            if not _writes(example):
                assert first["data"] == demo["data"], example.where


def curl_request(command: str) -> tuple[dict[str, str], dict[str, str], dict[str, Path]]:
    """Headers, form fields and files (`-F name=@path`) of a documented curl command."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:2] == ["curl", "localhost:8000/graphql"], words[:2]
    headers: dict[str, str] = {}
    fields: dict[str, str] = {}
    files: dict[str, Path] = {}
    for option, value in zip(words[2::2], words[3::2], strict=True):
        if option == "-H":
            name, _, header = value.partition(":")
            headers[name] = header.strip()
        elif option == "-F":
            name, _, field = value.partition("=")
            if field.startswith("@"):
                files[name] = REPO / field[1:]
            else:
                fields[name] = field
        else:
            raise AssertionError(f"unexpected curl option {option}")
    return headers, fields, files


@pytest.mark.parametrize("example", CURL_UPLOADS, ids=[e.where for e in CURL_UPLOADS])
async def test_the_multipart_upload_runs_as_written(example: Example, world: World) -> None:
    headers, fields, files = curl_request(example.text)
    assert files and all(path.is_file() for path in files.values()), files
    uploads = {name: (path.name, path.read_bytes()) for name, path in files.items()}
    async with gateway_with(Sandboxes.group(world)) as gateway:
        first, second = [
            (
                await gateway.http.post("/graphql", headers=headers, data=fields, files=uploads)
            ).json()
            for _ in range(2)
        ]
    _check_twice(example, first, second)
    attached = first["data"]["attachCustomerFile"]
    name, content = next(iter(uploads.values()))
    assert (attached["name"], attached["size"]) == (name, len(content))


def _example(page: str, needle: str) -> Example:
    (example,) = [e for e in QUERIES if e.where.startswith(page) and needle in e.text]
    return example


async def test_the_examples_find_what_the_docs_say_they_find(world: World) -> None:
    durand = _example("README.md", "50d5d6f6-a28f-41de-9d04-f18d53b01e8a")
    staying = _example("README.md", "searchCustomers")
    lefebvre = _example("docs/identity.md", "mlefebvre@free.fr")
    async with gateway_with(Sandboxes.group(world)) as gateway:
        await _synced(gateway)
        customer = (await gateway.data(durand.text))["customer"]
        found = (await gateway.data(staying.text))["searchCustomers"]
        people = (await gateway.data(lefebvre.text))["customers"]["edges"]
    readme, identity = (REPO / "README.md").read_text(), (REPO / "docs/identity.md").read_text()
    assert customer["displayName"] == "Jean Durand"
    assert [c["field"] for c in customer["conflicts"]] == ["phone"]
    assert "so `conflicts` lists `phone`" in readme
    assert "Smith" in [row["mews"]["lastName"] for row in found if row["reservation"]]
    assert "a guest named Smith is" in readme
    assert [edge["node"]["displayName"] for edge in people] == ["Mathieu Lefebvre"]
    assert "this finds Mathieu Lefebvre by the email only his Mews profile has" in identity


async def test_who_is_staying_right_now_finds_stays_that_span_now(world: World) -> None:
    (example,) = [e for e in QUERIES if "searchCustomers" in e.text and "reservation" in e.text]
    async with gateway_with(Sandboxes.group(world)) as gateway:
        found = (await gateway.data(example.text, example.variables))["searchCustomers"]
    now = dt.datetime.now(dt.UTC)
    stays = [row["reservation"] for row in found if row["reservation"]]
    assert stays, example.where
    for stay in stays:
        start, end = (dt.datetime.fromisoformat(stay[k]) for k in ("startUtc", "endUtc"))
        assert start <= now <= end, stay
