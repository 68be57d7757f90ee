"""The identity index in Redis: one index for every process and replica (`REDIS_URL`).

Keys, under the store's prefix:

| key | type | holds |
|---|---|---|
| `id:f:<id>`, `id:m:<id>` | string | one record's entry (orjson; a guest's has its place) |
| `id:linked:<mews id>` | sorted set | the Fullwhere ids linking the guest, scored by link method |
| `id:email:<key>`, `id:phone:<key>` | set | record refs (`f:<id>`, `m:<id>`) |
| `id:names` | sorted set | `<name key>\\0<ref>`, all score 0: prefix ranges by `ZRANGEBYLEX` |
| `id:people:<METHOD>` | sorted set | person ids by link method, all score 0: keyset pages |
| `id:state` | string | the sync's state (JSON) |
| `id:lock` | string | the sync lock's token, with an expiry |

Equal scores sort by member, so `id:linked:*` lists a guest's Fullwhere ids in the index's
canonical order (a `mewsId` link first, then by id) and `id:people:*` pages in id order.
Every key carries a TTL, refreshed by each sync run, so an index nobody refreshes expires.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any, Final

import orjson

from gateway.identity.index import (
    FULLWHERE_PREFIX,
    LINK_METHODS,
    MAX_NAME_MATCHES,
    MEWS_ONLY,
    MEWS_PREFIX,
    FullwhereEntry,
    IdentityIndex,
    Lookup,
    LookupTooBroad,
    MewsEntry,
    Page,
    Place,
    SyncState,
    link_order,
)
from gateway.identity.lock import DEFAULT_LOCK_TTL, SyncLock
from gateway.store.redis import RedisStore

#: Index keys outlive several missed sync runs, then expire.
DEFAULT_INDEX_TTL: Final = 7 * 24 * 3600


def _entry_bytes(entry: FullwhereEntry | MewsEntry) -> bytes:
    data = {k: v for k, v in entry.__dict__.items() if v not in (None, frozenset())}
    if "names" in data:
        data["names"] = sorted(data["names"])
    return orjson.dumps(data)


def _fullwhere(raw: bytes) -> FullwhereEntry:
    data = orjson.loads(raw)
    return FullwhereEntry(**{**data, "names": frozenset(data.get("names", ()))})


def _mews(raw: bytes) -> MewsEntry:
    data = orjson.loads(raw)
    return MewsEntry(**{**data, "names": frozenset(data.get("names", ()))})


class RedisIdentityIndex(IdentityIndex):
    """The index in Redis.

    Args:
        store: the shared store (`gateway.store.RedisStore`).
        ttl: seconds every index key lives after it was last written.
    """

    def __init__(self, store: RedisStore, *, ttl: int = DEFAULT_INDEX_TTL) -> None:
        self.store = store
        self.ttl = ttl

    def _k(self, *parts: str) -> str:
        return self.store.key("id", *parts)

    async def _get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        found: list[bytes | None] = await self.store.run(
            lambda client: self.store.get_many(client, keys)
        )
        return found

    # -- writes --------------------------------------------------------------------------

    async def put_fullwhere(self, entries: Iterable[FullwhereEntry]) -> None:
        batch = list(entries)
        if not batch:
            return
        olds = await self._get_many([self._k("f", e.id) for e in batch])

        async def write(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for entry, raw in zip(batch, olds, strict=True):
                    if raw is not None:
                        old = _fullwhere(raw)
                        self._unkey(pipe, f"f:{old.id}", old.email, old.phone, old.names)
                        self._unpeople(pipe, FULLWHERE_PREFIX + old.id, old.method)
                        if old.mews_id and old.mews_id != entry.mews_id:
                            pipe.zrem(self._k("linked", old.mews_id), old.id)
                    pipe.set(self._k("f", entry.id), _entry_bytes(entry), ex=self.ttl)
                    self._key(pipe, f"f:{entry.id}", entry.email, entry.phone, entry.names)
                    self._people(pipe, FULLWHERE_PREFIX + entry.id, entry.method)
                    if entry.mews_id:
                        linked = self._k("linked", entry.mews_id)
                        pipe.zadd(linked, {entry.id: link_order(entry.method, entry.id)[0]})
                        pipe.expire(linked, self.ttl)
                        # A guest with a link is no longer Mews-only.
                        pipe.zrem(self._k("people", MEWS_ONLY), MEWS_PREFIX + entry.mews_id)
                self._expire_shared(pipe)
                await pipe.execute()

        await self.store.run(write)
        # A guest that lost its last link becomes Mews-only again (if Mews has it).
        dropped = [
            _fullwhere(raw).mews_id
            for raw, entry in zip(olds, batch, strict=True)
            if raw is not None and _fullwhere(raw).mews_id not in (None, entry.mews_id)
        ]
        await self._recheck_mews_only([m for m in dropped if m])

    async def _recheck_mews_only(self, mews_ids: Sequence[str]) -> None:
        if not mews_ids:
            return

        async def check(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for mews_id in mews_ids:
                    pipe.exists(self._k("m", mews_id))
                    pipe.zcard(self._k("linked", mews_id))
                found = await pipe.execute()
            orphans = [
                m
                for m, exists, links in zip(mews_ids, found[::2], found[1::2], strict=True)
                if exists and not links
            ]
            if orphans:
                key = self._k("people", MEWS_ONLY)
                await client.zadd(key, {MEWS_PREFIX + m: 0 for m in orphans})

        await self.store.run(check)

    async def put_mews(self, entries: Iterable[MewsEntry]) -> None:
        batch = list(entries)
        if not batch:
            return
        olds = await self._get_many([self._k("m", e.id) for e in batch])
        linked = await self.store.run(lambda client: self._link_counts(client, batch))

        async def write(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for entry, raw, links in zip(batch, olds, linked, strict=True):
                    if raw is not None:
                        old = _mews(raw)
                        self._unkey(pipe, f"m:{old.id}", old.email, old.phone, old.names)
                    pipe.set(self._k("m", entry.id), _entry_bytes(entry), ex=self.ttl)
                    self._key(pipe, f"m:{entry.id}", entry.email, entry.phone, entry.names)
                    if not links:
                        self._people(pipe, MEWS_PREFIX + entry.id, MEWS_ONLY)
                self._expire_shared(pipe)
                await pipe.execute()

        await self.store.run(write)

    async def _link_counts(self, client: Any, batch: list[MewsEntry]) -> list[int]:
        async with client.pipeline(transaction=False) as pipe:
            for entry in batch:
                pipe.zcard(self._k("linked", entry.id))
            counts: list[int] = await pipe.execute()
        return counts

    def _key(
        self, pipe: Any, ref: str, email: str | None, phone: str | None, names: frozenset[str]
    ) -> None:
        for kind, value in (("email", email), ("phone", phone)):
            if value:
                pipe.sadd(self._k(kind, value), ref)
                pipe.expire(self._k(kind, value), self.ttl)
        if names:
            pipe.zadd(self._k("names"), {f"{name}\0{ref}": 0 for name in names})

    def _unkey(
        self, pipe: Any, ref: str, email: str | None, phone: str | None, names: frozenset[str]
    ) -> None:
        for kind, value in (("email", email), ("phone", phone)):
            if value:
                pipe.srem(self._k(kind, value), ref)
        if names:
            pipe.zrem(self._k("names"), *(f"{name}\0{ref}" for name in names))

    def _people(self, pipe: Any, person: str, method: str) -> None:
        pipe.zadd(self._k("people", method), {person: 0})

    def _expire_shared(self, pipe: Any) -> None:
        """Refresh the TTL of the keys every record writes to, once per batch."""
        for key in (self._k("names"), *(self._k("people", m) for m in LINK_METHODS)):
            pipe.expire(key, self.ttl)

    def _unpeople(self, pipe: Any, person: str, method: str) -> None:
        pipe.zrem(self._k("people", method), person)

    # -- reads ---------------------------------------------------------------------------

    async def linked_from(self, mews_id: str) -> list[str]:
        return (await self.linked_from_many([mews_id]))[0]

    async def linked_from_many(self, mews_ids: Sequence[str]) -> list[list[str]]:
        async def read(client: Any) -> list[list[str]]:
            async with client.pipeline(transaction=False) as pipe:
                for mews_id in mews_ids:
                    pipe.zrange(self._k("linked", mews_id.lower()), 0, -1)
                found = await pipe.execute()
            return [[m.decode() for m in members] for members in found]

        return await self.store.run(read)

    async def _persons(self, refs: Iterable[str]) -> set[str]:
        refs = list(refs)
        guests = [ref[2:] for ref in refs if ref.startswith("m:")]
        canonical = await self.linked_from_many(guests) if guests else []
        by_guest = dict(zip(guests, canonical, strict=True))
        people = set()
        for ref in refs:
            kind, raw = ref[0], ref[2:]
            if kind == "f":
                people.add(FULLWHERE_PREFIX + raw)
            else:
                linked = by_guest[raw]
                people.add(FULLWHERE_PREFIX + linked[0] if linked else MEWS_PREFIX + raw)
        return people

    async def _members(self, key: str) -> set[bytes]:
        members: set[bytes] = await self.store.run(lambda client: client.smembers(key))
        return members

    async def _candidates(self, lookup: Lookup) -> set[str] | None:
        """People matching the key criteria; None when there are none (links only)."""
        found: set[str] | None = None
        for kind, value in (("email", lookup.email), ("phone", lookup.phone)):
            if value is not None:
                key = self._k(kind, value)
                refs = await self._members(key)
                people = await self._persons(r.decode() for r in refs)
                found = people if found is None else found & people
        if lookup.name is not None:
            low = f"[{lookup.name}".encode()
            high = low + b"\xff"  # above every UTF-8 byte: the end of the prefix's range
            hits = await self.store.run(
                lambda client: client.zrangebylex(
                    self._k("names"), low, high, start=0, num=MAX_NAME_MATCHES + 1
                )
            )
            if len(hits) > MAX_NAME_MATCHES:
                raise LookupTooBroad()
            people = await self._persons(h.decode().split("\0", 1)[1] for h in hits)
            found = people if found is None else found & people
        return found

    async def _methods_of(self, people: list[str], links: frozenset[str]) -> list[str]:
        async def read(client: Any) -> list[str]:
            async with client.pipeline(transaction=False) as pipe:
                for person in people:
                    for method in links:
                        pipe.zscore(self._k("people", method), person)
                scores = await pipe.execute()
            width = len(links)
            return [
                person
                for i, person in enumerate(people)
                if any(s is not None for s in scores[i * width : (i + 1) * width])
            ]

        return await self.store.run(read) if people else []

    async def find(self, lookup: Lookup, *, after: str | None, limit: int) -> Page:
        links = lookup.links if lookup.links is not None else frozenset(LINK_METHODS)
        candidates = await self._candidates(lookup)
        if candidates is not None:
            people = sorted(candidates)
            if lookup.links is not None:
                people = await self._methods_of(people, links)
            chosen = [p for p in people if after is None or p > after]
            return Page(chosen[:limit], len(chosen) > limit, len(people))
        return await self._page_of_methods(sorted(links), after, limit)

    async def _page_of_methods(self, methods: list[str], after: str | None, limit: int) -> Page:
        """Keyset page over the union of the per-method sets (disjoint: one method each)."""
        low = b"-" if after is None else f"({after}".encode()

        async def read(client: Any) -> tuple[list[list[bytes]], list[int]]:
            async with client.pipeline(transaction=False) as pipe:
                for method in methods:
                    key = self._k("people", method)
                    pipe.zrangebylex(key, low, b"+", start=0, num=limit + 1)
                for method in methods:
                    pipe.zcard(self._k("people", method))
                found = await pipe.execute()
            return found[: len(methods)], found[len(methods) :]

        pages, sizes = await self.store.run(read)
        merged = sorted(m.decode() for page in pages for m in page)
        return Page(merged[:limit], len(merged) > limit, sum(sizes))

    # -- state -------------------------------------------------------------------------------

    async def mews_places(self, mews_ids: Sequence[str]) -> list[Place | None]:
        raw = await self._get_many([self._k("m", mews_id.lower()) for mews_id in mews_ids])
        return [None if value is None else _mews(value).place for value in raw]

    async def state(self) -> SyncState:
        raw = await self.store.run(lambda client: client.get(self._k("state")))
        return SyncState() if raw is None else SyncState.from_dict(orjson.loads(raw))

    async def save_state(self, state: SyncState) -> None:
        data = orjson.dumps(state.as_dict())
        await self.store.run(lambda client: client.set(self._k("state"), data, ex=self.ttl))

    async def aclose(self) -> None:
        return None  # the store is closed by its owner


# Check-and-act on the lock's token, so a process never extends or frees another's lock.
_REFRESH = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisSyncLock(SyncLock):
    """The sync lock in Redis: `SET NX` with an expiry and a token of this holder's own."""

    def __init__(self, store: RedisStore, *, ttl: float = DEFAULT_LOCK_TTL) -> None:
        self.store = store
        self.ttl_ms = max(round(ttl * 1000), 1)
        self.key = store.key("id", "lock")
        self.token = secrets.token_hex(16)

    async def acquire(self) -> bool:
        taken = await self.store.run(
            lambda client: client.set(self.key, self.token, nx=True, px=self.ttl_ms)
        )
        return bool(taken)

    async def refresh(self) -> None:
        await self.store.run(
            lambda client: client.eval(_REFRESH, 1, self.key, self.token, self.ttl_ms)
        )

    async def release(self) -> None:
        await self.store.run(lambda client: client.eval(_RELEASE, 1, self.key, self.token))

    async def expires_in(self) -> float:
        left = await self.store.run(lambda client: client.pttl(self.key))
        return max(int(left), 0) / 1000
