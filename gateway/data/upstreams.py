"""The app-lifetime view of both upstreams: clients, the shared read cache, the link index.

Resolvers never call a client for a read directly: they go through the per-request loaders
(`gateway.data.loaders`), which go through `Upstreams.cache` (and, for Mews reads by
id, through `Upstreams.mews_batcher`, shared by every request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gateway.data.cache import ReadCache
from gateway.errors import GatewayError
from gateway.identity.index import IdentityIndex, MemoryIdentityIndex, linked_mews_id
from gateway.store.changes import ChangeBus
from gateway.store.links import Links
from gateway.upstream.batcher import MewsBatcher, ReadBatcher
from gateway.upstream.fullwhere import FullwhereClient
from gateway.upstream.mews import MewsClient
from gateway.upstream.mews_group import MewsGroup

V = TypeVar("V")

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
#: Marks the open items of a guest held by a portfolio token: Mews gives none through one.
THROUGH_PORTFOLIO = "$throughPortfolio"
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
    #: Every Mews token of a hotel group (None: a group of `mews_client` alone).
    mews_group: MewsGroup | None = None

    def __post_init__(self) -> None:
        if self.mews_group is None and self.mews_client is not None:
            self.mews_group = MewsGroup([self.mews_client])

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

    @property
    def group(self) -> MewsGroup:
        """The Mews tokens (one, or a hotel group's)."""
        if self.mews_group is None:
            raise UpstreamDisabled("Mews is disabled on this gateway", source="mews")
        return self.mews_group

    @property
    def mews_batcher(self) -> MewsBatcher:
        """Mews reads by id of `MEWS_ACCESS_TOKEN` (or the first token), batched across the
        requests of the process."""
        return self.group.batcher(self.group.primary)

    # -- Mews reads across the tokens of a group ----------------------------------------------

    async def mews_by_ids(self, ids: Sequence[str]) -> dict[str, Record]:
        """The guests of `ids` found under any token, each read with the token that holds it.

        Ids go to the token this process saw them under, else the one the identity index
        records; the rest are asked of one token after the other, the one with the most
        calls left first, until all are found (a batch costs at most one getAll per token).
        """
        group = self.group
        if group.single:
            return await self._load(group.batcher(group.primary).customers, ids)
        routes, unknown = self._routes(ids)
        if unknown:
            try:
                places = await self.identity.mews_places(unknown)
            except GatewayError:  # the shared store is away: ask the tokens instead
                places = [None] * len(unknown)
            still = []
            for guest_id, place in zip(unknown, places, strict=True):
                client = None if place is None else group.named(place[0])
                if client is None:
                    still.append(guest_id)
                else:
                    routes.setdefault(client, []).append(guest_id)
            unknown = still
        found: dict[str, Record] = {}
        parts = await asyncio.gather(
            *(self._load(group.batcher(c).customers, part) for c, part in routes.items())
        )
        for part in parts:
            found.update(part)
        for client in group.by_spare_budget():
            if not unknown:
                break
            found.update(await self._load(group.batcher(client).customers, unknown))
            unknown = [guest_id for guest_id in unknown if guest_id not in found]
        group.learn(found.values())
        return found

    def _routes(self, ids: Sequence[str]) -> tuple[dict[MewsClient, list[str]], list[str]]:
        routes: dict[MewsClient, list[str]] = {}
        unknown: list[str] = []
        for guest_id in ids:
            client = self.group.home_of(guest_id)
            if client is None:
                unknown.append(guest_id)
            else:
                routes.setdefault(client, []).append(guest_id)
        return routes, unknown

    async def mews_by_emails(self, emails: Sequence[str]) -> dict[str, list[Record]]:
        """Every guest with one of `emails` (lowercased) under every token: one getAll per
        token and batch."""
        group = self.group
        parts = await asyncio.gather(
            *(self._load(group.batcher(c).emails, emails) for c in group.clients)
        )
        found: dict[str, list[Record]] = {}
        for part in parts:
            for email, guests in part.items():
                found.setdefault(email, []).extend(guests)
                group.learn(guests)
        return found

    async def mews_open_items(self, currency: str | None, ids: Sequence[str]) -> dict[str, Any]:
        """Open items of `ids`, each asked of the token holding the guest (a portfolio token
        has none to give: Mews does not serve getOpenItems through one)."""
        group = self.group
        if group.one_property:
            return await self._load(group.batcher(group.primary).open_items(currency), ids)
        routes, unknown = self._routes(ids)
        if unknown:
            await self.mews_by_ids(unknown)
            routes, _ = self._routes(ids)
        parts = await asyncio.gather(
            *(
                self._load(group.batcher(client).open_items(currency), part)
                for client, part in routes.items()
                if not client.portfolio
            )
        )
        found = {key: value for part in parts for key, value in part.items()}
        for client, part in routes.items():
            if client.portfolio:
                found.update((i, {"CustomerId": i, THROUGH_PORTFOLIO: True}) for i in part)
        return found

    @staticmethod
    async def _load(batcher: ReadBatcher[V], keys: Sequence[str]) -> dict[str, Any]:
        return dict(await batcher.load(list(keys)))

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
