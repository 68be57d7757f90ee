"""Every GraphQL example in README.md and docs/*.md runs, as written, against the demo.

Each ```graphql block is sent to a demo gateway over a fresh copy of the demo world (so a
mutation example never sees another's writes), with the ```json block that follows it, if
any, as its variables; it must answer without errors. The multipart upload's curl command is
parsed and sent as written, with the sample file it names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World
from tests.conftest import gateway_with

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
CURL_UPLOADS = [e for e in EXAMPLES if e.language == "sh" and "-F operations=" in e.text]


def test_every_graphql_block_and_the_upload_are_found() -> None:
    fences = sum(d.read_text(encoding="utf-8").count("```graphql\n") for d in DOCUMENTS)
    assert len(QUERIES) == fences >= 10
    assert len(CURL_UPLOADS) == 1


@pytest.mark.parametrize("example", QUERIES, ids=[e.where for e in QUERIES])
async def test_the_example_runs_against_the_demo(example: Example, world: World) -> None:
    async with gateway_with(Sandboxes.group(world)) as gateway:
        result = await gateway.post(example.text, example.variables)
    assert "errors" not in result, f"{example.where}: {result['errors']}"
    assert result["data"], example.where


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
        response = await gateway.http.post("/graphql", headers=headers, data=fields, files=uploads)
    result = response.json()
    assert "errors" not in result, result["errors"]
    attached = result["data"]["attachCustomerFile"]
    name, content = next(iter(uploads.values()))
    assert (attached["name"], attached["size"]) == (name, len(content))


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
