"""The sync that builds and refreshes the identity index from both upstreams.

- **Fullwhere**: every page of `POST /partners/customer/list` (100 a page). Fullwhere's list
  has no "changed since" filter, so each run reads it whole.
- **Mews**: `customers/getAll` by `UpdatedUtc` windows of at most 3 months (the longest
  interval Mews accepts), 1,000 guests a call, following cursors. The first run starts at
  `SYNC_MEWS_SINCE`; later runs read only what changed since the previous run (with a small
  overlap for clock skew).
- **Every token**: a hotel group's tokens are read one after the other, each guest recorded
  with its token's name and its `ChainId`, so every process finds the token of a guest.
- **Budget**: the sync's Mews calls also pass a limiter of their own per token, sized to
  `SYNC_MEWS_BUDGET` of that token's rate limit, so live traffic keeps the rest. Every call still
  goes through the client's guard: retries with backoff on 429 and 5xx, the shared limiter.
- **One process at a time**: a run holds the index's sync lock (with an expiry, so a process
  that dies does not hold it for good); the others use what it writes. A running sync
  refreshes the lock and a lease in its saved state every third of the lock's TTL, so a
  dead run stops being shown as running once its lease passes; a process that finds the
  lock taken tries again a second after it would expire, so a crashed run is restarted
  within the lock's TTL and that second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.errors import GatewayError
from gateway.identity.index import FullwhereEntry, IdentityIndex, MewsEntry, SyncState
from gateway.identity.lock import DEFAULT_LOCK_TTL, SyncLock
from gateway.observability import metrics
from gateway.store.redis import DEFAULT_RETRY_AFTER
from gateway.upstream.errors import UpstreamError
from gateway.upstream.fullwhere import FullwhereClient
from gateway.upstream.mews import MewsClient
from gateway.upstream.resilience import SlidingWindowLimiter

logger = logging.getLogger("gateway.identity")

DEFAULT_INTERVAL = 600.0
DEFAULT_MEWS_BUDGET = 0.25
DEFAULT_MEWS_SINCE = datetime(2012, 1, 1, tzinfo=UTC)
FULLWHERE_PAGE = 100
MEWS_PAGE = 1000
MEWS_WINDOW_MONTHS = 3
#: Later runs re-read this much before the previous run's end (clocks of two systems).
MEWS_OVERLAP = timedelta(minutes=5)
#: Share of the window added to the sync's own limiter (see `IdentitySync.__init__`).
BUDGET_MARGIN = 0.1
#: Wait before retrying a failed run, doubled each time, never above the interval.
RETRY_AFTER_FAILURE = 15.0
#: Seconds after the sync lock would expire that a process which found it taken tries again.
LOCK_RETRY = 1.0

Progress = Callable[[SyncState], None]
#: Told of changed records: the source, and the records (Fullwhere's or Mews's shape).
Changed = Callable[[str, list[Mapping[str, Any]]], Awaitable[None]]


@dataclass(frozen=True)
class SyncSettings:
    """How often the index is refreshed and how much of the Mews budget it may use."""

    #: Seconds between runs; 0 runs no background sync (`gateway sync` with REDIS_URL still works).
    interval: float = DEFAULT_INTERVAL
    #: Share of the Mews rate limit the sync may use, 0..1.
    mews_budget: float = DEFAULT_MEWS_BUDGET
    #: The oldest `UpdatedUtc` the first run reads.
    mews_since: datetime = DEFAULT_MEWS_SINCE
    #: Seconds the sync lock (and a run's lease) lasts without being refreshed.
    lock_ttl: float = DEFAULT_LOCK_TTL


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months (the day clamped to the month's length)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        with contextlib.suppress(ValueError):
            return moment.replace(year=year, month=month, day=day)
    raise AssertionError("unreachable")


def windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Consecutive `[start, end)` intervals of at most 3 months covering `start .. end`."""
    found = []
    while start < end:
        stop = min(add_months(start, MEWS_WINDOW_MONTHS), end)
        found.append((start, stop))
        start = stop
    return found


