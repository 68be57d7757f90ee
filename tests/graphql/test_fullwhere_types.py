"""The Fullwhere customer types against the documented example customer.

The example is the first JSON object of the Fullwhere seed (the `GET /partners/customer`
response). The leaf walk queries every leaf of it through GraphQL and checks each value
comes back unchanged, so no documented field is missing, misnamed or mistyped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import get_named_type

from gateway.graphql.base import schema_config
from gateway.graphql.fullwhere import (
    METADATA_TYPES,
    FullwhereProfile,
    MetadataBlock,
    metadata_entries,
)
from tests.support.docs import fullwhere_doc_customer

# Scalar leaves of the documented customer, plus its 7 free-form `{}` objects.
DOCUMENTED_SCALAR_LEAVES = 443
DOCUMENTED_EMPTY_OBJECTS = 7

Path_ = tuple[str | int, ...]


@strawberry.type
class Query:
    @strawberry.field
    def customer(self, info: strawberry.Info) -> FullwhereProfile:
        return info.context["record"]  # type: ignore[no-any-return]


SCHEMA = strawberry.Schema(
    query=Query,
    config=schema_config(),
)


def run(query: str, record: dict[str, Any]) -> dict[str, Any]:
    result = SCHEMA.execute_sync(query, context_value={"record": record})
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def _graphql_names() -> dict[str, str]:
    """Upstream key → its GraphQL field name, over every type of the schema (camel case,
    except where a type names a key otherwise: Salesforce's verbatim API names, ...)."""
    names: dict[str, str] = {}
    for graphql_type in SCHEMA._schema.type_map.values():
        for name, field in (getattr(graphql_type, "fields", None) or {}).items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is not None:
                names.setdefault(definition.python_name, name)
    return names


GRAPHQL_NAMES = _graphql_names()


def field_name(key: str) -> str:
    return GRAPHQL_NAMES[key]


def type_name(source: str) -> str:
    return METADATA_TYPES[source].__strawberry_definition__.name  # type: ignore[no-any-return]


# --- the leaf walk ---------------------------------------------------------------------


def leaves(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every leaf of `value`: scalars and empty objects, descending into lists and objects.

    The `import` block is one leaf: it is a free-form string map exposed as JSON (`data`).
    """
    if path == ("metadata", "import"):
        yield path, value
    elif isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


Tree = dict[str, "Tree"]


def _add(tree: Tree, keys: list[str]) -> None:
    for key in keys:
        tree = tree.setdefault(key, {})


def _selection(tree: Tree, alias_prefix: str = "") -> str:
    fields = []
    for key, sub in tree.items():
        name = field_name(key)
        field = f"{alias_prefix}{name}: {name}" if alias_prefix else name
        fields.append(field if not sub else f"{field} {{ {_selection(sub)} }}")
    return " ".join(fields)


def alias_prefix(source: str) -> str:
    # Blocks share field names with different types (Zelty `id: Int`, Facebook `id: String`),
    # so, as any client selecting several blocks must, the walk aliases them per source.
    return f"{source}_"


def build_query(paths: list[Path_]) -> str:
    """One query selecting every path: top-level fields directly, metadata blocks through
    `... on <Source>Metadata` fragments (list indices dropped, names camel-cased)."""
    top: Tree = {}
    blocks: dict[str, Tree] = {}
    for path in paths:
        keys = [key for key in path if isinstance(key, str)]
        if keys[0] != "metadata":
            _add(top, keys)
        elif keys[1] == "import":
            _add(blocks.setdefault("import", {}), ["data"])
        else:
            _add(blocks.setdefault(keys[1], {}), keys[2:])
    fragments = " ".join(
        f"... on {type_name(source)} {{ source {_selection(tree, alias_prefix(source))} }}"
        for source, tree in blocks.items()
    )
    return f"{{ customer {{ {_selection(top)} metadata {{ __typename {fragments} }} }} }}"


def lookup(data: dict[str, Any], path: Path_) -> Any:
    """The value the response holds for an upstream path."""
    node: Any = data["customer"]
    steps = list(path)
    if steps[0] == "metadata":
        source = steps[1]
        matches = [entry for entry in node["metadata"] if entry["source"] == source]
        assert len(matches) == 1, f"{source}: {len(matches)} blocks"
        node = matches[0]
        steps = ["data"] if source == "import" else steps[2:]
        node = node[alias_prefix(str(source)) + field_name(str(steps.pop(0)))]
    for step in steps:
        node = node[step] if isinstance(step, int) else node[field_name(step)]
    return node


def same(got: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return got is expected
    if isinstance(expected, str):
        return isinstance(got, str) and got == expected
    return bool(got == expected)


def check_every_leaf(record: dict[str, Any]) -> tuple[int, int]:
    walked = list(leaves(record))
    data = run(build_query([path for path, _ in walked]), record)
    checked = 0
    wrong = []
    for path, expected in walked:
        got = lookup(data, path)
        if same(got, expected):
            checked += 1
        else:
            wrong.append((path, expected, got))
    assert wrong == []
    assert checked == len(walked)
    return checked, sum(1 for _, value in walked if value == {})


def test_every_leaf_of_the_documented_customer_comes_back_unchanged() -> None:
    checked, empty_objects = check_every_leaf(fullwhere_doc_customer())
    print(f"checked {checked} leaves ({checked - empty_objects} scalars, {empty_objects} {{}})")
    assert checked - empty_objects == DOCUMENTED_SCALAR_LEAVES
    assert empty_objects == DOCUMENTED_EMPTY_OBJECTS


# Numbers documented as `1` that are amounts, rates or coordinates (the rest are Int).
FLOAT_LEAVES = {
    ("zelty", "balance"),
    ("zelty", "turnover"),
    ("zelty", "location"),
    ("zenchef", "retention_rate"),
    ("mews", "Latitude"),
    ("mews", "Longitude"),
    ("oracle", "amount"),
}


def expected_type(path: Path_, value: Any) -> set[str]:
    keys = [key for key in path if isinstance(key, str)]
    if value == {}:
        return {"JSON"}
    if isinstance(value, bool):
        return {"Boolean"}
    if isinstance(value, int):
        is_float = keys[0] == "metadata" and (keys[1], keys[-1]) in FLOAT_LEAVES
        return {"Float"} if is_float else {"Int"}
    if _TIMESTAMP.match(value):
        return {"DateTime"}
    return {"ID"} if keys in (["id"], ["tags", "id"]) else {"String"}


def graphql_type(path: Path_) -> str:
    """Name of the GraphQL type the schema gives the leaf at an upstream path."""
    keys = [key for key in path if isinstance(key, str)]
    if keys[0] == "metadata":
        parent = type_name(keys[1])
        keys = ["data"] if keys[1] == "import" else keys[2:]
    else:
        parent = "FullwhereProfile"
    schema = SCHEMA._schema
    named: Any = schema.get_type(parent)
    for key in keys:
        named = get_named_type(named.fields[field_name(key)].type)
    return str(named.name)


def test_every_leaf_has_the_type_its_documented_value_calls_for() -> None:
    walked = list(leaves(fullwhere_doc_customer()))
    wrong = [
        (path, graphql_type(path), expected_type(path, value))
        for path, value in walked
        if graphql_type(path) not in expected_type(path, value)
    ]
    assert wrong == []


_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _distinct(value: Any, counter: Iterator[int]) -> Any:
    """The same shape with a different value at every leaf (booleans alternate)."""
    if isinstance(value, dict):
        return {key: _distinct(item, counter) for key, item in value.items()}
    if isinstance(value, list):
        return [_distinct(item, counter) for item in value]
    n = next(counter)
    if isinstance(value, bool):
        return n % 2 == 0
    if isinstance(value, int | float):
        return n
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return f"2024-01-{n % 28 + 1:02d}T{n % 24:02d}:{n % 60:02d}:00.{n:03d}Z"
    if isinstance(value, str):
        return f"{value}-{n}"
    return value


def test_every_field_reads_its_own_upstream_key() -> None:
    # The documented example repeats "text" and 1 everywhere; distinct values catch a field
    # that reads a neighbour's key or two keys that camel-case to one GraphQL name.
    record = _distinct(fullwhere_doc_customer(), iter(range(1, 10_000)))
    checked, _ = check_every_leaf(record)
    assert checked == DOCUMENTED_SCALAR_LEAVES + DOCUMENTED_EMPTY_OBJECTS


# --- metadata blocks ---------------------------------------------------------------------

SOURCES_QUERY = "{ customer { id metadata { __typename ... on ZeltyMetadata { source id } "
SOURCES_QUERY += " ".join(f"... on {type_name(s)} {{ source }}" for s in METADATA_TYPES)
SOURCES_QUERY += " } } }"


def sources_of(record: dict[str, Any]) -> list[str]:
    return [entry["source"] for entry in run(SOURCES_QUERY, record)["customer"]["metadata"]]


def test_metadata_types_cover_the_21_documented_sources_in_order() -> None:
    from gateway.upstream.fullwhere_types import METADATA_SOURCES

    documented = list(fullwhere_doc_customer()["metadata"])
    assert len(documented) == 21
    assert list(METADATA_TYPES) == documented
    assert list(METADATA_SOURCES) == documented


def test_source_and_type_name_match_each_block() -> None:
    entries = run(SOURCES_QUERY, fullwhere_doc_customer())["customer"]["metadata"]
    assert len(entries) == 21
    for entry in entries:
        source = entry["source"]
        assert entry["__typename"] == type_name(source)
        assert entry["__typename"] == source[0].upper() + source[1:] + "Metadata"


def test_metadata_order_follows_the_documented_order_not_the_upstream_order() -> None:
    record = fullwhere_doc_customer()
    documented = list(record["metadata"])
    record["metadata"] = dict(reversed(record["metadata"].items()))
    assert list(record["metadata"]) != documented
    assert sources_of(record) == documented


def test_missing_and_null_blocks_do_not_appear() -> None:
    record = fullwhere_doc_customer()
    record["metadata"] = {"mews": record["metadata"]["mews"], "zelty": None}
    assert sources_of(record) == ["mews"]

    del record["metadata"]
    assert sources_of(record) == []
    record["metadata"] = None
    assert sources_of(record) == []


def test_unknown_fields_and_unknown_sources_are_tolerated() -> None:
    record = fullwhere_doc_customer()
    record["brandNewField"] = {"anything": [1, 2]}
    record["metadata"]["brandNewSource"] = {"id": "x"}
    record["metadata"]["zelty"]["brand_new_key"] = 42
    record["metadata"]["oracle"]["address"]["extra"] = True
    documented = list(fullwhere_doc_customer()["metadata"])
    data = run(SOURCES_QUERY, record)
    assert data["customer"]["id"] == "text"
    assert [entry["source"] for entry in data["customer"]["metadata"]] == documented
    zelty = next(e for e in data["customer"]["metadata"] if e["source"] == "zelty")
    assert zelty["id"] == 1


def test_a_block_that_is_not_an_object_is_left_out() -> None:
    record = fullwhere_doc_customer()
    record["metadata"] = {"zelty": "garbage", "juxta": [], "booking": {"yourname": "Ann"}}
    assert sources_of(record) == ["booking"]


def test_missing_fields_and_lists_resolve_to_null() -> None:
    data = run(
        "{ customer { id tags { id } dataSources email metadata { ... on ZeltyMetadata "
        "{ source addresses { id } balance } } } }",
        {"id": "c1", "metadata": {"zelty": {}}},
    )
    assert data["customer"] == {
        "id": "c1",
        "tags": None,
        "dataSources": None,
        "email": None,
        "metadata": [{"source": "zelty", "addresses": None, "balance": None}],
    }


def test_import_block_exposes_its_string_map() -> None:
    record = fullwhere_doc_customer()
    record["metadata"] = {"import": {"crmId": "A-12", "segment": "gold"}}
    data = run("{ customer { metadata { ... on ImportMetadata { source data } } } }", record)
    assert data["customer"]["metadata"] == [
        {"source": "import", "data": {"crmId": "A-12", "segment": "gold"}}
    ]


# --- helpers the rest of the schema uses ----------------------------------------------


def test_metadata_entries_tags_blocks_and_keeps_their_keys() -> None:
    record = fullwhere_doc_customer()
    entries = metadata_entries(record["metadata"])
    assert [entry.source for entry in entries] == list(record["metadata"])
    assert all(isinstance(entry, MetadataBlock) for entry in entries)
    assert entries[1] == record["metadata"]["zelty"]
    assert metadata_entries(None) == []


def test_fullwhere_profile_recognises_fullwhere_records_only() -> None:
    record = fullwhere_doc_customer()
    assert FullwhereProfile.is_type_of(record, None)
    assert FullwhereProfile.is_type_of({"id": "c1"}, None)
    mews_customer = record["metadata"]["mews"]["customer"]  # Mews keys: "Id", "ChainId"
    assert not FullwhereProfile.is_type_of(mews_customer, None)
    assert not FullwhereProfile.is_type_of({"id": "x", "ChainId": "y"}, None)
    assert not FullwhereProfile.is_type_of(MetadataBlock("zelty", {"id": 1}), None)
    assert not FullwhereProfile.is_type_of("c1", None)
