"""GraphQL object types derived from the upstream record types.

Each upstream shape is written once, as a TypedDict in `gateway.upstream.*_types`, annotated
with its documentation (`gateway.upstream.shapes`). `upstream_type` turns one into a Strawberry
type: every key becomes a field under the key's own Python name (so `resolve_attribute` and the
fast path read it with `dict.get`), typed, nulled, described and deprecated as the annotation
says. A key added to the TypedDict therefore appears in the schema with no second edit.

The decorated class adds what the upstream record does not hold (resolvers such as enum views,
joins, the metadata `source`) and may take a key over by declaring a field under that key.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

import strawberry
from strawberry.types.field import StrawberryField
from typing_extensions import Doc, is_typeddict

from gateway.graphql.base import JSON, Date, DateTime, upstream_camel
from gateway.upstream.errors import Source
from gateway.upstream.shapes import Deprecated, Text

__all__ = ["RAW_NOTE", "derived_from", "upstream_of", "upstream_type"]

T = TypeVar("T")

#: How a `...Raw` twin of an enum-valued key is described after the key's own text.
RAW_NOTE = "Exactly as the upstream sent it, including values newer than this gateway."

_TEXT: dict[Text, object] = {Text.ID: strawberry.ID, Text.DATETIME: DateTime, Text.DATE: Date}
_SCALARS = (str, int, float, bool)
# The module of each upstream's record types → that upstream.
_UPSTREAMS: dict[str, Source] = {
    "gateway.upstream.mews_types": "mews",
    "gateway.upstream.fullwhere_types": "fullwhere",
}

# TypedDict → the Strawberry type derived from it; nested shapes are looked up here, so a
# shape is derived before the shapes that contain it.
_DERIVED: dict[type, type] = {}
# Strawberry type → (TypedDict, keys the class took over), for the shape test.
_SOURCES: dict[type, tuple[type, frozenset[str]]] = {}


def _graphql_annotation(hint: Any, where: str) -> Any:
    """The Strawberry annotation for an upstream annotation."""
    origin = get_origin(hint)
    if origin is Annotated:
        base, *extras = get_args(hint)
        meanings = [extra for extra in extras if isinstance(extra, Text)]
        return _TEXT[meanings[0]] if meanings else _graphql_annotation(base, where)
    if origin in (Union, types.UnionType):
        members = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(members) != 1:
            raise TypeError(f"{where}: only `X | None` unions map to GraphQL, not {hint!r}")
        return _graphql_annotation(members[0], where) | None
    if origin is list:
        return list[_graphql_annotation(get_args(hint)[0], where)]  # type: ignore[misc]
    if hint is Any:  # an open value, null included
        return JSON | None
    if hint is dict or origin is dict:
        return JSON
    if is_typeddict(hint):
        try:
            return _DERIVED[hint]
        except KeyError:
            raise TypeError(f"{where}: derive {hint.__name__} before the types using it") from None
    if hint in _SCALARS:
        return hint
    raise TypeError(f"{where}: no GraphQL type for {hint!r}")


def _description(key: str, graphql_name: str, doc: str) -> str:
    """The documented text, naming the key when GraphQL spells it differently from camel
    case: a reader can always find the upstream field."""
    text = doc
    if graphql_name not in (key, key[:1].lower() + key[1:]):
        text += f" Upstream key `{key}`."
    return text


def upstream_type(
    shape: type,
    *,
    description: str,
    name: str | None = None,
    verbatim: bool = False,
    names: Mapping[str, str] | None = None,
    raw: Iterable[str] = (),
) -> Callable[[type[T]], type[T]]:
    """Class decorator: make the class a Strawberry type holding every key of `shape`.

    Args:
        shape: the upstream TypedDict.
        description: the GraphQL type's description.
        name: the GraphQL type name (default: the class name).
        verbatim: GraphQL field names are the keys as they are (valid GraphQL names that
            camel-casing would garble, such as Salesforce's `P_rim_tre_r_gional__c`).
        names: GraphQL names for keys whose camel case would be ambiguous or misleading.
        raw: keys whose values are enums the class exposes through its own resolver; the key
            itself becomes the `<name>Raw` String twin.

    Raises:
        TypeError: a key has no `Doc`, an annotation has no GraphQL equivalent, or a nested
            shape is not derived yet.
    """
    raw_keys = frozenset(raw)
    renamed = dict(names or {})

    def derive(cls: type[T]) -> type[T]:
        hints = get_type_hints(shape, include_extras=True)
        own: dict[str, Any] = dict(inspect.get_annotations(cls))
        annotations: dict[str, Any] = {}
        taken: set[str] = set()
        for key, hint in hints.items():
            declared = cls.__dict__.get(key)
            if key in own or isinstance(declared, StrawberryField):
                taken.add(key)
                if key in own:
                    annotations[key] = own.pop(key)
                continue
            extras = get_args(hint)[1:] if get_origin(hint) is Annotated else ()
            doc = next((extra.documentation for extra in extras if isinstance(extra, Doc)), None)
            if doc is None:
                raise TypeError(f"{shape.__name__}.{key}: describe it with Doc(...)")
            deprecated = next((e.reason for e in extras if isinstance(e, Deprecated)), None)
            graphql_name = key if verbatim else renamed.get(key) or upstream_camel(key)
            if key in raw_keys:
                graphql_name += "Raw"
                doc = f"{doc} {RAW_NOTE}"
            annotations[key] = _graphql_annotation(hint, f"{shape.__name__}.{key}")
            setattr(
                cls,
                key,
                strawberry.field(
                    name=graphql_name,
                    description=_description(key, graphql_name, doc),
                    deprecation_reason=deprecated,
                ),
            )
        annotations.update(own)
        cls.__annotations__ = annotations
        derived: type[T] = strawberry.type(cls, name=name, description=description)
        _DERIVED[shape] = derived
        _SOURCES[derived] = (shape, frozenset(taken))
        return derived

    return derive


def derived_from(graphql_type: type) -> tuple[type, frozenset[str]] | None:
    """The TypedDict a type was derived from and the keys its class declares itself."""
    return _SOURCES.get(graphql_type)


def upstream_of(graphql_type: type) -> Source | None:
    """The upstream whose records a derived type holds (None for the gateway's own types)."""
    derived = _SOURCES.get(graphql_type)
    return None if derived is None else _UPSTREAMS.get(derived[0].__module__)
