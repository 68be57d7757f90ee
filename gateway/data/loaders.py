"""Per-request DataLoaders: every read of a record by key goes through one of these.

A loader collects the keys asked for in one tick of the event loop and fetches the ones the
shared cache lacks in as few upstream calls as the upstream allows: Mews customers by id or
email in one getAll per 1000 keys (by id, once the request's Fullwhere reads have settled);
Fullwhere customers (no batch endpoint) one GET per id, deduplicated, each dispatched on its
own and run concurrently under a bound. The Mews reads by id go through the process-wide
batcher (`gateway.upstream.batcher`), so concurrent requests share their getAll calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping, Sequence
from functools import cached_property, partial
from typing import Any, cast

from aiodataloader import DataLoader

from gateway.data.batching import MISSING, Settle, SettlingLoader
from gateway.data.upstreams import (
    FULLWHERE,
    MEWS,
    MEWS_EMAIL,
    MEWS_OPEN_ITEMS,
    Record,
    Upstreams,
)
from gateway.upstream.errors import UpstreamNotFound

Key = tuple[Hashable, ...]

#: A Mews batch goes out once no Fullwhere read of the request has landed for this long.
MEWS_SETTLE_MAX_WAIT = 0.05


class Loaders:
    """The loaders of one GraphQL request (their memo dies with the request), each made on
    first use: most requests need one or two of them."""

    def __init__(self, upstreams: Upstreams) -> None:
        self.upstreams = upstreams
        self._open_items: dict[str | None, DataLoader[str, Record | None]] = {}

    @cached_property
    def _fullwhere_slots(self) -> asyncio.Semaphore:
        return asyncio.Semaphore(self.upstreams.fullwhere_concurrency)

    @cached_property
    def fullwhere(self) -> DataLoader[str, Record | None]:
        # Fullwhere has no batch read, so each id is its own call: dispatched unbatched, so a
        # slow customer never holds back the others (and the Mews loads that follow them).
        return DataLoader(
            self._load_fullwhere,  # type: ignore[arg-type]  # per-key exceptions are allowed
            batch=False,
        )

    @cached_property
    def settle(self) -> Settle:
        """The request's Fullwhere reads in flight, which Mews batches wait for."""
        return Settle()

    @cached_property
    def mews(self) -> SettlingLoader[str, Record | None]:
        # Mews ids come out of Fullwhere records: Mews batches wait for the request's
        # Fullwhere reads to settle, so they go out as one getAll.
        cache = self.upstreams.cache
        return SettlingLoader(
            self._load_mews,
            self.settle,
            max_wait=MEWS_SETTLE_MAX_WAIT,
            peek=lambda id_: cache.get((MEWS, id_), MISSING),
        )

    @cached_property
    def mews_by_email(self) -> DataLoader[str, list[Record]]:
        return DataLoader(self._load_mews_by_email)

    @cached_property
    def identity(self) -> DataLoader[str, list[str]]:
        """Mews id -> the Fullwhere ids linking it, canonical first: one index round trip
        for every guest of a page."""
        return DataLoader(self.upstreams.identity.linked_from_many)

    @property
    def mews_open_items(self) -> DataLoader[str, Record | None]:
        """Open items as Mews keeps them (one loader per currency the request asks amounts
        in, each batching its ids into one getOpenItems call)."""
        return self.mews_open_items_in(None)

    def mews_open_items_in(self, currency: str | None) -> DataLoader[str, Record | None]:
        """The open-items loader for amounts converted to `currency` (None: unconverted)."""
        loader = self._open_items.get(currency)
        if loader is None:
            loader = self._open_items[currency] = DataLoader(
                partial(self._load_mews_open_items, currency)
            )
        return loader

    def forget_open_items(self, customer_id: str) -> None:
        """Drop this request's memo of a guest's open items, in every currency."""
        for loader in self._open_items.values():
            loader.clear(customer_id)

    async def fullwhere_record(self, customer_id: str) -> Record | None:
        """A Fullwhere customer: from the shared cache when fresh there, else loaded."""
        record = self.upstreams.cache.get((FULLWHERE, customer_id), MISSING)
        if record is MISSING:
            return await self.fullwhere.load(customer_id)
        return cast(Record | None, record)

    async def _load_fullwhere(self, ids: Sequence[str]) -> list[Record | BaseException | None]:
        results = await asyncio.gather(
            *(self.upstreams.cache.load((FULLWHERE, id_), self._fetcher(id_)) for id_ in ids),
            return_exceptions=True,
        )
        return list(results)

    def _fetcher(self, customer_id: str) -> Any:
        async def fetch() -> Record | None:
            async with self._fullwhere_slots:
                try:
                    record = await self.upstreams.fullwhere.get_customer(customer_id)
                except UpstreamNotFound:
                    return None
            # The cache keeps the record itself (`load`); learn its link.
            await self.upstreams.remember_fullwhere([dict(record)], prime=False)
            return dict(record)

        return fetch

    async def _load_mews(self, ids: Sequence[str]) -> list[Record | None]:
        async def fetch(keys: list[Key]) -> Mapping[Key, Record]:
            found = await self.upstreams.mews_by_ids([str(k[1]) for k in keys])
            # Not copied: every reader shares the batch's record, as it shares the cache's;
            # nothing changes a record once read (tests/data/test_shared_records.py).
            return {(MEWS, id_): c for id_, c in found.items()}

        return await self.upstreams.cache.load_many([(MEWS, id_) for id_ in ids], fetch)

    async def _load_mews_by_email(self, emails: Sequence[str]) -> list[list[Record]]:
        async def fetch(keys: list[Key]) -> Mapping[Key, list[Record]]:
            found = await self.upstreams.mews_by_emails([str(k[1]) for k in keys])
            matches = {key: [dict(c) for c in found.get(str(key[1]), [])] for key in keys}
            await self.upstreams.remember_mews(
                [c for customers in matches.values() for c in customers]
            )
            return matches

        keys: list[Key] = [(MEWS_EMAIL, email.lower()) for email in emails]
        return [found or [] for found in await self.upstreams.cache.load_many(keys, fetch)]

    async def _load_mews_open_items(
        self, currency: str | None, ids: Sequence[str]
    ) -> list[Record | None]:
        async def fetch(keys: list[Key]) -> Mapping[Key, Record]:
            found = await self.upstreams.mews_open_items(currency, [str(k[1]) for k in keys])
            return {
                key: dict(entry)
                if (entry := found.get(str(key[1]))) is not None
                else {"CustomerId": key[1], "OrderItems": [], "PaymentItems": []}
                for key in keys
            }

        keys: list[Key] = [(MEWS_OPEN_ITEMS, id_, currency) for id_ in ids]
        return await self.upstreams.cache.load_many(keys, fetch)
