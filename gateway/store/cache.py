"""The Redis side of the read cache: `RedisCacheLayer`.

Keys are tuples whose first item names a namespace. Records by id (`("mews", id)`) are one
Redis string each; everything that embeds records (list pages, searches, email lookups) lives
in one hash per namespace, so that a write drops a whole namespace with one `DEL`.

Read-your-writes across processes, with reads in flight elsewhere:

- a dropped record key is replaced by a tombstone for `tombstone_ttl` (longer than any read
  may take); reads fill records only with `SET NX`, so a read that started before the write
  cannot put the old record back, while the write's own answer overwrites the tombstone;
- a namespace hash carries a generation (`~gen`) that a drop increments; a read fills its
  entry only if the generation is still the one it saw before fetching. The hash expires
  `ttl` after its first fill, taking its entries with it, so none is older than `ttl`.

Values are orjson; every key has a TTL.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any, Final

import orjson

from gateway.store.redis import RedisStore

Key = tuple[Hashable, ...]

TOMBSTONE: Final = b"~"
_GEN: Final = "~gen"

# KEYS[1]: the namespace hash. ARGV: generation seen ('' = none), ttl (ms), field, value...
_FILL_GROUP = """
local gen = redis.call('HGET', KEYS[1], '~gen') or ''
if gen ~= ARGV[1] then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
if gen == '' then redis.call('HSET', KEYS[1], '~gen', '0') end
-- The hash lives `ttl` from its first fill: no entry in it is ever older than that.
if redis.call('HSETNX', KEYS[1], '~filled', '1') == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
"""

# KEYS[1]: the namespace hash. ARGV[1]: ttl (ms). Drops every entry, bumps the generation.
_DROP_GROUP = """
local gen = tonumber(redis.call('HGET', KEYS[1], '~gen') or '0') + 1
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '~gen', gen)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return gen
"""


def _field(key: Key) -> str:
    return orjson.dumps(key[1:], default=str).decode()


class RedisCacheLayer:
    """Shared cache entries on Redis (see the module's docstring).

    Args:
        store: the shared Redis.
        ttl: seconds an entry is fresh (`CACHE_TTL_SECONDS`).
        grouped: namespaces kept as one hash each (pages, searches, lookups).
        tombstone_ttl: seconds a dropped record key refuses fills from older reads.
    """

    def __init__(
        self, store: RedisStore, *, ttl: float, grouped: Collection[str], tombstone_ttl: float
    ) -> None:
        self.store = store
        self.ttl_ms = max(round(ttl * 1000), 1)
        self.tombstone_ms = max(round(tombstone_ttl * 1000), 1)
        self.grouped = frozenset(grouped)
        self._fill_group = store.client.register_script(_FILL_GROUP)
        self._drop_group = store.client.register_script(_DROP_GROUP)

    def _record_key(self, key: Key) -> str:
        return self.store.key("c", str(key[0]), *(str(part) for part in key[1:]))

    def _group_key(self, namespace: Hashable) -> str:
        return self.store.key("c", str(namespace))

    async def get_many(self, keys: Sequence[Any]) -> tuple[dict[Any, Any], dict[str, str]]:
        """Fresh values found for `keys`, and the generation of each namespace asked.

        Raises:
            StoreUnavailable: Redis failed.
        """
        records = [key for key in keys if key[0] not in self.grouped]
        groups: dict[str, list[Key]] = {}
        for key in keys:
            if key[0] in self.grouped:
                groups.setdefault(str(key[0]), []).append(key)

        names = [self._record_key(key) for key in records]
        # One MGET on one Redis; one GET each on a Cluster (the records' keys span slots).
        apart = self.store.clustered

        def read(pipe: Any) -> None:
            if names and apart:
                for name in names:
                    pipe.get(name)
            elif names:
                pipe.mget(names)
            for namespace, members in groups.items():
                pipe.hmget(self._group_key(namespace), [_GEN, *map(_field, members)])

        replies = await self.store.run(lambda client: self.store.pipeline(client, read))
        found: dict[Key, Any] = {}
        if records:
            values = replies[: len(names)] if apart else replies[0]
            replies = replies[len(names) :] if apart else replies[1:]
            for key, raw in zip(records, values, strict=True):
                if raw is not None and raw != TOMBSTONE:
                    found[key] = orjson.loads(raw)
        generations: dict[str, str] = {}
        for (namespace, members), reply in zip(groups.items(), replies, strict=True):
            generation, *values = reply
            generations[namespace] = generation.decode() if generation is not None else ""
            for key, raw in zip(members, values, strict=True):
                if raw is not None:
                    found[key] = orjson.loads(raw)
        return found, generations

    async def fill(
        self, items: Mapping[Any, Any], generations: Mapping[str, str], *, replace: bool = False
    ) -> None:
        """Store what a read fetched: record keys only where nothing is (a tombstone
        included), unless `replace` (a write's own answer); namespace entries only while
        the namespace's generation is the one in `generations`.

        Raises:
            StoreUnavailable: Redis failed.
        """
        records = {k: v for k, v in items.items() if k[0] not in self.grouped}
        groups: dict[str, list[tuple[Key, Any]]] = {}
        for key, value in items.items():
            if key[0] in self.grouped:
                groups.setdefault(str(key[0]), []).append((key, value))
        if not records and not groups:
            return

        def sets(pipe: Any) -> None:
            for key, value in records.items():
                pipe.set(self._record_key(key), orjson.dumps(value), px=self.ttl_ms, nx=not replace)

        calls = []
        for namespace, entries in groups.items():
            args: list[Any] = [generations.get(namespace, ""), self.ttl_ms]
            for key, value in entries:
                args += [_field(key), orjson.dumps(value)]
            calls.append(([self._group_key(namespace)], args))
        await self.store.run(
            lambda client: self.store.pipeline(client, sets, self._fill_group, calls)
        )

    async def drop(self, keys: Iterable[Any], namespaces: Iterable[Hashable] = ()) -> None:
        """Tombstone record `keys` and empty whole `namespaces`, everywhere.

        Raises:
            StoreUnavailable: Redis failed.
        """
        record_keys = [self._record_key(key) for key in keys]
        group_keys = [self._group_key(namespace) for namespace in namespaces]
        if not record_keys and not group_keys:
            return

        def tombstones(pipe: Any) -> None:
            for name in record_keys:
                pipe.set(name, TOMBSTONE, px=self.tombstone_ms)

        calls = [([name], [self.tombstone_ms]) for name in group_keys]
        await self.store.run(
            lambda client: self.store.pipeline(client, tombstones, self._drop_group, calls)
        )

    async def clear(self) -> None:
        """Drop every cache entry under the prefix (after more missed drops than are kept).

        Raises:
            StoreUnavailable: Redis failed.
        """

        async def wipe(client: Any) -> None:
            names = [name async for name in client.scan_iter(match=self.store.key("c", "*"))]
            for start in range(0, len(names), 500):
                await client.delete(*names[start : start + 500])

        await self.store.run(wipe)


__all__ = ["TOMBSTONE", "RedisCacheLayer"]
