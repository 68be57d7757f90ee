"""Idempotency keys shared by every process: `RedisIdempotencyStore`.

A keyed write first claims its key with `SET NX`, so exactly one process runs it; the claim
carries a lease (as long as a request may run) and lives as long as an answer would. Its
answer then replaces the claim for the key's TTL. A repeat on any replica replays that
answer, or, while the lease runs, waits for it (polling, within the request's deadline) and
is told the write is still in progress if it does not come.

Once an upstream write may have happened, the key is never freed for a resend:

- a write that failed before anything was sent upstream (or that the upstream clearly
  refused) releases its claim, so it may be retried with the same key;
- a write that may have been applied but whose answer cannot be stored (the request failed
  after the write, or Redis did) leaves the key as "maybe applied": a repeat is told
  `mayHaveBeenApplied: true` instead of writing again. A claim whose lease ran out without
  an answer (its process died, or could not reach Redis) means the same.

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
from gateway.upstream.resilience import current_deadline, sent_writes_scope

logger = logging.getLogger("gateway.store")

T = TypeVar("T")

#: Seconds between two looks at a key another process is writing under.
POLL_INTERVAL: Final = 0.05

# KEYS[1]: the key; ARGV[1]: the owner; ARGV[2]: the new value ('' deletes); ARGV[3]: ttl
# (ms). Replaces the claim only if it is still ours.
_SETTLE = """
local raw = redis.call('GET', KEYS[1])
if not raw or cjson.decode(raw)['o'] ~= ARGV[1] then return 0 end
if ARGV[2] == '' then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
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


class WriteMayHaveBeenApplied(GatewayError):
    """The first call with this key may have written upstream, and its answer was lost."""

    code = "UPSTREAM_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__(
            "idempotencyKey: the first call with this key may have written upstream, but its "
            "answer was lost; it is not sent again. Check the record before writing it again "
            "with a new key",
            argument="idempotencyKey",
            mayHaveBeenApplied=True,
        )


class RedisIdempotencyStore:
    """Results of keyed writes in Redis, one writer per key across processes.

    Args:
        store: the shared Redis.
        ttl: seconds an answer is remembered (`IDEMPOTENCY_TTL_SECONDS`).
        lease: seconds a claim waits for its answer; past it, the write counts as maybe
            applied (a crashed writer's repeat is not sent again).
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
        self._settle = store.client.register_script(_SETTLE)

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
            WriteMayHaveBeenApplied: the first call may have written, and left no answer.
        """
        name = self._key(key)
        owner = uuid.uuid4().hex
        claim = orjson.dumps({"s": "run", "f": fingerprint, "o": owner})
        while True:
            found = await self._claim_or_read(name, claim)
            if found is None:
                return await self._lead(name, owner, fingerprint, work), False
            stored, age_ms = found
            if not stored:
                continue
            entry = orjson.loads(stored)
            self._check(entry["f"], fingerprint)
            if entry["s"] == "done":
                return codec.loads(entry["r"]), True
            if entry["s"] == "maybe" or age_ms >= self.lease_ms:
                raise WriteMayHaveBeenApplied()
            deadline = current_deadline()
            if deadline is not None and deadline.remaining() <= self._poll:
                raise WriteInProgress(self._poll * 4)
            await asyncio.sleep(self._poll)

    async def _claim_or_read(self, name: str, claim: bytes) -> tuple[bytes, int] | None:
        """None when this call now owns the key, else what the key holds and how long ago
        (ms, on Redis's clock) it was written."""
        # The claim lives as long as an answer would: after a failure it still stops a resend.
        life = max(self.ttl_ms, self.lease_ms)

        async def claim_or_get(client: Any) -> tuple[bytes, int] | None:
            async with client.pipeline(transaction=False) as pipe:
                pipe.set(name, claim, nx=True, px=life)
                pipe.get(name)
                pipe.pttl(name)
                claimed, stored, left = await pipe.execute()
            if claimed:
                return None
            # No value: the key expired between the two commands; the caller tries again.
            return (stored or b"", life - left if left > 0 else life)

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
        with sent_writes_scope() as writes:
            try:
                result = await work()
            except BaseException:
                await self._settle_failed(name, owner, fingerprint, writes.maybe_applied)
                raise
        done = orjson.dumps({"s": "done", "f": fingerprint, "r": codec.dumps(result).decode()})
        await self._replace(name, owner, done, "the answer to an idempotent write")
        return result

    async def _settle_failed(self, name: str, owner: str, fingerprint: str, maybe: bool) -> None:
        """Free the key of a write that did not happen; mark one that may have."""
        if not maybe:
            await self._replace(name, owner, b"", "the release of an unused idempotency key")
            return
        value = orjson.dumps({"s": "maybe", "f": fingerprint})
        await self._replace(name, owner, value, "a failed write's idempotency key")

    async def _replace(self, name: str, owner: str, value: bytes, what: str) -> None:
        try:
            await self.store.run(
                lambda client: self._settle(
                    keys=[name], args=[owner, value, self.ttl_ms], client=client
                )
            )
        except StoreUnavailable:
            # The claim stays: a repeat waits for its lease, then is told "maybe applied".
            logger.warning("%s could not be stored; the key stays claimed", what)


__all__ = ["POLL_INTERVAL", "RedisIdempotencyStore", "WriteInProgress", "WriteMayHaveBeenApplied"]
