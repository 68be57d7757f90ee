"""What the gateway learns about who is who: the Fullwhere customer each Mews guest belongs
to (`mewsId`, or `metadata.mews.customer.Id`), learned from every Fullwhere record read.

`Links` keeps them in a bounded in-process map and, with a store, in Redis too (one key per
Mews id, with a TTL), so a link one process learned resolves in all of them. Lookups made in
the same tick of the event loop go to Redis as one `MGET`; when Redis is away, the in-process
map answers alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any, Final

from cachetools import LRUCache

from gateway.store.redis import RedisStore, StoreUnavailable

DEFAULT_MAX_LINKS: Final = 200_000
#: How long a learned link stays in Redis after it was last seen.
DEFAULT_LINK_TTL: Final = 7 * 24 * 3600.0


class Links:
    """Mews id -> Fullwhere id, in this process and (with `store`) in Redis.

    Args:
        store: the shared Redis, or None for this process alone.
        maxsize: links kept in this process.
        ttl: seconds a link lives in Redis.
    """

    def __init__(
        self,
        store: RedisStore | None = None,
        *,
        maxsize: int = DEFAULT_MAX_LINKS,
        ttl: float = DEFAULT_LINK_TTL,
    ) -> None:
        self.store = store
        self.ttl_ms = max(round(ttl * 1000), 1)
        self.local: LRUCache[str, str] = LRUCache(maxsize=maxsize)
        self._queued: dict[str, asyncio.Future[str | None]] = {}
        self._lookups: set[asyncio.Task[None]] = set()  # held: the loop keeps weak references

    def __len__(self) -> int:
        return len(self.local)

    def known(self, mews_id: str) -> str | None:
        """The link this process knows, without asking Redis."""
        return self.local.get(mews_id)

    async def get(self, mews_id: str) -> str | None:
        """The Fullwhere id linked to `mews_id`, if any process learned it."""
        if (fullwhere_id := self.local.get(mews_id)) is not None:
            return fullwhere_id
        if self.store is None or not self.store.available:
            return None
        future = self._queued.get(mews_id)
        if future is None:
            loop = asyncio.get_running_loop()
            if not self._queued:
                task = loop.create_task(self._lookup())
                self._lookups.add(task)
                task.add_done_callback(self._lookups.discard)
            future = self._queued[mews_id] = loop.create_future()
        return await asyncio.shield(future)

    async def _lookup(self) -> None:
        await asyncio.sleep(0)  # the other lookups of this tick
        queued, self._queued = self._queued, {}
        ids = list(queued)
        store = self.store
        assert store is not None
        try:
            found: list[Any] = await store.run(
                lambda client: store.get_many(client, [store.key("link", m) for m in ids])
            )
        except StoreUnavailable:
            found = [None] * len(ids)
        except BaseException as exc:  # never leave a caller waiting
            for future in queued.values():
                future.set_exception(exc)
                future.exception()  # retrieved: a caller may have gone
            raise
        for mews_id, raw in zip(ids, found, strict=True):
            value = raw.decode() if raw is not None else None
            if value is not None:
                self.local[mews_id] = value
            queued[mews_id].set_result(value)

    async def learn(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Remember `(mews id, fullwhere id)` pairs; Redis hears only the new ones."""
        new = [(m, f) for m, f in pairs if self.local.get(m) != f]
        for mews_id, fullwhere_id in new:
            self.local[mews_id] = fullwhere_id
        store = self.store
        if not new or store is None:
            return

        async def write(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for mews_id, fullwhere_id in new:
                    pipe.set(store.key("link", mews_id), fullwhere_id, px=self.ttl_ms)
                await pipe.execute()

        # Without Redis, known here; the others learn it when they read the record themselves.
        with contextlib.suppress(StoreUnavailable):
            await store.run(write)


__all__ = ["DEFAULT_LINK_TTL", "DEFAULT_MAX_LINKS", "Links"]