def _parsed(value: object) -> datetime | None:
    """An upstream's ISO 8601 moment (None when absent or malformed)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class IdentitySync:
    """Runs of the sync over one index.

    Args:
        index: where the records go.
        fullwhere, mews: the clients (None for a disabled upstream; for Mews, one client per
            access token of a hotel group).
        settings: interval, budget and start of the Mews history.
        mews_limit, mews_window: the Mews rate limit the budget is a share of.
        lock: held for the length of a run.
        changed: told of the records a later run finds changed since the previous run (by
            their `updatedAt` / `UpdatedUtc`), page by page; the first run tells nothing.
    """

    def __init__(
        self,
        index: IdentityIndex,
        *,
        fullwhere: FullwhereClient | None,
        mews: MewsClient | Sequence[MewsClient] | None,
        settings: SyncSettings,
        mews_limit: int,
        mews_window: float,
        lock: SyncLock,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        changed: Changed | None = None,
    ) -> None:
        self.index = index
        self.changed = changed
        #: What a run reports as changed: records updated after these (None: nothing).
        self._fullwhere_after: datetime | None = None
        self._mews_after: datetime | None = None
        self.fullwhere = fullwhere
        self.tokens: tuple[MewsClient, ...] = (
            () if mews is None else (mews,) if isinstance(mews, MewsClient) else tuple(mews)
        )
        self.settings = settings
        self.lock = lock
        self._now = now
        self._sleep = sleep
        budget = max(1, int(mews_limit * settings.mews_budget)) if mews_limit > 0 else 0
        # The limiter times calls as they leave; Mews counts them as they arrive. The margin
        # keeps a late arrival from sharing Mews's window with the next call's.
        window = mews_window + max(0.2, mews_window * BUDGET_MARGIN)
        # Mews counts per token: each token's share is a limiter of its own.
        self.budgets = [
            SlidingWindowLimiter(budget, window) if budget else None for _ in self.tokens
        ]

    async def run_once(self, progress: Progress | None = None) -> SyncState | None:
        """One run, if no other process is running one; None when another holds the lock."""
        if not await self.lock.acquire():
            return None
        try:
            return await self._run(progress)
        finally:
            await self.lock.release()

    async def _run(self, progress: Progress | None) -> SyncState:
        state = await self.index.state()
        full = not state.complete
        self._since_previous(state)
        state.running, state.started_at, state.last_error = True, time.time(), None
        state.fullwhere_records = state.fullwhere_pages = state.mews_records = 0
        state.mews_calls = state.mews_windows_done = state.mews_windows_total = 0
        await self._save(state, None)  # running, with a lease, before the first page
        beat = asyncio.create_task(self._heartbeat(state), name="identity-sync-heartbeat")
        try:
            return await self._read_both(state, full, progress)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _heartbeat(self, state: SyncState) -> None:
        """Refresh the lock and the run's lease while pages take their time (the Mews budget
        may space calls for minutes)."""
        while True:
            await asyncio.sleep(self.settings.lock_ttl / 3)
            try:
                await self._save(state, None)
            except GatewayError as exc:  # the store is away: the run's own saves will fail
                logger.warning("identity sync heartbeat missed: %s", exc)

    async def _read_both(
        self, state: SyncState, full: bool, progress: Progress | None
    ) -> SyncState:
        until = self._now()
        try:
            if self.fullwhere is not None:
                await self._fullwhere(state, progress)
            if self.tokens:
                since = self.settings.mews_since
                if not full and state.mews_synced_until:
                    since = datetime.fromisoformat(state.mews_synced_until) - MEWS_OVERLAP
                await self._mews(state, since, until, progress)
                state.mews_synced_until = until.isoformat()
        except (UpstreamError, GatewayError) as exc:
            # Only the code (and Redis's cause): /readyz shows this to anyone; the
            # upstream's words go to the log.
            cause = getattr(exc, "cause", None)
            state.phase = "failed"
            state.last_error = f"{exc.code} (Redis: {cause})" if cause else exc.code
            logger.warning("identity sync failed: %s: %s", state.last_error, exc)
            raise
        else:
            state.phase, state.complete = "done", True
        finally:
            state.running, state.finished_at = False, time.time()
            await self._save_last(state, progress)
        return state

    def _since_previous(self, state: SyncState) -> None:
        """After a complete run, the next reports what changed after it began (Fullwhere)
        and after what it read of Mews."""
        if not state.complete or state.started_at is None:
            self._fullwhere_after = self._mews_after = None
            return
        self._fullwhere_after = datetime.fromtimestamp(state.started_at, UTC)
        self._mews_after = _parsed(state.mews_synced_until)

    async def _report(
        self, source: str, records: Sequence[Mapping[str, Any]], key: str, after: datetime | None
    ) -> None:
        if self.changed is None or after is None:
            return
        # Inclusive, to the second (upstreams may round their moments): a record changed in
        # the previous run's last second is reported again rather than missed.
        after = after.replace(microsecond=0)
        changed = [r for r in records if (moment := _parsed(r.get(key))) and moment >= after]
        if changed:
            await self.changed(source, changed)

    async def _save_last(self, state: SyncState, progress: Progress | None) -> None:
        """The run's outcome; tried again once past the store's pause after a failure (the
        failure that ended the run may have been the store's)."""
        try:
            await self._save(state, progress)
        except GatewayError:
            await asyncio.sleep(DEFAULT_RETRY_AFTER)
            await self._save(state, progress)

    async def _save(self, state: SyncState, progress: Progress | None) -> None:
        state.lease_until = time.time() + self.settings.lock_ttl if state.running else None
        metrics.record_identity_sync(
            fullwhere=state.fullwhere_records,
            mews=state.mews_records,
            complete=state.complete,
            finished=state.finished_at,
            outcome=None if state.running else state.phase,
        )
        await self.index.save_state(state)
        await self.lock.refresh()
        if progress is not None:
            progress(state)

    async def _fullwhere(self, state: SyncState, progress: Progress | None) -> None:
        assert self.fullwhere is not None
        state.phase = "fullwhere"
        page = 1
        while True:
            result = await self.fullwhere.list_customers(page=page, limit=FULLWHERE_PAGE)
            items = result["items"]
            await self.index.put_fullwhere(FullwhereEntry.from_record(r) for r in items)
            await self._report("FULLWHERE", items, "updatedAt", self._fullwhere_after)
            state.fullwhere_pages = page
            state.fullwhere_records += len(items)
            state.fullwhere_total = int(result["meta"].get("totalItems") or 0)
            await self._save(state, progress)
            if not items or page >= int(result["meta"].get("totalPages") or 0):
                return
            page += 1

    async def _mews(
        self, state: SyncState, since: datetime, until: datetime, progress: Progress | None
    ) -> None:
        state.phase = "mews"
        spans = windows(since, until + timedelta(seconds=1))
        state.mews_windows_total = len(spans) * len(self.tokens)
        for client, budget in zip(self.tokens, self.budgets, strict=True):
            await self._mews_token(client, budget, spans, state, progress)

    async def _mews_token(
        self,
        client: MewsClient,
        budget: SlidingWindowLimiter | None,
        spans: list[tuple[datetime, datetime]],
        state: SyncState,
        progress: Progress | None,
    ) -> None:
        """Every window of one token, within that token's share of its rate limit."""
        for start, stop in spans:
            cursor: str | None = None
            while True:
                await self._spend_budget(budget, state, progress)
                page = await client.get_all(
                    {"UpdatedUtc": {"StartUtc": _utc(start), "EndUtc": _utc(stop)}},
                    count=MEWS_PAGE,
                    cursor=cursor,
                )
                customers = page["Customers"]
                await self.index.put_mews(MewsEntry.from_record(c) for c in customers)
                await self._report("MEWS", customers, "UpdatedUtc", self._mews_after)
                state.mews_calls += 1
                state.mews_records += len(customers)
                next_cursor = page.get("Cursor")
                if not next_cursor or len(customers) < MEWS_PAGE or next_cursor == cursor:
                    break
                cursor = next_cursor
            state.mews_windows_done += 1
            await self._save(state, progress)

    async def _spend_budget(
        self, budget: SlidingWindowLimiter | None, state: SyncState, progress: Progress | None
    ) -> None:
        if budget is None or not (wait := budget.reserve()):
            return
        if progress is not None:  # a pause the progress line would otherwise hide
            state.mews_budget_wait = wait
            progress(state)
            state.mews_budget_wait = 0.0
        await self._sleep(wait)

    async def due_in(self) -> float:
        """Seconds until the next run is due: none while the last finished run is younger
        than the interval (another process, or a previous life of this one, made it)."""
        state = await self.index.state()
        if state.phase != "done" or state.finished_at is None:
            return 0.0
        return max(0.0, state.finished_at + self.settings.interval - time.time())

    async def run_forever(self) -> None:
        """Run when due, then every `interval` seconds; after a failure, sooner (backoff).

        A process that starts next to a fresh shared index does not sync it again."""
        failures = 0
        while True:
            with contextlib.suppress(GatewayError):  # the store is away: run, the lock decides
                if (wait := await self.due_in()) > 0:
                    await self._sleep(wait)
                    continue
            try:
                if await self.run_once() is None:
                    # Another process holds the lock: try again as soon as it would expire
                    # (it is refreshed while its run lives; a dead run's lock is not).
                    await self._sleep(await self.lock.expires_in() + LOCK_RETRY)
                    continue
                failures = 0
            except (UpstreamError, GatewayError) as exc:  # an upstream, or the shared store
                if not isinstance(exc, UpstreamError):
                    logger.warning("identity sync paused: %s", exc)
                failures += 1
            except Exception:  # the loop must outlive any one run
                logger.exception("identity sync run failed")
                failures += 1
            wait = self.settings.interval
            if failures:
                wait = min(wait, RETRY_AFTER_FAILURE * 2 ** (failures - 1))
            await self._sleep(wait)
