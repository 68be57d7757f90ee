"""`CHANGELOG.md` and `schema.graphql` agree: every breaking change since the last release
is listed, and every coordinate listed is where the entry says it is."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import BreakingChange, GraphQLSchema, build_schema, find_breaking_changes

ROOT = Path(__file__).parents[2]
#: The schema of the last release (0.1.0): breaking changes are counted from it.
RELEASED = Path(__file__).with_name("schema-0.1.0.graphql")
#: `Type.field`, `Type` or `Type.*` (every field or value of a type) in backticks.
_COORDINATE = re.compile(r"`([A-Za-z_]\w*(?:\.(?:\w+|\*))?)`")
_DOTTED = re.compile(r"\b[A-Za-z_]\w*\.\w+\b")


def _section(text: str, heading: str, level: str) -> str:
    """The text under `heading` up to the next heading of the same level."""
    start = text.index(f"{level} {heading}\n")
    end = text.find(f"\n{level} ", start + 1)
    return text[start : end if end != -1 else None]


def _breaking_entries() -> list[str]:
    unreleased = _section((ROOT / "CHANGELOG.md").read_text(), "Unreleased", "##")
    breaking = _section(unreleased, "Breaking", "###")
    return ["- " + entry for entry in breaking.split("\n- ")[1:]]


def _schema(path: Path) -> GraphQLSchema:
    return build_schema(path.read_text())


def _has(schema: GraphQLSchema, coordinate: str) -> bool:
    type_name, _, field = coordinate.partition(".")
    graphql_type = schema.type_map.get(type_name)
    if graphql_type is None or field in ("", "*"):
        return graphql_type is not None
    members = getattr(graphql_type, "fields", None) or getattr(graphql_type, "values", {})
    return field in members


def _listed(change: BreakingChange, coordinates: set[str]) -> bool:
    dotted = _DOTTED.findall(change.description)
    names = dotted or re.findall(r"\b[A-Z]\w*\b", change.description)
    wildcards = {f"{name.partition('.')[0]}.*" for name in dotted}
    return any(name in coordinates for name in [*names, *wildcards])


def test_the_changelog_says_the_project_is_pre_1_0() -> None:
    assert "pre-1.0" in (ROOT / "CHANGELOG.md").read_text()


def test_every_breaking_change_since_the_last_release_is_listed() -> None:
    coordinates = {c for entry in _breaking_entries() for c in _COORDINATE.findall(entry)}
    changes = find_breaking_changes(_schema(RELEASED), _schema(ROOT / "schema.graphql"))
    missing = [c.description for c in changes if not _listed(c, coordinates)]
    assert not missing, "breaking changes missing from CHANGELOG.md (Unreleased, Breaking)"


def test_every_listed_coordinate_is_where_its_entry_says() -> None:
    current = _schema(ROOT / "schema.graphql")
    entries = _breaking_entries()
    assert entries
    for entry in entries:
        coordinates = [c for c in _COORDINATE.findall(entry) if "." in c]
        assert coordinates, f"entry names no Type.field coordinate: {entry[:60]}"
        removed = entry.startswith("- Removed")
        assert _has(current, coordinates[0]) is not removed, entry[:80]
