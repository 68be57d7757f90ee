"""Every GraphQL example in the README, the docs pages and the changelog is valid against
`schema.graphql`, so a schema change cannot leave a broken example behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = [
    pytest.param(block, id=f"{page.name}#{index}")
    for page in PAGES
    for index, block in enumerate(re.findall(r"```graphql\n(.*?)```", page.read_text(), re.S))
]


def test_the_pages_hold_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_is_valid_against_the_schema(example: str) -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    assert [error.message for error in validate(schema, parse(example))] == []
