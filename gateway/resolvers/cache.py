"""Cross-request read cache: TTL-bounded, size-bounded, single-flight.

One `ReadCache` lives as long as the app. Keys are tuples whose first item names the
namespace (`("fullwhere", id)`, `("mews", id)`, ...). A miss joins a call already in flight
for the same key instead of starting another one, so 50 concurrent requests for one uncached
record cost one upstream call. Records that arrive in bulk (a list page, a getAll page) are
put in with `prime`, so a later read by id is free.

Stale-if-error: with `stale_grace`, an entry is kept that much longer than its TTL, and a
read whose fetch fails (as `stale_if` judges) is answered from it instead; each such answer
is reported to the sink of `collect_stale`, so the response can say which data is stale.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cachetools import TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING: Any = object()

FetchMany = Callable[[list[K]], Awaitable[Mapping[K, V]]]


@dataclass(frozen=True)
class StaleRead:
    """A read answered from an expired entry because the upstream failed."""

    key: Hashable
    age: float
    error: BaseException


_stale_sink: ContextVar[list[StaleRead] | None] = ContextVar("gateway_stale_reads", default=None)


@contextmanager
def collect_stale(sink: list[StaleRead]) -> Iterator[list[StaleRead]]:
    """Report the stale reads made in this block (and the tasks it starts) into `sink`."""
    token = _stale_sink.set(sink)
    try:
        yield sink
    finally:
        _stale_sink.reset(token)


def _never(exc: BaseException) -> bool:
    return False


class ReadCache(Generic[K, V]):
    """A TTL cache of upstream reads with single-flight loading.

    `None` values are cached too: "this id does not exist" is an answer worth keeping
    for the TTL (writes invalidate their keys). Entries live `ttl + stale_grace` seconds in
    one size-bounded store; only the first `ttl` of them are fresh.
    """

    def __init__(
        self,
        *,
        ttl: float,
        maxsize: int,
        stale_grace: float = 0.0,
        stale_if: Callable[[BaseException], bool] = _never,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.stale_grace = max(stale_grace, 0.0)
        self._stale_if = stale_if
        self._clock = clock
        # (value, stored at): fresh for `ttl`, kept as a fallback for `stale_grace` more.
        self._entries: TTLCache[K, tuple[V | None, float]] = TTLCache(
            maxsize=maxsize, ttl=max(ttl, 0.0) + self.stale_grace, timer=clock
        )
        self._inflight: dict[K, asyncio.Future[V | None]] = {}
        self._generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, default: Any = _MISSING) -> Any:
        """The fresh value for `key`, else `default`."""
        if self.ttl <= 0:
            return default
        entry = self._entries.get(key)
        if entry is None or self._clock() - entry[1] >= self.ttl:
            return default
        return entry[0]

    def get_stale(self, key: K) -> tuple[V | None, float] | None:
        """`(value, age in seconds)` of a kept entry for `key`, fresh or expired, or None."""
        if self.ttl <= 0:
            return None
        entry = self._entries.get(key)
        return None if entry is None else (entry[0], self._clock() - entry[1])

    def prime(self, key: K, value: V | None) -> None:
        if self.ttl > 0:
            self._entries[key] = (value, self._clock())

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
            try:
                await self._fetch_into(missing, fetch_many, found)
            except Exception as exc:
                if not self._serve_stale(missing, exc, found):
                    raise
        for key, future in waiting.items():
            try:
                found[key] = await asyncio.shield(future)
            except Exception as exc:
                if not self._serve_stale([key], exc, found):
                    raise
        return [found[key] for key in keys]

    def _serve_stale(self, keys: list[K], exc: Exception, found: dict[K, V | None]) -> bool:
        """Answer every one of `keys` from a kept entry after `exc`; False if any lacks one."""
        if self.stale_grace <= 0 or not self._stale_if(exc):
            return False
        copies = [(key, self.get_stale(key)) for key in keys]
        if any(copy is None for _, copy in copies):
            return False
        sink = _stale_sink.get()
        for key, copy in copies:
            assert copy is not None
            found[key] = copy[0]
            if sink is not None:
                sink.append(StaleRead(key, copy[1], exc))
        return True

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
