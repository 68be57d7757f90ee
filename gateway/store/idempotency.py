"""Idempotency keys shared by every process: `RedisIdempotencyStore`.

A keyed write first claims its key with `SET NX` (a lease as long as a request may run), so
exactly one process runs it; its answer then replaces the claim for the key's TTL. A repeat
on any replica replays that answer, or, while the claim stands, waits for it (polling, within
the request's deadline) and is told the write is still in progress if it does not come. A
failed write releases its claim, so it may be retried with the same key.

If Redis cannot be reached, a keyed write is refused before anything is sent: it never runs
without the guarantee it asked for.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Final, TypeVar

import orjson

from gateway.errors import GatewayError
from gateway.store import codec
from gateway.store.redis import RedisStore, StoreUnavailable
from gateway.upstream.resilience import current_deadline

logger = logging.getLogger("gateway.store")

T = TypeVar("T")

#: Seconds between two looks at a key another process is writing under.
POLL_INTERVAL: Final = 0.05

# KEYS[1]: the key; ARGV[1]: the owner. Deletes the claim only if it is still ours.
_RELEASE = """
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw)['o'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class WriteInProgress(GatewayError):
    """Another request with the same key is still writing."""

    code = "UPSTREAM_UNAVAILABLE"

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            "idempotencyKey: the first call with this key is still running; retry in a "
            "moment to get its answer",
            argument="idempotencyKey",
            retryAfterSeconds=round(retry_after, 1),
            mayHaveBeenApplied=False,
        )


class RedisIdempotencyStore:
    """Results of keyed writes in Redis, one writer per key across processes.

    Args:
        store: the shared Redis.
        ttl: seconds an answer is remembered (`IDEMPOTENCY_TTL_SECONDS`).
        lease: seconds a claim holds without an answer (a crashed writer's key frees after).
    """

    def __init__(
        self,
        store: RedisStore,
        *,
        ttl: float,
        lease: float,
        check: Callable[[str, str], None],
        poll: float = POLL_INTERVAL,
    ) -> None:
        self.store = store
        self.ttl_ms = max(round(ttl * 1000), 1)
        self.lease_ms = max(round(lease * 1000), 1)
        self._check = check
        self._poll = poll
        self._release = store.client.register_script(_RELEASE)

    def _key(self, key: Hashable) -> str:
        digest = hashlib.sha256(orjson.dumps(key, default=str)).hexdigest()
        return self.store.key("idem", digest)

    async def run(
        self, key: Hashable, fingerprint: str, work: Callable[[], Awaitable[T]]
    ) -> tuple[T, bool]:
        """`(result, replayed)`: `work()`'s result, or the remembered one for a repeat.

        Raises:
            StoreUnavailable: Redis cannot be reached; nothing was written.
            WriteInProgress: the first call is still running past this request's deadline.
        """
        name = self._key(key)
        owner = uuid.uuid4().hex
        claim = orjson.dumps({"s": "run", "f": fingerprint, "o": owner})
        while True:
            stored = await self._claim_or_read(name, claim)
            if stored is None:
                return await self._lead(name, owner, fingerprint, work), False
            entry = orjson.loads(stored)
            self._check(entry["f"], fingerprint)
            if entry["s"] == "done":
                return codec.loads(entry["r"]), True
            deadline = current_deadline()
            if deadline is not None and deadline.remaining() <= self._poll:
                raise WriteInProgress(self._poll * 4)
            await asyncio.sleep(self._poll)

    async def _claim_or_read(self, name: str, claim: bytes) -> bytes | None:
        """None when this call now owns the key, else what the key holds."""

        async def claim_or_get(client: Any) -> bytes | None:
            async with client.pipeline(transaction=False) as pipe:
                pipe.set(name, claim, nx=True, px=self.lease_ms)
                pipe.get(name)
                claimed, stored = await pipe.execute()
            return None if claimed else stored

        try:
            return await self.store.run(claim_or_get)
        except StoreUnavailable:
            raise StoreUnavailable(
                "idempotencyKey: the shared store (Redis) that makes a keyed write safe cannot "
                "be reached, so nothing was written; retry in a moment",
                retry_after=self.store.retry_after,
            ) from None

    async def _lead(
        self, name: str, owner: str, fingerprint: str, work: Callable[[], Awaitable[T]]
    ) -> T:
        try:
            result = await work()
        except BaseException:
            try:
                await self.store.run(
                    lambda client: self._release(keys=[name], args=[owner], client=client)
                )
            except StoreUnavailable:
                logger.warning("could not release an idempotency key; it frees with its lease")
            raise
        done = orjson.dumps({"s": "done", "f": fingerprint, "r": codec.dumps(result).decode()})
        try:
            await self.store.run(lambda client: client.set(name, done, px=self.ttl_ms))
        except StoreUnavailable:
            logger.warning(
                "the answer to an idempotent write could not be stored; a repeat after its "
                "lease may write again"
            )
        return result


__all__ = ["POLL_INTERVAL", "RedisIdempotencyStore", "WriteInProgress"]
