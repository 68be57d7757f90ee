"""Process-wide batching of reads by id: concurrent requests share one upstream call.

The per-request loaders batch the ids of one GraphQL request. At an upstream's rate limit
that is not enough: a hundred requests for one guest each still cost a hundred calls. A
`ReadBatcher` merges the ids of every request of the process into one call (deduplicated, at
most `max_ids`, the answers routed back by id).

How long a batch collects ids follows the rate budget (`BatchWindow`):

- while more than `plentiful` of the limiter's budget is free, a batch goes out on the next
  tick of the event loop (what the loop had queued joins it, nothing waits for more);
- below that, the window grows linearly up to the limiter's call spacing (`window / limit`
  seconds) when nothing is free, so each call carries more ids and the budget lasts;
- a batch goes no sooner than the limiter has a free slot (it keeps collecting meanwhile),
  and no later than `margin` seconds before the earliest deadline of the reads it carries.

A read whose request's deadline would pass before the next free slot fails at once with
`UPSTREAM_RATE_LIMITED`. The call of a batch runs in a task of its own: a cancelled request
leaves the batch to the others, a read whose deadline passes while its batch is out fails
alone (`UPSTREAM_TIMEOUT`), and a failed call fails the reads it carried, each with its own
copy of the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gateway.observability import metrics
from gateway.observability.calls import count_shared_call
from gateway.observability.tracing import TraceParent, continued, trace_parent
from gateway.upstream.errors import Source, UpstreamError
from gateway.upstream.mews import MAX_ITEMS, MewsClient
from gateway.upstream.mews_types import MewsCustomer, MewsCustomerItems
from gateway.upstream.resilience import (
    Budget,
    Clock,
    Deadline,
    RateLimiter,
    current_deadline,
    deadline_passed,
    deadline_scope,
    no_answer_in_time,
    over_budget,
)

V = TypeVar("V")
Fetch = Callable[[list[str]], Awaitable[Mapping[str, V]]]

#: Share of the rate budget left above which a batch goes out on the next loop tick.
DEFAULT_PLENTIFUL = 0.5
#: Seconds before the earliest deadline of its reads by which a batch is sent at the latest.
DEFAULT_MARGIN = 1.0


@dataclass(frozen=True)
class BatchWindow:
    """How long a batch collects ids, given the rate budget left."""

    plentiful: float = DEFAULT_PLENTIFUL
    margin: float = DEFAULT_MARGIN
    #: Ids per call at most (the upstream's bound of an id list).
    max_ids: int = MAX_ITEMS

    def seconds(self, limiter: RateLimiter | None, budget: Budget | None) -> float:
        """The collection window of a batch opened with `budget` left (0: the next tick)."""
        if limiter is None or budget is None or self.plentiful <= 0:
            return 0.0
        free = budget.remaining / limiter.limit
        if free >= self.plentiful:
            return 0.0
        return limiter.window / limiter.limit * (1.0 - free / self.plentiful)


@dataclass(eq=False)
class _Batch(Generic[V]):
    loop: asyncio.AbstractEventLoop
    opened: float
    futures: dict[str, asyncio.Future[V | None]] = field(default_factory=dict)
    #: Earliest and latest deadline of the reads (clock time); `latest` None: one has none.
    earliest: float = float("inf")
    latest: float | None = float("-inf")
    #: Set when the batch must be looked at again: full, or an earlier deadline joined.
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def add_deadline(self, at: float | None) -> None:
        if at is None:
            self.latest = None
            return
        if at < self.earliest:
            self.earliest = at
            self.wake.set()
        if self.latest is not None:
            self.latest = max(self.latest, at)


class ReadBatcher(Generic[V]):
    """Merges reads by id from every request of the process into shared upstream calls.

    Args:
        fetch: One upstream call for a list of ids; returns the records found, by id.
        source: The upstream, for the errors raised here.
        limiter: The upstream's rate limiter, whose budget sets the window (None: no limit).
        window: The window's rules.
        clock: The clock of the requests' deadlines.
        ids_named: How the upstream names the ids in its errors: a refused call is split
            (`fetch_bisecting`) only when its error names them (None: any 4xx about it).
    """

    def __init__(
        self,
        fetch: Fetch[V],
        *,
        source: Source,
        limiter: RateLimiter | None = None,
        window: BatchWindow = BatchWindow(),
        clock: Clock = time.monotonic,
        ids_named: str | None = None,
    ) -> None:
        self._fetch = fetch
        self.ids_named = ids_named
        self.source: Source = source
        self.limiter = limiter
        self._budget: Budget | None = None
        self.window = window
        self._clock = clock
        self._open: _Batch[V] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def load(self, keys: Sequence[str]) -> dict[str, V]:
        """The records of `keys` found upstream (an absent key was not found).

        Raises:
            UpstreamRateLimited: the rate limit would hold the call past the deadline.
            UpstreamTimeout: the deadline passed before the batch's answer came (or before
                the read was asked for).
            UpstreamError: the batch's call failed (a copy of its error).
        """
        deadline = current_deadline()
        remaining = None if deadline is None else deadline.remaining()
        if remaining is not None and remaining <= 0:
            raise deadline_passed(self.source)
        # The budget the last batch saw (asking the limiter here would cost every read a
        # round trip to a shared store): a read that cannot get a slot in time fails now.
        known = self._budget
        if remaining is not None and known is not None and known.next_free_in >= remaining:
            raise over_budget(self.source, known.next_free_in)
        at = None if remaining is None else self._clock() + remaining
        futures, batches = [], set()
        for key in dict.fromkeys(keys):
            futures.append((key, self._join(key, at)))
            batches.add(id(self._open))
        # The shared calls run in contexts of their own: count each in this request's too.
        for _ in batches:
            count_shared_call(self.source)
        found: dict[str, V] = {}
        try:
            async with asyncio.timeout(remaining):
                for key, future in futures:
                    # Shielded: a cancelled request leaves the batch to the other requests.
                    value = await asyncio.shield(future)
                    if value is not None:
                        found[key] = value
        except TimeoutError:
            raise no_answer_in_time(self.source) from None
        except UpstreamError as exc:
            raise _own_copy(exc) from exc.__cause__
        return found

    def _join(self, key: str, at: float | None) -> asyncio.Future[V | None]:
        batch = self._open
        loop = asyncio.get_running_loop()
        if (
            batch is None
            or batch.loop is not loop  # an app served by several loops, one after another
            or (len(batch.futures) >= self.window.max_ids and key not in batch.futures)
        ):
            if batch is not None:
                batch.wake.set()  # full: it goes now
            batch = self._open = _Batch(loop, opened=self._clock())
            # A context of its own: the batch serves many requests and belongs to none.
            # Its call is traced in the trace of the request that opened it.
            parent = trace_parent()
            task = loop.create_task(self._run(batch, parent), context=contextvars.Context())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        future = batch.futures.get(key)
        if future is None:
            future = batch.futures[key] = loop.create_future()
        batch.add_deadline(at)
        return future

    async def _run(self, batch: _Batch[V], parent: TraceParent | None = None) -> None:
        await asyncio.sleep(0)  # the ids queued in this tick of the loop join
        budget = await self._read_budget()
        close_at = batch.opened + self.window.seconds(self.limiter, budget)
        while self._open is batch and len(batch.futures) < self.window.max_ids:
            now = self._clock()
            slot_at = now + (budget.next_free_in if budget is not None else 0.0)
            until = min(max(close_at, slot_at), batch.earliest - self.window.margin)
            if until <= now:
                break
            batch.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(batch.wake.wait(), until - now)
            budget = await self._read_budget()
        if self._open is batch:
            self._open = None
        with continued(parent):
            await self._send(batch)

    def spare(self) -> float:
        """The share of the rate budget the last batch saw free (1.0: no limit, or none seen
        yet); asks nothing of the limiter."""
        if self.limiter is None or self._budget is None or self.limiter.limit <= 0:
            return 1.0
        return self._budget.remaining / self.limiter.limit

    async def _read_budget(self) -> Budget | None:
        """What is left of the limiter's budget now (None: no limiter)."""
        self._budget = None if self.limiter is None else await self.limiter.budget()
        return self._budget

    async def _send(self, batch: _Batch[V]) -> None:
        keys = list(batch.futures)
        # The call may take as long as the most patient of its reads may wait.
        latest = batch.latest
        scope = None if latest is None else Deadline(latest, self._clock)
        try:
            with deadline_scope(scope):
                found, failed = await fetch_bisecting(
                    self._fetch, keys, self.source, self.ids_named
                )
        except BaseException:
            for future in batch.futures.values():
                future.cancel()
            raise
        for key, future in batch.futures.items():
            if future.done():
                continue
            if (exc := failed.get(key)) is not None:
                future.set_exception(exc)
                future.exception()  # retrieved: every reader may have gone
            else:
                future.set_result(found.get(key))


