"""The inbox of acknowledged webhook messages: the receiver answers at once and the work
runs afterwards, without losing a message it acknowledged.

- `MemoryInbox`: a bounded queue in this process and one worker draining it. A message whose
  work fails (an upstream away) is tried again after a pause, `MAX_ATTEMPTS` times at most.
- `RedisInbox`: a Redis stream with one consumer group; every process is a consumer. A
  message is `XADD`ed before the answer and `XACK`ed (and deleted) only once its work is done,
  so a process that dies in between leaves it pending, and another process claims it
  (`XAUTOCLAIM`) after `CLAIM_AFTER` seconds. A failed work is retried the same way.

`put` raises `InboxFull` past `max_pending` messages (the receiver answers 503, and the
sender tries again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from redis.exceptions import ResponseError

from gateway.store.redis import RedisStore, StoreUnavailable, block_ms

logger = logging.getLogger("gateway.live")

Message = dict[str, Any]
Handler = Callable[[Message], Awaitable[None]]

#: Messages waiting at most; past it the receiver answers 503.
DEFAULT_MAX_PENDING: Final = 10_000
#: Tries of one message's work in memory before it is logged and dropped.
MAX_ATTEMPTS: Final = 5
#: Seconds between tries of a failed work (memory), doubled each time.
RETRY_AFTER: Final = 2.0
#: Seconds a Redis message may stay unacknowledged before another consumer takes it over.
CLAIM_AFTER: Final = 30.0
GROUP: Final = "gateway"
#: Milliseconds the inbox lives after its last message (every key in Redis has a TTL): far
#: longer than any message waits.
INBOX_TTL_MS: Final = 7 * 24 * 3_600_000


class InboxFull(Exception):
    """Too many messages wait: refuse this one (the sender retries)."""


class MemoryInbox:
    """Messages of this process, worked on in order by one task."""

    def __init__(self, handler: Handler, *, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self._handler = handler
        self._queue: asyncio.Queue[Message] = asyncio.Queue(max_pending)
        self._worker: asyncio.Task[None] | None = None

    async def put(self, message: Message) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            raise InboxFull from None

    async def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._drain(), name="webhook-inbox")

    async def idle(self) -> None:
        """Wait until every message put so far is worked on (tests, shutdown)."""
        await self._queue.join()

    async def _drain(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self._work(message)
            finally:
                self._queue.task_done()

    async def _work(self, message: Message) -> None:
        for attempt in range(MAX_ATTEMPTS):
            try:
                await self._handler(message)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("webhook message not applied yet (%s); retrying", exc)
                await asyncio.sleep(RETRY_AFTER * 2**attempt)
        logger.error("webhook message dropped after %d attempts", MAX_ATTEMPTS)

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker


class RedisInbox:
    """Messages in a Redis stream, worked on by whichever process reads them first."""

    def __init__(
        self,
        store: RedisStore,
        handler: Handler,
        *,
        block_seconds: float,
        max_pending: int = DEFAULT_MAX_PENDING,
        claim_after: float = CLAIM_AFTER,
    ) -> None:
        self.store = store
        self.stream = store.key("webhooks", "mews")
        self._handler = handler
        self._max_pending = max_pending
        self._claim_after_ms = int(claim_after * 1000)
        self._block_ms = block_ms(block_seconds)
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._worker: asyncio.Task[None] | None = None

    async def put(self, message: Message) -> None:
        """Raises StoreUnavailable (nothing stored) or InboxFull."""
        body = orjson.dumps(message)

        async def add(client: Any) -> int:
            async with client.pipeline(transaction=False) as pipe:
                pipe.xlen(self.stream)
                pipe.xadd(self.stream, {"m": body})
                pipe.pexpire(self.stream, INBOX_TTL_MS)
                length, *_ = await pipe.execute()
            return int(length)

        if await self.store.run(add) >= self._max_pending:
            raise InboxFull

    async def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._drain(), name="webhook-inbox")

    async def _ensure_group(self) -> None:
        async def create(client: Any) -> None:
            with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
                await client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
                await client.pexpire(self.stream, INBOX_TTL_MS)

        await self.store.run(create)

    async def _drain(self) -> None:
        while True:
            try:
                await self._ensure_group()
                while True:
                    await self._claim_stale()
                    await self._read_new()
            except asyncio.CancelledError:
                raise
            except StoreUnavailable:
                await asyncio.sleep(self.store.retry_after)
            except Exception:  # the worker must outlive any one failure
                logger.exception("webhook inbox: reading the stream failed")
                await asyncio.sleep(self.store.retry_after)

    async def _read_new(self) -> None:
        answer = await self.store.run(
            lambda c: c.xreadgroup(
                GROUP, self.consumer, {self.stream: ">"}, count=10, block=self._block_ms
            )
        )
        for _stream, entries in answer or []:
            for entry_id, fields in entries:
                await self._work(entry_id, fields)

    async def _claim_stale(self) -> None:
        """Take over messages another consumer (or this one) left unacknowledged."""
        answer = await self.store.run(
            lambda c: c.xautoclaim(
                self.stream, GROUP, self.consumer, self._claim_after_ms, start_id="0-0", count=10
            )
        )
        for entry_id, fields in answer[1] if answer else []:
            if fields:  # None for an entry deleted meanwhile
                await self._work(entry_id, fields)

    async def _work(self, entry_id: Any, fields: dict[bytes, bytes]) -> None:
        try:
            message = orjson.loads(fields[b"m"])
        except (KeyError, orjson.JSONDecodeError):
            message = None
        if message is not None:
            try:
                await self._handler(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # left pending: claimed again after `claim_after`
                logger.warning("webhook message not applied yet (%s); it stays queued", exc)
                return

        async def done(client: Any) -> None:
            async with client.pipeline(transaction=False) as pipe:
                pipe.xack(self.stream, GROUP, entry_id)
                pipe.xdel(self.stream, entry_id)
                await pipe.execute()

        with contextlib.suppress(StoreUnavailable):  # unacknowledged: done again, harmlessly
            await self.store.run(done)

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker


Inbox = MemoryInbox | RedisInbox

__all__ = ["Handler", "Inbox", "InboxFull", "MemoryInbox", "Message", "RedisInbox"]
