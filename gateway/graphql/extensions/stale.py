"""Tell clients which data came from an expired cache entry because an upstream failed.

Reads served stale-if-error (see `ReadCache`) are collected on the request context while the
operation runs and listed in the response as

    "extensions": {"stale": [{"source": "mews", "key": "mews:<id>", "ageSeconds": 75.2,
                              "code": "UPSTREAM_UNAVAILABLE"}]}

`key` is the cache key (namespace first: `fullwhere`, `fullwhere-page`, `mews`, `mews-page`,
...); `code` is the error the upstream read failed with.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.data.cache import StaleRead, collect_stale


def _key_text(key: Hashable) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ":".join("" if part is None else str(part) for part in parts)


def _source(key: Hashable) -> str:
    namespace = str(key[0] if isinstance(key, tuple) and key else key)
    return namespace.split("-", 1)[0]


def stale_marks(reads: list[StaleRead]) -> list[dict[str, Any]]:
    """One mark per key (the oldest age seen), in the order first served."""
    marks: dict[str, dict[str, Any]] = {}
    for read in reads:
        key = _key_text(read.key)
        age = round(read.age, 1)
        if key in marks:
            marks[key]["ageSeconds"] = max(marks[key]["ageSeconds"], age)
            continue
        mark: dict[str, Any] = {"source": _source(read.key), "key": key, "ageSeconds": age}
        code = getattr(read.error, "code", None)
        if isinstance(code, str):
            mark["code"] = code
        marks[key] = mark
    return list(marks.values())


class StaleReads(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        sink = getattr(self.execution_context.context, "stale_reads", None)
        if sink is None:
            yield
            return
        with collect_stale(sink):
            yield

    def get_results(self) -> dict[str, Any]:
        reads = getattr(self.execution_context.context, "stale_reads", None)
        return {"stale": stale_marks(reads)} if reads else {}
