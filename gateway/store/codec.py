"""Mutation answers as compact bytes (orjson), and back: what a replica stores for an
idempotency key so that another one can replay it.

Dataclasses (Strawberry types are) and enums are written with their import path and read
back only from the `gateway` package; dicts, lists and scalars as JSON; futures (a request's
pending loads) as nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import importlib
from typing import Any, Final

import orjson

_TYPE: Final = "$t"
_ENUM: Final = "$e"
_PACKAGE: Final = "gateway."
#: Where types written by earlier versions live now (the GraphQL types were `gateway.schema`),
#: so a key stored before an upgrade still replays after it.
_MOVED: Final = {"gateway.schema.": "gateway.graphql."}


def _path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {_ENUM: _path(type(value)), "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _TYPE: _path(type(value)),
            "f": {
                f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
            },
        }
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, asyncio.Future):
        return None
    return value


def _class(path: str) -> Any:
    module, _, name = path.partition(":")
    for old, new in _MOVED.items():
        if module.startswith(old):
            module = new + module.removeprefix(old)
    if not module.startswith(_PACKAGE):
        raise ValueError(f"refusing to build {path!r}: not a gateway type")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def _built(value: Any) -> Any:
    if isinstance(value, dict):
        if _TYPE in value:
            cls = _class(value[_TYPE])
            return cls(**{k: _built(v) for k, v in value["f"].items()})
        if _ENUM in value:
            return _class(value[_ENUM])(value["v"])
        return {k: _built(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_built(item) for item in value]
    return value


def dumps(value: Any) -> bytes:
    """`value` (a mutation's payload) as orjson bytes."""
    return orjson.dumps(_plain(value))


def loads(data: bytes | str) -> Any:
    """The value `dumps` wrote.

    Raises:
        ValueError: the data names a type outside the gateway, or is not JSON.
    """
    return _built(orjson.loads(data))


__all__ = ["dumps", "loads"]
