"""The app-lifetime view of both upstreams: clients, the shared read cache, the link index.

Resolvers never call a client for a read directly: they go through the per-request loaders
(`gateway.resolvers.loaders`), which go through `Upstreams.cache`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache

from gateway.errors import GatewayError
from gateway.identity.index import IdentityIndex, MemoryIdentityIndex, linked_mews_id
from gateway.resolvers.cache import ReadCache
from gateway.upstream.fullwhere import FullwhereClient
from gateway.upstream.mews import MewsClient

Record = dict[str, Any]

# Cache namespaces (first item of every key).
FULLWHERE = "fullwhere"
MEWS = "mews"
MEWS_EMAIL = "mews-email"
MEWS_OPEN_ITEMS = "mews-open-items"
FULLWHERE_PAGE = "fullwhere-page"
MEWS_PAGE = "mews-page"
MEWS_SEARCH = "mews-search"


class UpstreamDisabled(GatewayError):
    code = "UPSTREAM_UNAVAILABLE"


@dataclass
class Upstreams:
    """Clients (None when an upstream is disabled) and the caches shared by all requests."""

    fullwhere_client: FullwhereClient | None
    mews_client: MewsClient | None
    cache: ReadCache[tuple[Hashable, ...], Any]
    fullwhere_concurrency: int = 16
    #: Mews id -> Fullwhere id, learned from every Fullwhere record seen. Bounded. Answers
    #: what the identity index does not know yet (before its first sync, between syncs).
    links: LRUCache[str, str] = field(default_factory=lambda: LRUCache(maxsize=200_000))
    #: Who is who across both systems, built by the identity sync.
    identity: IdentityIndex = field(default_factory=MemoryIdentityIndex)

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

    def remember_fullwhere(self, records: Iterable[Record]) -> None:
        """Prime the per-id cache with Fullwhere records and learn their Mews links."""
        for record in records:
            customer_id = record.get("id")
            if not isinstance(customer_id, str):
                continue
            self.cache.prime((FULLWHERE, customer_id), record)
            mews_id, _ = linked_mews_id(record)
            if mews_id:
                self.links[mews_id] = customer_id

    def remember_mews(self, records: Iterable[Record]) -> None:
        """Prime the per-id cache with Mews customers (from a page, a search, a write)."""
        for record in records:
            customer_id = record.get("Id")
            if isinstance(customer_id, str):
                self.cache.prime((MEWS, customer_id), record)

    def forget_fullwhere_lists(self) -> None:
        self.cache.invalidate_where(lambda key: key[0] == FULLWHERE_PAGE)

    def forget_mews(self, customer_ids: Iterable[str]) -> None:
        """Drop everything that may hold these Mews customers' old data."""
        ids = set(customer_ids)
        for customer_id in ids:
            self.cache.invalidate((MEWS, customer_id))
        # Open items are kept per (id, currency).
        self.cache.invalidate_where(
            lambda key: (
                key[0] in (MEWS_PAGE, MEWS_EMAIL, MEWS_SEARCH)
                or (key[0] == MEWS_OPEN_ITEMS and key[1] in ids)
            )
        )
