"""Idempotency keys for mutations: a retried write returns the first answer instead of
writing twice.

A mutation called with `idempotencyKey` runs through `IdempotencyStore.run` (by way of
`gateway.services.idempotency.idempotent`):

- the first call with a key runs the write and, when it succeeds, remembers its result for
  `ttl` seconds (at most `maxsize` keys and `max_bytes` of encoded results, least recently
  used dropped first);
- a repeat of the key with the same input returns that result without calling any upstream;
- a repeat while the first is still running waits for it (single flight) and shares its
  result, or its error;
- the key with a different input is refused with BAD_USER_INPUT.

With `REDIS_URL`, `gateway.store.idempotency.RedisIdempotencyStore` keeps the keys instead,
for every process (`Idempotency` is what both offer).

Only successes are remembered: a write that failed may be retried with the same key, unless
it may have been applied upstream (sent, and not clearly refused): then a repeat is told
`mayHaveBeenApplied: true` and nothing is sent again. The
input is compared by fingerprint (SHA-256 of the mutation name and its canonical input), and
keys are scoped to the caller (its API key, or its token's issuer, subject and client) so
two callers never share one.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar

import orjson

from gateway.data.cache import UNBOUNDED, SizedTTLCache
from gateway.errors import BadUserInput
from gateway.store import codec
from gateway.store.idempotency import WriteMayHaveBeenApplied
from gateway.upstream.resilience import sent_writes_scope

T = TypeVar("T")

MAX_KEY_LENGTH: Final = 255
#: What a remembered result costs beyond its encoding (key, fingerprint, the cache's links).
ENTRY_OVERHEAD: Final = 300


@dataclass(frozen=True)
class _Done(Generic[T]):
    fingerprint: str
    result: T
    #: The write failed after it may have been applied: there is no result to replay.
    maybe_applied: bool = False


class Idempotency(Protocol):
    """A store of keyed writes' results (in memory here, or in Redis)."""

    async def run(
        self, key: Hashable, fingerprint: str, work: Callable[[], Awaitable[T]]
    ) -> tuple[T, bool]: ...


class IdempotencyStore:
    """Results of keyed writes, TTL- and size-bounded, with single flight per key."""

    def __init__(
        self,
        *,
        ttl: float,
        maxsize: int,
        timer: Callable[[], float] = time.monotonic,
        max_bytes: int = UNBOUNDED,
    ) -> None:
        self.ttl = ttl
        self._done: SizedTTLCache[Hashable, _Done[Any]] = SizedTTLCache(
            max_entries=maxsize,
            max_bytes=max_bytes,
            ttl=max(ttl, 1e-9),
            timer=timer,
            getsizeof=_encoded_size,
        )
        self._inflight: dict[Hashable, tuple[str, asyncio.Future[Any]]] = {}

    def __len__(self) -> int:
        return len(self._done)

    @property
    def size_in_bytes(self) -> int:
        """The remembered results' size, as the bound counts it."""
        return int(self._done.currsize)

    async def run(
        self, key: Hashable, fingerprint: str, work: Callable[[], Awaitable[T]]
    ) -> tuple[T, bool]:
        """`(result, replayed)`: `work()`'s result, or the remembered one for a repeat."""
        while True:
            done = self._done.get(key) if self.ttl > 0 else None
            if done is not None:
                check_same(done.fingerprint, fingerprint)
                if done.maybe_applied:
                    raise WriteMayHaveBeenApplied()
                return done.result, True
            inflight = self._inflight.get(key)
            if inflight is None:
                return await self._lead(key, fingerprint, work), False
            check_same(inflight[0], fingerprint)
            future = inflight[1]
            try:
                return await asyncio.shield(future), True
            except asyncio.CancelledError:
                # The first caller went away before finishing: take over, unless it is this
                # request that is being cancelled.
                task = asyncio.current_task()
                if not future.cancelled() or (task is not None and task.cancelling()):
                    raise

    async def _lead(self, key: Hashable, fingerprint: str, work: Callable[[], Awaitable[T]]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._inflight[key] = (fingerprint, future)
        try:
            with sent_writes_scope() as writes:
                try:
                    result = await work()
                except BaseException:
                    if writes.maybe_applied and self.ttl > 0:  # never sent again
                        self._done[key] = _Done(fingerprint, None, maybe_applied=True)
                    raise
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting
            raise
        else:
            if self.ttl > 0:
                self._remember(key, _Done(fingerprint, result))
            future.set_result(result)
            return result
        finally:
            self._inflight.pop(key, None)

    def _remember(self, key: Hashable, done: _Done[Any]) -> None:
        # Larger than the whole bound: not kept, and a repeat runs the write again.
        self._done.put(key, done)


def _encoded_size(done: _Done[Any]) -> int:
    return len(codec.dumps(done.result)) + ENTRY_OVERHEAD


def check_same(stored: str, given: str) -> None:
    """BAD_USER_INPUT unless a key's stored fingerprint is the one given."""
    if stored != given:
        raise BadUserInput(
            "idempotencyKey: this key was already used with a different input; use a new key "
            "for a new write",
            argument="idempotencyKey",
        )


def fingerprint(field: str, material: Any) -> str:
    """SHA-256 of a mutation name and its canonical input (JSON with sorted keys)."""
    encoded = orjson.dumps(
        {"field": field, "input": material}, option=orjson.OPT_SORT_KEYS, default=str
    )
    return hashlib.sha256(encoded).hexdigest()


def check_key(key: str) -> str:
    """The key as given, or BAD_USER_INPUT when it cannot be one."""
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadUserInput(
            f"idempotencyKey: give 1 to {MAX_KEY_LENGTH} printable characters, e.g. a UUID",
            argument="idempotencyKey",
        )
    return key


__all__ = [
    "MAX_KEY_LENGTH",
    "Idempotency",
    "IdempotencyStore",
    "check_key",
    "check_same",
    "fingerprint",
]