def tied_to_ids(exc: Exception, ids_named: str | None = None) -> bool:
    """Whether a failed call may have failed for some of the ids it named: a 4xx about the
    request (not its credentials, pace or time), which a call without them may not get,
    whose message names the ids (`ids_named`, when given: "Invalid CustomerIds")."""
    if not isinstance(exc, UpstreamError) or exc.status is None:
        return False
    if not 400 <= exc.status < 500 or exc.status in (401, 403, 408, 429):
        return False
    return ids_named is None or ids_named in exc.message


async def fetch_bisecting(
    fetch: Fetch[V], keys: list[str], source: Source, ids_named: str | None = None
) -> tuple[Mapping[str, V], dict[str, Exception]]:
    """`fetch(keys)`, and the error of each key it failed for. A call refused for a reason
    tied to its ids is split in halves, each fetched again (through the same guard and rate
    limit), until the ids at fault are alone: only the reads that asked for them fail.

    The splits are bounded: about twice the halvings that isolate one id (21 calls in all
    for one refused id among 1,000), so an upstream refusing every call costs that, not a
    call per id. Parts left unsplit fail with their error."""
    budget = [2 * max(math.ceil(math.log2(max(len(keys), 1))), 1)]
    return await _bisect(fetch, keys, source, (ids_named, budget))


