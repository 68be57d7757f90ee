"""`SettlingLoader`: a batching loader that waits for the request's Fullwhere reads.

Mews ids come out of Fullwhere records. A plain DataLoader sends a getAll each time a group
of Fullwhere reads lands, so 50 customers fetched by alias cost several getAll calls. This
loader holds its batch while the request's Fullwhere reads are still landing (the `Settle`
gate): until none is in flight, or none has landed for `max_wait` seconds, so a slow
Fullwhere record holds the others back by `max_wait` at most. With nothing in flight it
dispatches on the next tick, like a DataLoader.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Missing:
    """The type of `MISSING`: no value at hand."""


MISSING = Missing()


class Settle:
    """Counts the request's reads whose results may add keys to a settling batch."""

    def __init__(self) -> None:
        self._busy = 0
        self._progress = asyncio.Event()

    @contextmanager
    def busy(self) -> Iterator[None]:
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            self._progress.set()

    async def wait(self, quiet: float, cap: float = 1.0) -> None:
        """Until no read is in flight, or none has finished for `quiet` seconds (a slow
        one is not waited for), or `cap` seconds in all."""
        loop = asyncio.get_running_loop()
        end = loop.time() + cap
        while self._busy and (left := end - loop.time()) > 0:
            self._progress.clear()
            try:
                await asyncio.wait_for(self._progress.wait(), min(quiet, left))
            except TimeoutError:
                return


class SettlingLoader(Generic[K, V]):
    """Memoizing batch loader: `load(key)` returns a future; batches wait for `settle`."""

    def __init__(
        self,
        batch: Callable[[Sequence[K]], Awaitable[Sequence[V]]],
        settle: Settle,
        *,
        max_wait: float = 0.05,
        peek: Callable[[K], V | Missing] | None = None,
    ) -> None:
        self._batch = batch
        self._settle = settle
        self._max_wait = max_wait
        # A value already at hand (the shared cache) answers at once: no batch, no wait.
        self._peek = peek
        self._memo: dict[K, asyncio.Future[V]] = {}
        self._queue: list[K] = []
        # The loop keeps only weak references to tasks: these stay until they are done.
        self._dispatches: set[asyncio.Task[None]] = set()

    def load(self, key: K) -> asyncio.Future[V]:
        future = self._memo.get(key)
        if future is None or future.cancelled():  # a cancelled caller's load is asked again
            future = self._memo[key] = asyncio.get_running_loop().create_future()
            if self._peek is not None:
                value = self._peek(key)
                if value is not MISSING:
                    future.set_result(value)  # type: ignore[arg-type]
                    return future
            if not self._queue:
                task = asyncio.get_running_loop().create_task(self._dispatch())
                self._dispatches.add(task)
                task.add_done_callback(self._dispatches.discard)
            self._queue.append(key)
        return future

    def prime(self, key: K, value: V) -> None:
        """Answer `key` with `value` from now on (a write returned the record)."""
        future = asyncio.get_running_loop().create_future()
        future.set_result(value)
        self._memo[key] = future

    def clear(self, key: K) -> None:
        """Forget `key`, so the next load reads it again."""
        if key not in self._queue:
            self._memo.pop(key, None)

    async def load_many(self, keys: Sequence[K]) -> list[V]:
        return list(await asyncio.gather(*(self.load(key) for key in keys)))

    async def _dispatch(self) -> None:
        await asyncio.sleep(0)  # the rest of this tick's keys
        await self._settle.wait(self._max_wait)
        keys, self._queue = self._queue, []
        # The futures as dispatched: `prime` or `clear` may replace them in the memo meanwhile.
        futures = [self._memo[key] for key in keys]
        try:
            values = await self._batch(keys)
        except BaseException as exc:
            _settle(futures, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for future, value in zip(futures, values, strict=True):
            if not future.done():  # a caller cancelled by a failing sibling field
                future.set_result(value)


def _settle(futures: list[asyncio.Future[V]], exc: BaseException) -> None:
    """Fail the futures still pending; a caller cancelled meanwhile has settled its own."""
    for future in futures:
        if not future.done():
            future.set_exception(exc)
            future.exception()  # retrieved: callers may have gone
