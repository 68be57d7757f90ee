"""The Mews rate window shared by every process: `RedisWindowLimiter`.

Mews allows `limit` calls per AccessToken in any `window` seconds, whoever sends them. One
sorted set per AccessToken (under the prefix, named by a hash of the token) holds the start
times of the calls taken in the last window, future reservations included; one Lua script
reads Redis's clock, drops what is out of the window, and takes the next free slot, so no two
processes can take the same one. Slots are spaced by `window + margin`: a call arrives
anywhere from its start to `margin` later, so the upstream, counting by arrival, never sees
more than `limit` calls in one window.

When Redis cannot be reached the limiter falls back to this process's own window (the
in-memory `SlidingWindowLimiter`), so reads go on; the shared guarantee is back with Redis.
That window holds this process's share of the limit (the limit divided by the processes
sharing the token: workers times `GATEWAY_REPLICAS`), so that together they stay within it.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid

from gateway.store.redis import RedisStore, StoreUnavailable
from gateway.upstream.resilience import Budget, SlidingWindowLimiter, Slot

# KEYS[1]: start times (ms) of the slots taken; KEYS[2]: paused-until (ms).
# ARGV: limit, spacing (window + margin, ms), max wait (ms, -1: none), member, take (1/0).
# Returns {wait ms, taken 1/0, slots free now}.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, spacing = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - spacing)
local start = now
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > start then start = paused end
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  local free = tonumber(oldest[2]) + spacing
  if free > start then start = free end
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) > start then start = tonumber(last[2]) end
local wait = start - now
local free_now = limit - n
if free_now < 0 then free_now = 0 end
local max_wait = tonumber(ARGV[3])
if ARGV[5] ~= '1' or (max_wait >= 0 and wait > 0 and wait >= max_wait) then
  return {wait, 0, free_now}
end
redis.call('ZADD', KEYS[1], start, ARGV[4])
redis.call('PEXPIRE', KEYS[1], wait + spacing + 1000)
return {wait, 1, free_now}
"""

# KEYS[1]: paused-until (ms); ARGV[1]: pause (ms). Extends, never shortens.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms
"""


class RedisWindowLimiter:
    """At most `limit` calls per `window` seconds for one AccessToken, across processes.

    Args:
        store: the shared Redis.
        token: the AccessToken (only its hash reaches Redis).
        limit, window: the upstream's limit.
        margin: extra spacing so that arrival, not sending, stays within the limit.
        processes: how many processes share the token; the fallback keeps their share.
    """

    def __init__(
        self,
        store: RedisStore,
        token: str,
        *,
        limit: int,
        window: float,
        margin: float = 0.0,
        processes: int = 1,
    ) -> None:
        #: This process's own window, its share of the limit: the fallback while Redis is away.
        self.local = SlidingWindowLimiter(max(1, limit // processes), window, margin=margin)
        self.limit, self.window, self.margin = limit, window, margin
        self._store = store
        # Keys of one script share a hash tag (after the prefix, so that one ACL key pattern
        # covers them), so they land in one Cluster slot.
        tag = store.tagged("rate:mews:" + hashlib.sha256(token.encode()).hexdigest()[:24])
        self._keys = [tag + ":slots", tag + ":paused"]
        self._take = store.client.register_script(_TAKE)
        self._pause = store.client.register_script(_PAUSE)

    def __repr__(self) -> str:
        return f"RedisWindowLimiter(limit={self.limit}, window={self.window}, margin={self.margin})"

    async def _call(self, *, take: bool, max_wait: float | None) -> tuple[float, bool, int]:
        spacing_ms = round((self.window + self.margin) * 1000)
        max_wait_ms = -1 if max_wait is None else max(round(max_wait * 1000), 0)
        member = uuid.uuid4().hex
        wait_ms, taken, free = await self._store.run(
            lambda client: self._take(
                keys=self._keys,
                args=[self.limit, spacing_ms, max_wait_ms, member, 1 if take else 0],
                client=client,
            )
        )
        return int(wait_ms) / 1000, bool(taken), int(free)

    async def acquire(self, *, max_wait: float | None = None) -> Slot:
        try:
            wait, taken, free = await self._call(take=True, max_wait=max_wait)
        except StoreUnavailable:
            return await self.local.acquire(max_wait=max_wait)
        return Slot(granted=taken, wait=max(wait, 0.0), free=free)

    async def hold(self, seconds: float) -> None:
        self.local.pause(seconds)
        # Without Redis, held back here only: the shared pause is lost with it.
        with contextlib.suppress(StoreUnavailable):
            await self._store.run(
                lambda client: self._pause(
                    keys=self._keys[1:], args=[max(round(seconds * 1000), 1)], client=client
                )
            )

    async def budget(self) -> Budget:
        try:
            wait, _, free = await self._call(take=False, max_wait=None)
        except StoreUnavailable:
            return await self.local.budget()
        return Budget(remaining=free, next_free_in=max(wait, 0.0))


__all__ = ["RedisWindowLimiter"]
