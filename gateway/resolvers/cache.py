"""Cross-request read cache: TTL-bounded, size-bounded, single-flight.

One `ReadCache` lives as long as the app. Keys are tuples whose first item names the
namespace (`("fullwhere", id)`, `("mews", id)`, ...). A miss joins a call already in flight
for the same key instead of starting another one, so 50 concurrent requests for one uncached
record cost one upstream call. Records that arrive in bulk (a list page, a getAll page) are
put in with `prime`, so a later read by id is free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from cachetools import TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING: Any = object()

FetchMany = Callable[[list[K]], Awaitable[Mapping[K, V]]]


class ReadCache(Generic[K, V]):
    """A TTL cache of upstream reads with single-flight loading.

    `None` values are cached too: "this id does not exist" is an answer worth keeping
    for the TTL (writes invalidate their keys).
    """

    def __init__(self, *, ttl: float, maxsize: int) -> None:
        self.ttl = ttl
        self._entries: TTLCache[K, V | None] = TTLCache(maxsize=maxsize, ttl=ttl)
        self._inflight: dict[K, asyncio.Future[V | None]] = {}
        self._generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, default: Any = _MISSING) -> Any:
        if self.ttl <= 0:
            return default
        return self._entries.get(key, default)

    def prime(self, key: K, value: V | None) -> None:
        if self.ttl > 0:
            self._entries[key] = value

    def prime_many(self, items: Iterable[tuple[K, V | None]]) -> None:
        for key, value in items:
            self.prime(key, value)

    def invalidate(self, key: K) -> None:
        self._entries.pop(key, None)
        # A read in flight may carry the old value: let it finish for its callers, but keep
        # it out of the cache.
        if key in self._inflight:
            self._generation += 1

    def invalidate_where(self, predicate: Callable[[K], bool]) -> None:
        for key in [key for key in list(self._entries.keys()) if predicate(key)]:
            self._entries.pop(key, None)
        self._generation += 1

    def clear(self) -> None:
        self._entries.clear()
        self._generation += 1

    async def load(self, key: K, fetch: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value for `key`, else the result of one shared `fetch()`."""

        async def fetch_one(keys: list[K]) -> Mapping[K, V | None]:
            return {keys[0]: await fetch()}

        (value,) = await self.load_many([key], fetch_one)
        return value

    async def load_many(
        self, keys: Sequence[K], fetch_many: FetchMany[K, V | None]
    ) -> list[V | None]:
        """Values for `keys` in order: cached ones, ones in flight elsewhere, and the rest
        fetched by one `fetch_many(missing_keys)` call (absent keys mean None)."""
        found: dict[K, V | None] = {}
        waiting: dict[K, asyncio.Future[V | None]] = {}
        missing: list[K] = []
        loop = asyncio.get_running_loop()
        for key in keys:
            if key in found or key in waiting:
                continue
            value = self.get(key)
            if value is not _MISSING:
                found[key] = value
            elif (future := self._inflight.get(key)) is not None:
                waiting[key] = future
            else:
                self._inflight[key] = loop.create_future()
                missing.append(key)
        if missing:
            await self._fetch_into(missing, fetch_many, found)
        for key, future in waiting.items():
            found[key] = await asyncio.shield(future)
        return [found[key] for key in keys]

    async def _fetch_into(
        self, missing: list[K], fetch_many: FetchMany[K, V | None], found: dict[K, V | None]
    ) -> None:
        generation = self._generation
        try:
            fetched = await fetch_many(missing)
        except BaseException as exc:
            for key in missing:
                future = self._inflight.pop(key)
                future.set_exception(exc)
                future.exception()  # marks it retrieved: nobody else may be waiting
            raise
        keep = generation == self._generation
        for key in missing:
            value = fetched.get(key)
            found[key] = value
            if keep:
                self.prime(key, value)
            self._inflight.pop(key).set_result(value)
