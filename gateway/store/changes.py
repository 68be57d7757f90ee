"""The change bus: every process hears of every change to a customer, wherever it happened.

A `Change` names the customer (its unified id, and the other ids of the same person so that a
subscriber to either hears of it), what happened and where. `publish` sends it to every
subscriber of every process that shares the bus:

- `MemoryChangeBus`: this process alone (no `REDIS_URL`);
- `RedisChangeBus`: a Redis stream (`XADD`, capped at `MAX_STREAM_LENGTH` entries) that one
  reader per process follows (`XREAD BLOCK`) and fans out locally. A stream, not pub/sub:
  it works the same on a standalone server, Sentinel and Cluster through the pooled client,
  and a reader that lost Redis for a moment resumes after the last entry it saw.

Each subscriber has a bounded queue. One that falls `buffer` changes behind is dropped (its
`changes()` raises `SlowConsumer`) rather than letting memory grow; the bus and the other
subscribers go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import orjson

from gateway.store.redis import RedisStore, StoreUnavailable, block_ms

logger = logging.getLogger("gateway.live")

ChangeKind = Literal["ADDED", "UPDATED", "MERGED"]
ChangeSource = Literal["MEWS", "FULLWHERE", "GATEWAY"]

#: Entries the Redis stream keeps (approximately): enough for a reader that missed a moment.
MAX_STREAM_LENGTH: Final = 10_000
#: Milliseconds the stream lives after its last change (every key in Redis has a TTL); a
#: reader of a stream that expired meanwhile goes on with the next one.
STREAM_TTL_MS: Final = 3_600_000
#: Changes one `XREAD` returns at most.
READ_COUNT: Final = 500


@dataclass(frozen=True)
class Change:
    """A change to one customer: `id` is its unified id (`mews:<uuid>`, `fullwhere:<id>`);
    `aliases` the other unified ids of the same person; `at` seconds since the epoch."""

    id: str
    kind: ChangeKind
    source: ChangeSource
    at: float = field(default_factory=time.time)
    aliases: tuple[str, ...] = ()

    def concerns(self, customer_id: str | None) -> bool:
        """Whether a subscriber to `customer_id` (None: to everyone) hears of this change."""
        return customer_id is None or customer_id == self.id or customer_id in self.aliases

    def encode(self) -> bytes:
        return orjson.dumps([self.id, self.kind, self.source, self.at, list(self.aliases)])

    @classmethod
    def decode(cls, raw: bytes | str) -> Change:
        customer_id, kind, source, at, aliases = orjson.loads(raw)
        return cls(str(customer_id), kind, source, float(at), tuple(map(str, aliases)))


class SlowConsumer(Exception):
    """A subscriber fell too far behind and was dropped."""

    def __init__(self, buffer: int) -> None:
        super().__init__(f"slow consumer: over {buffer} changes waited; read faster, reconnect")


class Subscriber:
    """One subscriber's bounded queue of the changes it wants (`wanted`: a customer id, None
    for every change); `on_drop` is told at once when it is dropped."""

    def __init__(
        self,
        bus: ChangeBus,
        buffer: int,
        wanted: str | None = None,
        on_drop: Callable[[SlowConsumer], None] | None = None,
    ) -> None:
        self._bus = bus
        self.buffer = buffer
        self.wanted = wanted
        self._on_drop = on_drop
        self._queue: asyncio.Queue[Change | None] = asyncio.Queue(buffer + 1)
        self.dropped = False

    def offer(self, change: Change) -> None:
        # Filtered before queueing: a burst of changes to others never drops this one.
        if self.dropped or not change.concerns(self.wanted):
            return
        if self._queue.qsize() >= self.buffer:
            self.dropped = True
            self._bus.unsubscribe(self)
            self._queue.put_nowait(None)  # the one slot kept for the verdict
            if self._on_drop is not None:
                self._on_drop(SlowConsumer(self.buffer))
            return
        self._queue.put_nowait(change)

    def close(self) -> None:
        """End `changes()` after what is queued (shutdown)."""
        self._bus.unsubscribe(self)
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    async def changes(self) -> AsyncIterator[Change]:
        """The changes as they come; raises SlowConsumer once dropped."""
        try:
            while (change := await self._queue.get()) is not None:
                yield change
            if self.dropped:
                raise SlowConsumer(self.buffer)
        finally:
            self._bus.unsubscribe(self)


class ChangeBus:
    """Fans changes out to this process's subscribers; `publish` reaches every process."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    def subscribe(
        self,
        buffer: int,
        wanted: str | None = None,
        on_drop: Callable[[SlowConsumer], None] | None = None,
    ) -> Subscriber:
        subscriber = Subscriber(self, buffer, wanted, on_drop)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def deliver(self, changes: Iterable[Change]) -> None:
        """Hand `changes` to every subscriber of this process."""
        for change in changes:
            for subscriber in list(self._subscribers):
                subscriber.offer(change)

    async def publish(self, changes: Iterable[Change]) -> None:
        self.deliver(changes)

    async def start(self) -> None:
        """Start following the other processes' changes (nothing to do in memory)."""

    async def aclose(self) -> None:
        """End every subscription (the server is shutting down)."""
        for subscriber in list(self._subscribers):
            subscriber.close()


MemoryChangeBus = ChangeBus


class RedisChangeBus(ChangeBus):
    """Changes through a Redis stream, heard by every process that shares it."""

    def __init__(self, store: RedisStore, *, block_seconds: float) -> None:
        super().__init__()
        self.store = store
        self.stream = store.key("changes")
        self._block_ms = block_ms(block_seconds)
        self._reader: asyncio.Task[None] | None = None
        self._last_id = "$"

    async def publish(self, changes: Iterable[Change]) -> None:
        """Raises StoreUnavailable when Redis is away: the change reached no one."""
        entries = [change.encode() for change in changes]
        if not entries:
            return

        async def send(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for entry in entries:
                    pipe.xadd(self.stream, {"c": entry}, maxlen=MAX_STREAM_LENGTH, approximate=True)
                pipe.pexpire(self.stream, STREAM_TTL_MS)
                await pipe.execute()

        await self.store.run(send)

    async def start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.create_task(self._follow(), name="change-bus")

    async def _follow(self) -> None:
        while True:
            try:
                await self._read_once()
            except StoreUnavailable:
                await asyncio.sleep(self.store.retry_after)
            except asyncio.CancelledError:
                raise
            except Exception:  # the reader must outlive any one bad entry
                logger.exception("change bus: reading the stream failed")
                await asyncio.sleep(self.store.retry_after)

    async def _read_once(self) -> None:
        if self._last_id == "$":
            # Start after the newest entry, known by id so that no change slips between reads.
            newest = await self.store.run(lambda c: c.xrevrange(self.stream, count=1))
            self._last_id = newest[0][0].decode() if newest else "0-0"
        answer = await self.store.run(
            lambda c: c.xread({self.stream: self._last_id}, count=READ_COUNT, block=self._block_ms)
        )
        for _stream, entries in answer or []:
            changes = []
            for entry_id, fields in entries:
                self._last_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    changes.append(Change.decode(fields[b"c"]))
            self.deliver(changes)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await super().aclose()


__all__ = [
    "Change",
    "ChangeBus",
    "ChangeKind",
    "ChangeSource",
    "MemoryChangeBus",
    "RedisChangeBus",
    "SlowConsumer",
    "Subscriber",
]
