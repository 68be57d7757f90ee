"""Cross-request read cache: TTL-bounded, size-bounded, single-flight.

One `ReadCache` lives as long as the app. Keys are tuples whose first item names the
namespace (`("fullwhere", id)`, `("mews", id)`, ...). A miss joins a call already in flight
for the same key instead of starting another one, so 50 concurrent requests for one uncached
record cost one upstream call. Records that arrive in bulk (a list page, a getAll page) are
put in with `prime`, so a later read by id is free.

Shared: with a `RedisCacheLayer` (`REDIS_URL`), every process reads and fills the same
entries in Redis, and `forget` drops keys there before it returns, so a write is seen by the
next read in any process. The in-process entries then serve only while Redis is unreachable
(and as stale copies); invalidations Redis missed meanwhile are sent before it is read again.

Stale-if-error: with `stale_grace`, an entry is kept that much longer than its TTL, and a
read whose fetch fails (as `stale_if` judges) is answered from it instead; each such answer
is reported to the sink of `collect_stale`, so the response can say which data is stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from cachetools import TTLCache

from gateway.observability import metrics
from gateway.store.cache import RedisCacheLayer
from gateway.store.redis import StoreUnavailable

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING: Any = object()

#: Invalidations kept for Redis while it is away; past this many, all of its entries go.
MAX_UNSENT_INVALIDATIONS = 10_000

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


#: What an entry costs beyond its encoded record (its key, tuple and the cache's links), so
#: that many small entries ("not found") count too.
ENTRY_OVERHEAD = 200
#: `max_bytes` when none is given: no bound in bytes.
UNBOUNDED = 2**62


def encoded_size(entry: tuple[Any, float]) -> int:
    """The bytes an entry is counted as: its value encoded as JSON, and the overhead.
    (Python holds a record in about three times its JSON size.)"""
    encoded = orjson.dumps(entry[0], default=repr, option=orjson.OPT_NON_STR_KEYS)
    return len(encoded) + ENTRY_OVERHEAD


class SizedTTLCache(TTLCache[K, V]):
    """A `TTLCache` bounded in bytes (`maxsize`, by `getsizeof`) and in entries, least
    recently used out first."""

    def __init__(
        self,
        *,
        max_entries: int,
        max_bytes: int,
        ttl: float,
        timer: Any,
        getsizeof: Callable[[V], int],
    ) -> None:
        super().__init__(maxsize=max_bytes, ttl=ttl, timer=timer, getsizeof=getsizeof)
        self.max_entries = max_entries

    def __setitem__(self, key: K, value: V) -> None:
        if key not in self:
            while len(self) >= self.max_entries:
                self.popitem()
        super().__setitem__(key, value)

    def put(self, key: K, value: V) -> None:
        """`self[key] = value`; a value larger than the whole bound is not kept, and neither
        is an older one under its key."""
        try:
            self[key] = value
        except ValueError:
            self.pop(key, None)


class _Entries(SizedTTLCache[K, tuple[V | None, float]]):
    """The read cache's entries (sized by `encoded_size`), counting the entries it drops to
    make room."""

    def __init__(self, *, max_entries: int, max_bytes: int, ttl: float, timer: Any) -> None:
        super().__init__(
            max_entries=max_entries,
            max_bytes=max_bytes,
            ttl=ttl,
            timer=timer,
            getsizeof=encoded_size,
        )

    def popitem(self) -> tuple[K, tuple[V | None, float]]:
        item = super().popitem()
        metrics.record_eviction()
        return item


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
        shared: RedisCacheLayer | None = None,
        max_bytes: int = UNBOUNDED,
    ) -> None:
        self.ttl = ttl
        self.shared = shared if ttl > 0 else None
        # Keys and namespaces dropped here while Redis was away: dropped there on its return.
        self._unsent: set[K] = set()
        self._unsent_namespaces: set[Hashable] = set()
        self._unsent_overflow = False
        self._resending: asyncio.Task[None] | None = None
        self.stale_grace = max(stale_grace, 0.0)
        self._stale_if = stale_if
        self._clock = clock
        # (value, stored at): fresh for `ttl`, kept as a fallback for `stale_grace` more.
        self._entries: _Entries[K, V] = _Entries(
            max_entries=maxsize,
            max_bytes=max_bytes,
            ttl=max(ttl, 0.0) + self.stale_grace,
            timer=clock,
        )
        self._inflight: dict[K, asyncio.Future[V | None]] = {}
        self._generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_in_bytes(self) -> int:
        """The entries' size, as the bound counts it."""
        return int(self._entries.currsize)

    def _sharing(self) -> bool:
        return self.shared is not None and self.shared.store.available

    def get(self, key: K, default: Any = _MISSING) -> Any:
        """The fresh value for `key` in this process, else `default` (always `default` while
        the cache is shared: Redis has the answer, `load` asks it)."""
        value = self._fresh(key, default)
        if value is not default:  # a miss here is counted where the value is then loaded
            metrics.record_cache_lookups(key, hits=1, joined=0, misses=0, entries=len(self))
            metrics.record_cache_bytes(self.size_in_bytes)
        return value

    def _fresh(self, key: K, default: Any) -> Any:
        if self.ttl <= 0 or self._sharing():
            return default
        entry = self._entries.get(key)
        if entry is None or self._clock() - entry[1] >= self.ttl:
            return default
        return entry[0]

    def _get_local(self, key: K) -> Any:
        entry = self._entries.get(key)
        if entry is None or self._clock() - entry[1] >= self.ttl:
            return _MISSING
        return entry[0]

    def get_stale(self, key: K) -> tuple[V | None, float] | None:
        """`(value, age in seconds)` of a kept entry for `key`, fresh or expired, or None."""
        if self.ttl <= 0:
            return None
        entry = self._entries.get(key)
        return None if entry is None else (entry[0], self._clock() - entry[1])

    def prime(self, key: K, value: V | None) -> None:
        if self.ttl <= 0:
            return
        self._entries.put(key, (value, self._clock()))

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

    async def put_many(self, items: Iterable[tuple[K, V | None]], *, replace: bool = False) -> None:
        """`prime` for each item, and in Redis: `replace` for a write's own answer, else
        only where no entry (nor a recent drop) is."""
        entries = dict(items)
        for key, value in entries.items():
            self.prime(key, value)
        if entries and self._sharing():
            assert self.shared is not None
            with contextlib.suppress(StoreUnavailable):
                await self.shared.fill(entries, {}, replace=replace)

    async def forget(self, keys: Iterable[K], namespaces: Iterable[Hashable] = ()) -> None:
        """Drop `keys` and every key of `namespaces`, here and (shared) in Redis, before
        returning. Redis missing the drop keeps it to send before its next read."""
        keys, namespaces = list(keys), set(namespaces)
        for key in keys:
            self.invalidate(key)
        if namespaces:
            self.invalidate_where(lambda key: key[0] in namespaces)  # type: ignore[index]
        if self.shared is None:
            return
        self._unsent.update(keys)
        self._unsent_namespaces.update(namespaces)
        try:
            await self._send_unsent()
        except StoreUnavailable:
            # Other processes read Redis as soon as it is back: send the drops then, without
            # waiting for this process's next read.
            if self._resending is None or self._resending.done():
                self._resending = asyncio.create_task(self._resend_until_sent())

    async def _resend_until_sent(self) -> None:
        assert self.shared is not None
        while self._unsent or self._unsent_namespaces or self._unsent_overflow:
            await asyncio.sleep(self.shared.store.retry_after)
            with contextlib.suppress(StoreUnavailable):
                await self._send_unsent()

    async def _send_unsent(self) -> None:
        """Send the drops Redis has not had yet (raises StoreUnavailable if it still can't)."""
        assert self.shared is not None
        # What is sent now; drops added meanwhile stay for the next send.
        keys, namespaces = set(self._unsent), set(self._unsent_namespaces)
        if self._unsent_overflow or len(keys) > MAX_UNSENT_INVALIDATIONS:
            self._unsent_overflow = True
            await self.shared.clear()
            self._unsent_overflow = False
        else:
            await self.shared.drop(keys, namespaces)
        self._unsent -= keys
        self._unsent_namespaces -= namespaces

    async def _shared_get(self, keys: list[K]) -> tuple[dict[K, Any], dict[str, str], bool]:
        """Values Redis has for `keys`, the namespaces' generations, and whether Redis
        answered; without it, the fresh entries of this process."""
        assert self.shared is not None
        try:
            if self._unsent or self._unsent_namespaces or self._unsent_overflow:
                await self._send_unsent()
            found, generations = await self.shared.get_many(keys)
        except StoreUnavailable:
            local = {key: self._get_local(key) for key in keys}
            return {k: v for k, v in local.items() if v is not _MISSING}, {}, False
        return found, generations, True

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
        sharing = self._sharing()
        for key in keys:
            if key in found or key in waiting:
                continue
            value = _MISSING if sharing else self._fresh(key, _MISSING)
            if value is not _MISSING:
                found[key] = value
            elif (future := self._inflight.get(key)) is not None:
                waiting[key] = future
            else:
                self._inflight[key] = loop.create_future()
                missing.append(key)
        if keys:
            metrics.record_cache_lookups(
                keys[0],
                hits=len(found),
                joined=len(waiting),
                misses=len(missing),
                entries=len(self._entries),
            )
            metrics.record_cache_bytes(self.size_in_bytes)
        if missing:
            try:
                await self._fetch_into(missing, fetch_many, found, shared=sharing)
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
            metrics.record_stale_answer(key)
            if sink is not None:
                sink.append(StaleRead(key, copy[1], exc))
        return True

    async def _fetch_into(
        self,
        missing: list[K],
        fetch_many: FetchMany[K, V | None],
        found: dict[K, V | None],
        *,
        shared: bool = False,
    ) -> None:
        generation = self._generation
        pending = list(missing)
        generations: dict[str, str] = {}
        shared_ok = False
        try:
            if shared:
                hits, generations, shared_ok = await self._shared_get(pending)
                for key, value in hits.items():
                    found[key] = value
                    self.prime(key, value)
                    self._inflight.pop(key).set_result(value)
                pending = [key for key in pending if key not in hits]
            fetched = await fetch_many(pending) if pending else {}
        except BaseException as exc:
            for key in pending:
                future = self._inflight.pop(key)
                future.set_exception(exc)
                future.exception()  # marks it retrieved: nobody else may be waiting
            raise
        keep = generation == self._generation
        for key in pending:
            value = fetched.get(key)
            found[key] = value
            if keep:
                self.prime(key, value)
            self._inflight.pop(key).set_result(value)
        if keep and shared_ok and pending:
            assert self.shared is not None
            with contextlib.suppress(StoreUnavailable):
                await self.shared.fill({key: found[key] for key in pending}, generations)
