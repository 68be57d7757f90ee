"""The app-lifetime view of both upstreams: clients, the shared read cache, the link index.

Resolvers never call a client for a read directly: they go through the per-request loaders
(`gateway.data.loaders`), which go through `Upstreams.cache` (and, for Mews reads by
id, through `Upstreams.mews_batcher`, shared by every request).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gateway.data.cache import ReadCache
from gateway.errors import GatewayError
from gateway.identity.index import IdentityIndex, MemoryIdentityIndex, linked_mews_id
from gateway.store.changes import ChangeBus
from gateway.store.links import Links
from gateway.upstream.batcher import MewsBatcher
from gateway.upstream.fullwhere import FullwhereClient
from gateway.upstream.mews import MewsClient

Record = dict[str, Any]

# Cache namespaces (first item of every key). The ones that embed records are dropped as a
# whole by writes (`GROUPED`).
FULLWHERE = "fullwhere"
MEWS = "mews"
MEWS_EMAIL = "mews-email"
MEWS_OPEN_ITEMS = "mews-open-items"
FULLWHERE_PAGE = "fullwhere-page"
MEWS_PAGE = "mews-page"
MEWS_SEARCH = "mews-search"
GROUPED = (MEWS_EMAIL, MEWS_OPEN_ITEMS, FULLWHERE_PAGE, MEWS_PAGE, MEWS_SEARCH)


class UpstreamDisabled(GatewayError):
    code = "UPSTREAM_UNAVAILABLE"


@dataclass
class Upstreams:
    """Clients (None when an upstream is disabled) and the caches shared by all requests."""

    fullwhere_client: FullwhereClient | None
    mews_client: MewsClient | None
    cache: ReadCache[tuple[Hashable, ...], Any]
    fullwhere_concurrency: int = 16
    #: Mews id -> Fullwhere id, learned from every Fullwhere record seen. Bounded.
    links: Links = field(default_factory=Links)
    #: Who is who across both systems, built by the identity sync.
    identity: IdentityIndex = field(default_factory=MemoryIdentityIndex)
    #: Where changes to customers are published, for the subscribers of every process.
    changes: ChangeBus = field(default_factory=ChangeBus)

    @property
    def fullwhere(self) -> FullwhereClient:
        if self.fullwhere_client is None:
            raise UpstreamDisabled("Fullwhere is disabled on this gateway", source="fullwhere")
        return self.fullwhere_client

    @property
    def mews(self) -> MewsClient:
        if self.mews_client is None:
            raise UpstreamDisabled("Mews is disabled on this gateway", source="mews")
        return self.mews_client

    @cached_property
    def mews_batcher(self) -> MewsBatcher:
        """Mews reads by id, batched across the requests of the process."""
        return MewsBatcher(self.mews)

    async def remember_fullwhere(
        self, records: Iterable[Record], *, replace: bool = False, prime: bool = True
    ) -> None:
        """Prime the per-id cache with Fullwhere records (`replace`: a write's own answer;
        `prime=False`: the caller caches them) and learn their Mews links."""
        known = [r for r in records if isinstance(r.get("id"), str)]
        if prime:
            await self.cache.put_many((((FULLWHERE, r["id"]), r) for r in known), replace=replace)
        pairs = [(mews_id, r["id"]) for r in known if (mews_id := linked_mews_id(r)[0])]
        await self.links.learn(pairs)

    async def remember_mews(self, records: Iterable[Record], *, replace: bool = False) -> None:
        """Prime the per-id cache with Mews customers (from a page, a search, a write)."""
        await self.cache.put_many(
            (((MEWS, r["Id"]), r) for r in records if isinstance(r.get("Id"), str)),
            replace=replace,
        )

    async def forget_fullwhere_lists(self) -> None:
        await self.cache.forget((), [FULLWHERE_PAGE])

    async def forget_mews(self, customer_ids: Iterable[str]) -> None:
        """Drop everything that may hold these Mews customers' old data, everywhere."""
        # Open items go as a whole: one write drops them for every guest (they are rarely
        # read, and a drop is one call to Redis whatever their keys hold).
        keys: list[tuple[Hashable, ...]] = [(MEWS, customer_id) for customer_id in customer_ids]
        await self.cache.forget(keys, [MEWS_PAGE, MEWS_EMAIL, MEWS_SEARCH, MEWS_OPEN_ITEMS])
