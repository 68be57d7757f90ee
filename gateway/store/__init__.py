"""State shared by every process and replica of the gateway, on Redis (`REDIS_URL`).

Without `REDIS_URL` one process keeps everything in memory, as before: the read cache
(`gateway.data.cache`), idempotency keys (`gateway.data.idempotency`), the Mews rate
window (`gateway.upstream.resilience`) and the links between Fullwhere and Mews ids
(`gateway.store.links`). With it, each of those has a Redis side here:

- `redis`: the connection (`RedisStore`): key prefix, bounded timeouts, and a short pause
  after a failure so that an outage costs each request one check, not one timeout;
- `cache`: the shared layer of the read cache, with invalidation everywhere;
- `idempotency`: keys claimed atomically before the write;
- `limiter`: one sliding window per AccessToken (an atomic Lua script);
- `links`: the Fullwhere customer each Mews guest belongs to;
- `codec`: compact values (orjson) for remembered mutation answers;
- `private`: a private `redis-server` for `gateway serve --workers N`.
"""

from gateway.store.redis import RedisStore, StoreUnavailable, connect

__all__ = ["RedisStore", "StoreUnavailable", "connect"]
