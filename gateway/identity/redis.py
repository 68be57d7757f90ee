"""The identity index in Redis: one index for every process and replica (`REDIS_URL`).

Compact: about half the memory of one key per record and per value. Keys, under the
store's prefix (`<b>`: a bucket, the CRC-32 of the id or value modulo `BUCKETS`):

| key | type | holds |
|---|---|---|
| `id:fb:<b>`, `id:mb:<b>` | hash | record id -> its entry (orjson; a guest's has its place) |
| `id:e:<b>`, `id:p:<b>` | hash | `<email or phone key>\\0<ref>` -> "" (ref: `f:<id>`, `m:<id>`) |
| `id:l:<b>` | hash | `<mews id>\\0<rank><fullwhere id>` -> "": who links the guest, and how |
| `id:n:<c>` | sorted set | `<name>\\0<ref>`, all score 0, by first character: `ZRANGEBYLEX` |
| `id:people:<METHOD>` | sorted set | person ids by link method, all score 0: keyset pages |
| `id:state:v2` | string | the sync's state (JSON), of this layout (`LAYOUT`) |
| `id:lock` | string | the sync lock's token, with an expiry |

Entries live in hash buckets (small hashes are packed by Redis) instead of one key each;
an email or a phone is a field of a bucket (found with `HSCAN ... MATCH <value>\\0*`)
instead of a set of its own; a name is kept in its two full forms only (`first last`,
`last first`), since the short forms are their prefixes. `<rank>` is 0 for a `mewsId` link
and 1 for a metadata one, so sorted fields list a guest's Fullwhere ids in the index's
canonical order; equal scores sort by member, so `id:people:*` pages in id order. Every
command names one key: a Redis Cluster spreads the buckets over its nodes. Every key carries
a TTL, refreshed by each sync run, so an index nobody refreshes expires.

An entry is a JSON object: the fields the index knows under short names (`m`, `k`, `e`,
`p`, `n`), and any other field an entry type adds under its own name, so a record can carry
more (read back by whoever knows it; ignored by the rest).
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import uuid
import zlib
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
#: Buckets per kind of hash: about 60 entries each at a million records (packed by Redis).
BUCKETS: Final = 16384
#: The layout's version, in the name of the sync's state.
LAYOUT: Final = 2
#: Entries one `HSCAN` call reads at most (a bucket is far smaller).
SCAN_COUNT: Final = 1000

Entry = FullwhereEntry | MewsEntry

#: Entry fields stored under a short name; others keep their own.
_SHORT: Final = {"mews_id": "m", "method": "k", "email": "e", "phone": "p", "names": "n"}
_LONG: Final = {short: name for name, short in _SHORT.items()}


def _pack(record_id: str) -> str:
    """A record id as it is written in fields and members: a UUID (both upstreams' ids) in
    22 characters of base64url, anything else after a `~` (never a base64url character)."""
    with contextlib.suppress(ValueError):
        if str(parsed := uuid.UUID(record_id)) == record_id:
            return base64.urlsafe_b64encode(parsed.bytes)[:22].decode()
    return "~" + record_id


def _unpack(packed: str) -> str:
    if packed.startswith("~"):
        return packed[1:]
    return str(uuid.UUID(bytes=base64.urlsafe_b64decode(packed + "==")))


def _ref(kind: str, record_id: str) -> str:
    """`f` or `m` and the packed id: which record of which source."""
    return kind + _pack(record_id)


def _glob(text: str) -> str:
    """`text` as a literal in a `MATCH` pattern."""
    return "".join("\\" + c if c in "\\*?[]" else c for c in text)


def _entry_bytes(entry: Entry) -> bytes:
    """The entry without its id (the hash field) nor any field at its default."""
    data = {}
    defaults = type(entry).__dataclass_fields__
    for name, value in entry.__dict__.items():
        if name == "id" or value in (None, frozenset(), defaults[name].default):
            continue
        data[_SHORT.get(name, name)] = sorted(value) if isinstance(value, frozenset) else value
    return orjson.dumps(data)


def _entry(kind: type[Entry], entry_id: str, raw: bytes) -> Any:
    data = {_LONG.get(k, k): v for k, v in orjson.loads(raw).items()}
    fields = set(kind.__dataclass_fields__)
    known = {k: v for k, v in data.items() if k in fields}
    return kind(**{**known, "id": entry_id, "names": frozenset(known.get("names", ()))})


class RedisIdentityIndex(IdentityIndex):
    """The index in Redis.

    Args:
        store: the shared store (`gateway.store.RedisStore`).
        ttl: seconds every index key lives after it was last written.
        buckets: hashes per kind (fewer suit a smaller index; every process must agree).
    """

    def __init__(
        self, store: RedisStore, *, ttl: int = DEFAULT_INDEX_TTL, buckets: int = BUCKETS
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.buckets = buckets

    def _k(self, *parts: str) -> str:
        return self.store.key("id", *parts)

    @property
    def _state_key(self) -> str:
        # Named by layout: after an upgrade the index is not complete until the new
        # layout's first run (the old keys expire with their TTL).
        return self._k("state", f"v{LAYOUT}")

    def _value_key(self, kind: str, value: str) -> str:
        """The bucket of `value` among the hashes of `kind`."""
        return self._k(kind, str(zlib.crc32(value.encode()) % self.buckets))

    def _names_key(self, name: str) -> str:
        return self._k("n", name[:1])

    # -- writes --------------------------------------------------------------------------

    async def _olds(self, kind: str, ids: list[str]) -> list[bytes | None]:
        def read(pipe: Any) -> None:
            for record_id in ids:
                pipe.hget(self._value_key(kind, record_id), _pack(record_id))

        return await self.store.run(lambda client: self.store.pipeline(client, read))

    async def put_fullwhere(self, entries: Iterable[FullwhereEntry]) -> None:
        batch = list(entries)
        if not batch:
            return
        raws = await self._olds("fb", [e.id for e in batch])
        olds: list[FullwhereEntry | None] = [
            _entry(FullwhereEntry, e.id, raw) if raw is not None else None
            for e, raw in zip(batch, raws, strict=True)
        ]
        touched: set[str] = set()

        def write(pipe: Any) -> None:
            for entry, old in zip(batch, olds, strict=True):
                ref = _ref("f", entry.id)
                if old is not None:
                    self._unkey(pipe, ref, old)
                    pipe.zrem(self._k("people", old.method), FULLWHERE_PREFIX + old.id)
                    if old.mews_id and old.mews_id != entry.mews_id:
                        pipe.hdel(self._value_key("l", old.mews_id), self._link(old))
                touched.add(self._value_key("fb", entry.id))
                pipe.hset(self._value_key("fb", entry.id), _pack(entry.id), _entry_bytes(entry))
                touched.update(self._key(pipe, ref, entry))
                pipe.zadd(self._k("people", entry.method), {FULLWHERE_PREFIX + entry.id: 0})
                if entry.mews_id:
                    touched.add(linked := self._value_key("l", entry.mews_id))
                    pipe.hset(linked, self._link(entry), "")
                    # A guest with a link is no longer Mews-only.
                    pipe.zrem(self._k("people", MEWS_ONLY), MEWS_PREFIX + entry.mews_id)
            self._expire(pipe, touched)

        await self.store.run(lambda client: self.store.pipeline(client, write))
        # A guest that lost its last link becomes Mews-only again (if Mews has it).
        dropped = [
            old.mews_id
            for old, entry in zip(olds, batch, strict=True)
            if old is not None and old.mews_id and old.mews_id != entry.mews_id
        ]
        await self._recheck_mews_only(dropped)

    @staticmethod
    def _link(entry: FullwhereEntry) -> str:
        assert entry.mews_id is not None
        rank = link_order(entry.method, entry.id)[0]
        return f"{_pack(entry.mews_id)}\0{rank}{_pack(entry.id)}"

    async def _recheck_mews_only(self, mews_ids: Sequence[str]) -> None:
        if not mews_ids:
            return
        links = await self.linked_from_many(mews_ids)

        def exists(pipe: Any) -> None:
            for mews_id in mews_ids:
                pipe.hexists(self._value_key("mb", mews_id), _pack(mews_id))

        found = await self.store.run(lambda client: self.store.pipeline(client, exists))
        orphans = [
            m
            for m, there, linked in zip(mews_ids, found, links, strict=True)
            if there and not linked
        ]
        if orphans:
            key = self._k("people", MEWS_ONLY)
            await self.store.run(
                lambda client: client.zadd(key, {MEWS_PREFIX + m: 0 for m in orphans})
            )

    async def put_mews(self, entries: Iterable[MewsEntry]) -> None:
        batch = list(entries)
        if not batch:
            return
        raws = await self._olds("mb", [e.id for e in batch])
        linked = await self.linked_from_many([e.id for e in batch])
        touched: set[str] = set()

        def write(pipe: Any) -> None:
            for entry, raw, links in zip(batch, raws, linked, strict=True):
                ref = _ref("m", entry.id)
                if raw is not None:
                    self._unkey(pipe, ref, _entry(MewsEntry, entry.id, raw))
                touched.add(self._value_key("mb", entry.id))
                pipe.hset(self._value_key("mb", entry.id), _pack(entry.id), _entry_bytes(entry))
                touched.update(self._key(pipe, ref, entry))
                if not links:
                    pipe.zadd(self._k("people", MEWS_ONLY), {MEWS_PREFIX + entry.id: 0})
            self._expire(pipe, touched)

        await self.store.run(lambda client: self.store.pipeline(client, write))

    def _key(self, pipe: Any, ref: str, entry: Entry) -> list[str]:
        """Add `entry`'s lookup keys; the Redis keys written."""
        written = []
        for kind, value in (("e", entry.email), ("p", entry.phone)):
            if value:
                written.append(key := self._value_key(kind, value))
                pipe.hset(key, f"{value}\0{ref}", "")
        for name in entry.names:
            written.append(key := self._names_key(name))
            pipe.zadd(key, {f"{name}\0{ref}": 0})
        return written

    def _unkey(self, pipe: Any, ref: str, entry: Entry) -> None:
        for kind, value in (("e", entry.email), ("p", entry.phone)):
            if value:
                pipe.hdel(self._value_key(kind, value), f"{value}\0{ref}")
        for name in entry.names:
            pipe.zrem(self._names_key(name), f"{name}\0{ref}")

    def _expire(self, pipe: Any, touched: set[str]) -> None:
        """Refresh the TTL of every key a batch wrote, once each."""
        for key in touched | {self._k("people", m) for m in LINK_METHODS}:
            pipe.expire(key, self.ttl)

    # -- reads ---------------------------------------------------------------------------

    async def _scan_fields(self, pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
        """For each `(key, value)`, the `<value>\\0...` fields of the hash `key`, what
        follows the separator, sorted."""
        patterns = [_glob(value) + "\0*" for _, value in pairs]

        def scan(pipe: Any) -> None:
            for (key, _), pattern in zip(pairs, patterns, strict=True):
                pipe.hscan(key, 0, match=pattern, count=SCAN_COUNT)

        replies = await self.store.run(lambda client: self.store.pipeline(client, scan))
        found = []
        for (key, _), pattern, (cursor, fields) in zip(pairs, patterns, replies, strict=True):
            names = list(fields)
            while int(cursor):  # a bucket Redis no longer packs: scanned in several calls
                cursor, more = await self._hscan(key, int(cursor), pattern)
                names += list(more)
            found.append(sorted(n.decode().split("\0", 1)[1] for n in names))
        return found

    async def _hscan(self, key: str, cursor: int, pattern: str) -> tuple[int, list[bytes]]:
        async def scan(client: Any) -> tuple[int, list[bytes]]:
            found, fields = await client.hscan(key, cursor, match=pattern, count=SCAN_COUNT)
            return int(found), list(fields)

        return await self.store.run(scan)

    async def linked_from(self, mews_id: str) -> list[str]:
        return (await self.linked_from_many([mews_id]))[0]

    async def linked_from_many(self, mews_ids: Sequence[str]) -> list[list[str]]:
        ids = [m.lower() for m in mews_ids]
        if not ids:
            return []
        found = await self._scan_fields([(self._value_key("l", m), _pack(m)) for m in ids])
        # Sorted by rank, then by packed id: put the ids of one rank in id order.
        return [
            [fw for _, fw in sorted((ranked[0], _unpack(ranked[1:])) for ranked in links)]
            for links in found
        ]

    async def _persons(self, refs: Iterable[str]) -> set[str]:
        ids = [(ref[0], _unpack(ref[1:])) for ref in refs]
        guests = [raw for kind, raw in ids if kind == "m"]
        canonical = await self.linked_from_many(guests) if guests else []
        by_guest = dict(zip(guests, canonical, strict=True))
        people = set()
        for kind, raw in ids:
            if kind == "f":
                people.add(FULLWHERE_PREFIX + raw)
            else:
                linked = by_guest[raw]
                people.add(FULLWHERE_PREFIX + linked[0] if linked else MEWS_PREFIX + raw)
        return people

    async def _candidates(self, lookup: Lookup) -> set[str] | None:
        """People matching the key criteria; None when there are none (links only)."""
        found: set[str] | None = None
        for kind, value in (("e", lookup.email), ("p", lookup.phone)):
            if value is not None:
                (refs,) = await self._scan_fields([(self._value_key(kind, value), value)])
                people = await self._persons(refs)
                found = people if found is None else found & people
        if lookup.name is not None:
            low = f"[{lookup.name}".encode()
            high = low + b"\xff"  # above every UTF-8 byte: the end of the prefix's range
            key = self._names_key(lookup.name)
            hits = await self.store.run(
                lambda client: client.zrangebylex(key, low, high, start=0, num=MAX_NAME_MATCHES + 1)
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
        ids = [mews_id.lower() for mews_id in mews_ids]
        raws = await self._olds("mb", ids)
        return [
            None if raw is None else _entry(MewsEntry, mews_id, raw).place
            for mews_id, raw in zip(ids, raws, strict=True)
        ]

    async def state(self) -> SyncState:
        raw = await self.store.run(lambda client: client.get(self._state_key))
        return SyncState() if raw is None else SyncState.from_dict(orjson.loads(raw))

    async def save_state(self, state: SyncState) -> None:
        data = orjson.dumps(state.as_dict())
        await self.store.run(lambda client: client.set(self._state_key, data, ex=self.ttl))

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