async def _bisect(
    fetch: Fetch[V], keys: list[str], source: Source, rules: tuple[str | None, list[int]]
) -> tuple[Mapping[str, V], dict[str, Exception]]:
    ids_named, budget = rules
    try:
        return await fetch(keys), {}
    except Exception as exc:
        if len(keys) == 1 or not tied_to_ids(exc, ids_named) or budget[0] < 2:
            return {}, dict.fromkeys(keys, exc)
    budget[0] -= 2
    metrics.record_batch_split(source)
    half = len(keys) // 2
    halves = await asyncio.gather(
        _bisect(fetch, keys[:half], source, rules), _bisect(fetch, keys[half:], source, rules)
    )
    found: dict[str, V] = {}
    failed: dict[str, Exception] = {}
    for part_found, part_failed in halves:
        found.update(part_found)
        failed.update(part_failed)
    return found, failed


def _own_copy(exc: UpstreamError) -> UpstreamError:
    """A copy of `exc` for one reader: each request raises (and annotates) its own error."""
    copied = type(exc).__new__(type(exc))
    copied.__dict__.update(exc.__dict__)
    copied.args = exc.args
    return copied


class MewsBatcher:
    """The Mews reads by id that the Connector API can batch, shared by the process, for one
    access token (a hotel group has one per token, each paced by its token's limiter).

    `customers` (customers/getAll by `CustomerIds`), `emails` (by `Emails`; each email maps
    to every profile with it, lowercased) and `open_items(currency)` (customers/getOpenItems,
    one batcher per currency the amounts are asked in).
    """

    def __init__(self, client: MewsClient, window: BatchWindow = BatchWindow()) -> None:
        self._client = client
        self._options: dict[str, Any] = {
            "source": client.source,
            "limiter": client.guard.limiter,
            "window": window,
        }
        # Mews names the list it refuses ("Invalid CustomerIds"): only then is a batch split.
        self.customers: ReadBatcher[MewsCustomer] = ReadBatcher(
            self._customers, ids_named="CustomerIds", **self._options
        )
        self.emails: ReadBatcher[list[MewsCustomer]] = ReadBatcher(
            self._emails, ids_named="Emails", **self._options
        )
        self._open_items: dict[str | None, ReadBatcher[MewsCustomerItems]] = {}

    def spare(self) -> float:
        """The share of this token's rate budget last seen free (see `ReadBatcher.spare`)."""
        return min(self.customers.spare(), self.emails.spare())

    def open_items(self, currency: str | None = None) -> ReadBatcher[MewsCustomerItems]:
        """The batcher of open items with amounts in `currency` (None: as Mews keeps them)."""
        batcher = self._open_items.get(currency)
        if batcher is None:
            fetch = functools.partial(self._open_items_in, currency)
            batcher = self._open_items[currency] = ReadBatcher(
                fetch, ids_named="CustomerIds", **self._options
            )
        return batcher

    async def _customers(self, ids: list[str]) -> dict[str, MewsCustomer]:
        return {customer["Id"]: customer for customer in await self._client.get_by_ids(ids)}

    async def _emails(self, emails: list[str]) -> dict[str, list[MewsCustomer]]:
        found: dict[str, list[MewsCustomer]] = {}
        for customer in await self._client.get_by_emails(emails):
            email = customer.get("Email")
            if isinstance(email, str):
                found.setdefault(email.lower(), []).append(customer)
        return found

    async def _open_items_in(
        self, currency: str | None, ids: list[str]
    ) -> dict[str, MewsCustomerItems]:
        items = await self._client.get_open_items(ids, currency=currency)
        return {entry["CustomerId"]: entry for entry in items}


__all__ = ["DEFAULT_MARGIN", "DEFAULT_PLENTIFUL", "BatchWindow", "MewsBatcher", "ReadBatcher"]
