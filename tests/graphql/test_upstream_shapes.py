"""One source per upstream shape, every type and field described, Mews contracts kept.

The Fullwhere and Mews GraphQL types are derived from the upstream TypedDicts: these tests
check that each derived type holds exactly its TypedDict's keys with the TypedDict's
nullability, that the derivation follows a TypedDict it was never shown before, that the
schema describes everything it declares, and that every property the Mews documents call
required is non-null in the schema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, TypedDict, get_args, get_origin, get_type_hints

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from gateway.graphql import build_schema
from gateway.graphql import fullwhere as fullwhere_schema
from gateway.graphql import mews as mews_schema
from gateway.graphql.base import schema_config
from gateway.graphql.shapes import derived_from, upstream_type
from gateway.upstream.shapes import DateTimeStr, Deprecated, Doc, IdStr

SCHEMA = build_schema()
TYPES = SCHEMA._schema.type_map

# The one block type without a fixed shape: an open string map, exposed as JSON.
NOT_DERIVED = {"ImportMetadata"}


def _graphql_fields(type_name: str) -> dict[str, GraphQLField]:
    """Python name (the upstream key, for derived fields) → GraphQL field."""
    graphql_type: Any = TYPES[type_name]
    return {
        field.extensions["strawberry-definition"].python_name: field
        for field in graphql_type.fields.values()
    }


def _optional(hint: Any) -> bool:
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    return hint is Any or type(None) in get_args(hint)


def _name(cls: type) -> str:
    return str(cls.__strawberry_definition__.name)  # type: ignore[attr-defined]


def _upstream_object_types() -> list[type]:
    found = []
    for module in (fullwhere_schema, mews_schema):
        for value in vars(module).values():
            definition = getattr(value, "__strawberry_definition__", None)
            if (
                definition is not None
                and not getattr(definition, "is_interface", True)
                and not definition.is_input
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


# --- the shape test -------------------------------------------------------------------------


def test_every_upstream_type_is_derived_from_its_typeddict() -> None:
    types = _upstream_object_types()
    assert len(types) > 40
    missing = [_name(cls) for cls in types if derived_from(cls) is None]
    assert set(missing) == NOT_DERIVED


def test_derived_types_hold_exactly_their_keys_with_their_nullability() -> None:
    checked = 0
    for cls in _upstream_object_types():
        source = derived_from(cls)
        if source is None:
            continue
        shape, taken = source
        type_name = _name(cls)
        fields = _graphql_fields(type_name)
        hints = get_type_hints(shape, include_extras=True)
        plain = {
            key
            for key, field in fields.items()
            if field.extensions["strawberry-definition"].base_resolver is None
        }
        # No field without a resolver that is not an upstream key; no key without a field.
        assert plain <= set(hints), (type_name, plain - set(hints))
        assert set(hints) <= set(fields), (type_name, set(hints) - set(fields))
        for key, hint in hints.items():
            if key in taken:
                continue  # the class declares this one itself (a resolver, a tolerant view)
            nullable = not isinstance(fields[key].type, GraphQLNonNull)
            assert nullable == _optional(hint), (type_name, key)
            checked += 1
        assert taken <= set(hints)
    assert checked > 600


class Stay(TypedDict, total=False):
    """A shape the gateway never had: the derivation must follow it with no other edit."""

    Id: Annotated[IdStr, Doc("Unique identifier of the stay.")]
    StartUtc: Annotated[DateTimeStr | None, Doc("Start of the stay.")]
    room_number: Annotated[str | None, Doc("Room number.")]
    OldCode: Annotated[str | None, Doc("Room code."), Deprecated("Use RoomNumber.")]


@upstream_type(Stay, description="A stay.")
class StayView:
    pass


@strawberry.type
class StayQuery:
    @strawberry.field
    def stay(self) -> StayView:
        record = {"Id": "s-1", "StartUtc": "2026-01-02T03:04:05Z", "room_number": "12"}
        return record  # type: ignore[return-value]


def test_a_key_without_a_description_is_refused() -> None:
    class Undocumented(TypedDict, total=False):
        Id: Annotated[IdStr, Doc("Unique identifier.")]
        Secret: str | None

    with pytest.raises(TypeError, match=r"Undocumented\.Secret: describe it with Doc"):
        upstream_type(Undocumented, description="Undocumented.")(type("Undocumented", (), {}))


def test_a_key_added_to_a_typeddict_appears_in_the_schema() -> None:
    schema = strawberry.Schema(query=StayQuery, config=schema_config())
    stay: Any = schema._schema.type_map["StayView"]
    assert str(stay.fields["id"].type) == "ID!"
    assert str(stay.fields["startUtc"].type) == "DateTime"
    assert stay.fields["startUtc"].description == "Start of the stay."
    assert stay.fields["roomNumber"].description == "Room number. Upstream key `room_number`."
    assert stay.fields["oldCode"].deprecation_reason == "Use RoomNumber."
    result = schema.execute_sync("{ stay { id startUtc roomNumber } }")
    assert result.errors is None
    assert result.data == {
        "stay": {"id": "s-1", "startUtc": "2026-01-02T03:04:05Z", "roomNumber": "12"}
    }


# --- descriptions ---------------------------------------------------------------------------

_BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def _undescribed() -> list[str]:
    missing = []
    for name, graphql_type in TYPES.items():
        if name.startswith("__") or name in _BUILT_IN:
            continue
        named: GraphQLNamedType = graphql_type
        if not (named.description or "").strip():
            missing.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            missing += [
                f"{name}.{field_name}"
                for field_name, field in named.fields.items()
                if not (field.description or "").strip()
            ]
    return missing


def test_every_type_and_field_has_a_description() -> None:
    kinds = (
        GraphQLObjectType,
        GraphQLInterfaceType,
        GraphQLInputObjectType,
        GraphQLUnionType,
        GraphQLEnumType,
        GraphQLScalarType,
    )
    assert all(isinstance(t, kinds) for t in TYPES.values())
    assert _undescribed() == []


def test_renamed_fields_name_their_upstream_key() -> None:
    como = _graphql_fields("ComoMembership")
    assert como["LocationID"].description.endswith("Upstream key `LocationID`.")  # type: ignore[union-attr]
    zelty = _graphql_fields("ZeltyMetadata")
    assert zelty["nice_name"].description.endswith("Upstream key `nice_name`.")  # type: ignore[union-attr]
    # Camel case of a Mews key is no rename.
    assert "Upstream key" not in (_graphql_fields("MewsProfile")["FirstName"].description or "")


# --- names ----------------------------------------------------------------------------------


def test_one_acronym_style_across_the_schema() -> None:
    names = [
        field_name
        for name, graphql_type in TYPES.items()
        if not name.startswith("__") and name != "SalesforceDentego"
        for field_name in getattr(graphql_type, "fields", {})
    ]
    assert [name for name in names if re.search(r"[A-Z]{2}", name)] == []
    como: Any = TYPES["ComoMembership"]
    assert {"locationId", "allowSms", "commonExtId", "comoMemberId"} <= set(como.fields)
    assert "profileUrl" in TYPES["UbereatsMetadata"].fields  # type: ignore[attr-defined]


def test_salesforce_fields_keep_their_api_names() -> None:
    dentego: Any = TYPES["SalesforceDentego"]
    assert "P_rim_tre_r_gional__c" in dentego.fields
    assert "X1er_contact_par_SMS__c" in dentego.fields
    assert set(dentego.fields) == set(_graphql_fields("SalesforceDentego"))


def test_the_two_zenchef_restaurant_ids_have_distinct_names() -> None:
    zenchef: Any = TYPES["ZenchefMetadata"]
    by_key = _graphql_fields("ZenchefMetadata")
    assert by_key["restaurantid"] is zenchef.fields["restaurantIdNoUnderscore"]
    assert by_key["restaurant_id"] is zenchef.fields["restaurantId"]
    assert "`restaurantid`" in (by_key["restaurantid"].description or "")
    assert "restaurantid" not in zenchef.fields


# --- the Mews contract ------------------------------------------------------------------------

MEWS_REFERENCE = Path(__file__).parents[2] / "docs" / "reference" / "mews"
# Documented object (the heading of its property table) → the GraphQL type serving it.
MEWS_OBJECTS = {
    ("operations-customers.md", "Customer"): "MewsProfile",
    ("operations-customers.md", "Identity document"): "MewsIdentityDocument",
    ("operations-customers.md", "Customer items"): "MewsCustomerItems",
    ("operations-_objects.md", "Amount"): "MewsAmount",
    ("operations-_objects.md", "Tax value"): "MewsTaxValue",
    ("operations-_objects.md", "Tax breakdown"): "MewsTaxBreakdown",
    ("operations-_objects.md", "Tax breakdown item"): "MewsTaxBreakdownItem",
}
_HEADING = re.compile(r"^#+ (?P<title>.+?)\s*$")
_ROW = re.compile(r"^\| (?P<name>~~)?`(?P<key>\w+)`(?:~~)? \| [^|]+ \| (?P<contract>[^|]+) \|")


def _property_tables(document: str) -> dict[str, dict[str, bool]]:
    """Heading → {property: required} for the property tables of a Mews reference page;
    deprecated (struck-through) properties are left out: Mews may stop sending them."""
    tables: dict[str, dict[str, bool]] = {}
    heading = ""
    for line in (MEWS_REFERENCE / document).read_text(encoding="utf-8").splitlines():
        if match := _HEADING.match(line):
            heading = match["title"]
        elif (match := _ROW.match(line)) and not match["name"]:
            table = tables.setdefault(heading, {})
            table[match["key"]] = match["contract"].strip().startswith("required")
    return tables


# The Mews customers document the gateway's users hold: a property it does not name may be
# absent from a real answer, so it is nullable whatever the reference pages say.
USERS_MEWS_DOCUMENT = (
    Path(__file__).parents[2] / "docs" / "seeds" / "mews-connector-api-customers.md"
).read_text(encoding="utf-8")


def _promised(key: str) -> bool:
    return re.search(rf"\b{key}\b", USERS_MEWS_DOCUMENT) is not None


def test_no_property_mews_documents_as_required_is_nullable() -> None:
    checked = []
    for (document, heading), type_name in MEWS_OBJECTS.items():
        table = _property_tables(document)[heading]
        fields = _graphql_fields(type_name)
        assert set(table) <= set(fields), (type_name, set(table) - set(fields))
        for key, required in table.items():
            non_null = required and _promised(key)
            assert isinstance(fields[key].type, GraphQLNonNull) == non_null, (type_name, key)
            checked.append(f"{type_name}.{key}")
    profile = {"LastName", "HasOtaEmail", "IsActive", "Number", "ChainId", "CreatedUtc"}
    assert {f"MewsProfile.{key}" for key in profile} <= set(checked)
    # Required in the reference pages, not in the users' document: nullable.
    assert not _promised("CreatorProfileId") and not _promised("UpdaterProfileId")
    assert len(checked) >= 60


def test_the_fullwhere_profile_id_is_non_null() -> None:
    profile = _graphql_fields("FullwhereProfile")
    assert str(profile["id"].type) == "ID!"
