"""The app-lifetime view of both upstreams: clients, the shared read cache, the link index.

Resolvers never call a client for a read directly: they go through the per-request loaders
(`gateway.resolvers.loaders`), which go through `Upstreams.cache` (and, for Mews reads by
id, through `Upstreams.mews_batcher`, shared by every request).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cachetools import LRUCache

from gateway.errors import GatewayError
from gateway.resolvers.cache import ReadCache
from gateway.upstream.batcher import MewsBatcher
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


def linked_mews_id(record: Record) -> tuple[str | None, str]:
    """The Mews id a Fullwhere customer points at, and how the link was made."""
    if mews_id := record.get("mewsId"):
        return str(mews_id), "MEWS_ID"
    metadata = record.get("metadata")
    if isinstance(metadata, dict):
        block = metadata.get("mews")
        customer = block.get("customer") if isinstance(block, dict) else None
        if isinstance(customer, dict) and (mews_id := customer.get("Id")):
            return str(mews_id), "METADATA"
    return None, "NONE"


@dataclass
class Upstreams:
    """Clients (None when an upstream is disabled) and the caches shared by all requests."""

    fullwhere_client: FullwhereClient | None
    mews_client: MewsClient | None
    cache: ReadCache[tuple[Hashable, ...], Any]
    fullwhere_concurrency: int = 16
    #: Mews id -> Fullwhere id, learned from every Fullwhere record seen. Bounded.
    links: LRUCache[str, str] = field(default_factory=lambda: LRUCache(maxsize=200_000))

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
        for customer_id in customer_ids:
            self.cache.invalidate((MEWS, customer_id))
            self.cache.invalidate((MEWS_OPEN_ITEMS, customer_id))
        self.cache.invalidate_where(lambda key: key[0] in (MEWS_PAGE, MEWS_EMAIL, MEWS_SEARCH))
