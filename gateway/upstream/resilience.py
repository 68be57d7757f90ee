"""Calm under upstream faults: deadlines, retries, a circuit breaker and a rate limiter.

Every upstream call of a client goes through its `Guard`:

    guard = Guard(
        "mews",
        retry=RetryPolicy(retries=2, backoff=Backoff(base=0.2, cap=5.0)),
        breaker=CircuitBreaker(threshold=5, cooldown=30.0),
        limiter=SlidingWindowLimiter(limit=200, window=30.0),
        timeout=httpx.Timeout(10.0, connect=3.0),
    )
    body = await guard.call(lambda timeout: request_json(..., timeout=timeout), write=False)

One call runs: deadline check → breaker → limiter → attempt → classify → backoff → again.

- The deadline of the GraphQL request (`deadline_scope`, a contextvar) bounds everything: no
  wait or attempt starts that would pass it, and an attempt is cut off when it arrives.
- Reads are retried on 408, 429, 5xx, timeouts and connection errors; writes only when the
  upstream certainly did not act (`UpstreamError.not_applied`: a 429, a refused connection).
- Waits honour `Retry-After` and otherwise use capped exponential backoff with full jitter.
- The breaker counts upstream faults only (5xx, transport timeouts, connection errors): not
  4xx answers, not 429 (the upstream is up and says how long to wait) and not 408 (the request
  was too heavy, not the upstream down).

A default `Guard(source)` sends each call once, as is.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

import httpx

from gateway.observability import metrics
from gateway.observability.calls import first_attempt, retrying
from gateway.upstream.errors import (
    Source,
    UpstreamBadRequest,
    UpstreamError,
    UpstreamInvalidResponse,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from gateway.upstream.session import watching_the_wire

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Attempt = Callable[[httpx.Timeout | None], Awaitable[T]]

_NAMES = {"fullwhere": "Fullwhere", "mews": "Mews"}

# -- the request's deadline ------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A point in time (on `clock`) by which the GraphQL request must be answered."""

    at: float
    clock: Clock = field(default=time.monotonic, repr=False, compare=False)

    @classmethod
    def after(cls, seconds: float, *, clock: Clock = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    def remaining(self) -> float:
        return self.at - self.clock()


_deadline: ContextVar[Deadline | None] = ContextVar("gateway_request_deadline", default=None)


def current_deadline() -> Deadline | None:
    """The deadline of the request being served, if any."""
    return _deadline.get()


@contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[None]:
    """Make `deadline` the current one for the block (and the tasks it starts)."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline.remaining()


# -- the request's writes ---------------------------------------------------------------------


@dataclass
class SentWrites:
    """The upstreams a request has sent writes to, in order (one entry per attempt whose
    request left the process), and whether one of those writes may have been applied
    (answered, or no clear refusal)."""

    sources: list[Source] = field(default_factory=list)
    maybe_applied: bool = False
    #: The enclosing scope, which hears of every write too.
    parent: SentWrites | None = None

    def _chain(self) -> Iterator[SentWrites]:
        """This scope and every enclosing one."""
        scope: SentWrites | None = self
        while scope is not None:
            yield scope
            scope = scope.parent

    def note_sent(self, source: Source) -> None:
        for scope in self._chain():
            scope.sources.append(source)

    def note_maybe_applied(self) -> None:
        for scope in self._chain():
            scope.maybe_applied = True


_sent_writes: ContextVar[SentWrites | None] = ContextVar("gateway_sent_writes", default=None)


@contextmanager
def sent_writes_scope() -> Iterator[SentWrites]:
    """Note, for the block (and the tasks it starts), every write the guards send: whoever
    ends the request early can then say whether a write may have been applied. Scopes nest:
    an enclosing one hears of the writes of the inner one."""
    sent = SentWrites(parent=_sent_writes.get())
    token = _sent_writes.set(sent)
    try:
        yield sent
    finally:
        _sent_writes.reset(token)


def writes_sent() -> bool:
    """Whether the request being served has sent a write (as `sent_writes_scope` notes)."""
    sent = _sent_writes.get()
    return sent is not None and bool(sent.sources)


# -- classification --------------------------------------------------------------------------


class UpstreamCircuitOpen(UpstreamUnavailable):
    """The breaker is open: the call was not sent (`mayHaveBeenApplied: false`)."""

    def __init__(self, source: Source, *, reopens_in: float) -> None:
        super().__init__(
            source,
            f"{_NAMES[source]} is failing; calls are paused for {max(reopens_in, 0.0):.1f} s "
            "after repeated failures",
            sent=False,
            retry_after=round(max(reopens_in, 0.0), 1),
        )


def is_upstream_fault(exc: BaseException) -> bool:
    """Whether `exc` says the upstream is unwell (what the breaker counts)."""
    if isinstance(exc, UpstreamCircuitOpen):
        return False
    if isinstance(exc, UpstreamUnavailable):
        return True
    return isinstance(exc, UpstreamTimeout) and exc.status != 408


def is_upstream_failure(exc: BaseException) -> bool:
    """Whether a read that raised `exc` may be answered from a stale cached copy: any
    upstream failure, but not an answer about the request itself (400, 403, 404, 413)."""
    if isinstance(exc, UpstreamBadRequest):
        return False
    return isinstance(exc, UpstreamError) and exc.code in (
        "UPSTREAM_ERROR",
        "UPSTREAM_TIMEOUT",
        "UPSTREAM_RATE_LIMITED",
        "UPSTREAM_UNAVAILABLE",
    )


# -- backoff and retries ---------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with full jitter: retry n waits U(0, min(cap, base·2ⁿ))."""

    base: float = 0.2
    cap: float = 5.0

    def ceiling(self, retry: int) -> float:
        return min(self.cap, self.base * 2.0**retry)

    def delay(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        return rand() * self.ceiling(retry)


@dataclass(frozen=True)
class RetryPolicy:
    """Which failures are retried, how often, and how long to wait before each retry."""

    #: Retries after the first attempt (0: never retry).
    retries: int = 2
    backoff: Backoff = Backoff()
    #: The longest single wait accepted; a longer `Retry-After` fails the call at once.
    max_wait: float = 30.0

    def retryable(self, exc: UpstreamError, *, write: bool) -> bool:
        if isinstance(exc, UpstreamCircuitOpen | UpstreamWriteTooLate):
            return False
        if write:
            # Only when the upstream certainly did not act: a retried add could duplicate.
            return exc.not_applied
        return isinstance(exc, UpstreamRateLimited | UpstreamTimeout | UpstreamUnavailable)

    def delay(
        self, exc: UpstreamError, retry: int, rand: Callable[[], float] = random.random
    ) -> float:
        """`Retry-After` when the upstream gave one, else backoff for the `retry`-th wait."""
        retry_after: float | None = getattr(exc, "retry_after", None)
        return retry_after if retry_after is not None else self.backoff.delay(retry, rand)


NO_RETRY = RetryPolicy(retries=0)


# -- circuit breaker -------------------------------------------------------------------------

BreakerState = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Fails fast after `threshold` consecutive upstream faults, for `cooldown` seconds.

    Then one probe call goes through (half-open): success closes the circuit, a fault opens it
    for another cooldown. Calls made while the probe is out fail fast too.
    """

    def __init__(
        self, threshold: int = 5, cooldown: float = 30.0, *, clock: Clock = time.monotonic
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    def __repr__(self) -> str:
        return f"CircuitBreaker(state={self.state!r}, failures={self._failures})"

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._probing or self.reopens_in() <= 0:
            return "half-open"
        return "open"

    def reopens_in(self) -> float:
        """Seconds until a probe may go (0 when closed)."""
        if self._opened_at is None:
            return 0.0
        return self._opened_at + self.cooldown - self._clock()

    def allow(self) -> bool:
        """May a call go now? In half-open state, True only for the one probe."""
        if self._opened_at is None:
            return True
        if self._probing or self.reopens_in() > 0:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self.threshold:
            self._opened_at = self._clock()
            self._probing = False

    def record_neutral(self) -> None:
        """The call ended without telling anything about the upstream (cancelled, cut off by
        the deadline): a probe slot goes back to the next caller."""
        self._probing = False


# -- rate limiter ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A limiter's answer: the call may go after `wait` seconds (`granted`), or, refused,
    the next slot is free in `wait` seconds."""

    granted: bool
    wait: float
    #: Slots left in the window after this answer (for the limiter's metrics).
    free: int = 0


@dataclass(frozen=True)
class Budget:
    """What is left of the rate limit now: calls that may start at once, and the seconds
    until the next slot is free (0 when one is free now)."""

    remaining: int
    next_free_in: float


class RateLimiter(Protocol):
    """What the guard (and anyone planning calls, like a batcher) asks of a limiter.

    `SlidingWindowLimiter` keeps the window in this process; `gateway.store.limiter`'s
    `RedisWindowLimiter` shares it with every process on one Redis.
    """

    limit: int
    window: float

    async def acquire(self, *, max_wait: float | None = None) -> Slot:
        """Take the next free slot, unless its wait would reach `max_wait` seconds."""
        ...

    async def hold(self, seconds: float) -> None:
        """Start no call for `seconds` (the upstream answered 429 with `Retry-After`)."""
        ...

    async def budget(self) -> Budget:
        """How much may be sent now, without taking anything."""
        ...


class SlidingWindowLimiter:
    """At most `limit` calls in any `window` seconds (a sliding window, as Mews counts).

    Callers reserve the next free slot and wait for it, so a burst is spread out instead of
    collecting 429s. `pause` holds every call back (after a 429 with `Retry-After`). Slots
    are spaced `window + margin` apart: a call reaches the upstream up to `margin` after its
    slot, and the upstream counts arrivals.
    """

    def __init__(
        self, limit: int, window: float, *, margin: float = 0.0, clock: Clock = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window
        self.margin = margin
        self._clock = clock
        # Start times of the last `limit` calls, reserved ones included; never decreasing.
        self._starts: deque[float] = deque(maxlen=limit)
        self._paused_until = float("-inf")

    def __repr__(self) -> str:
        return f"SlidingWindowLimiter(limit={self.limit}, window={self.window})"

    def next_wait(self) -> float:
        """How long a call made now would wait (without reserving anything)."""
        return self._next_start() - self._clock()

    def _next_start(self) -> float:
        start = max(self._clock(), self._paused_until)
        if len(self._starts) == self.limit:
            start = max(start, self._starts[0] + self.window + self.margin)
        return start

    def reserve(self, *, max_wait: float | None = None) -> float | None:
        """Take the next slot and return the seconds to wait for it; None, and nothing
        taken, when that wait would reach `max_wait`."""
        now = self._clock()
        start = self._next_start()
        if max_wait is not None and start - now > 0 and start - now >= max_wait:
            return None
        self._starts.append(start)
        return start - now

    def in_window(self) -> int:
        """Calls started, or reserved, in the last `window` seconds."""
        return len(self._starts) - bisect.bisect_right(self._starts, self._clock() - self.window)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, *, max_wait: float | None = None) -> Slot:
        wait = self.reserve(max_wait=max_wait)
        free = self.limit - self.in_window()
        if wait is None:
            return Slot(granted=False, wait=self.next_wait(), free=free)
        return Slot(True, wait, free)

    async def hold(self, seconds: float) -> None:
        self.pause(seconds)

    async def budget(self) -> Budget:
        now = self._clock()
        spacing = self.window + self.margin
        recent = sum(1 for start in self._starts if start > now - spacing)
        free = 0 if self._paused_until > now else self.limit - recent
        return Budget(remaining=max(free, 0), next_free_in=max(self.next_wait(), 0.0))


def deadline_passed(source: Source) -> UpstreamTimeout:
    """The error of a call not made because the request's deadline had passed."""
    return UpstreamTimeout(
        source, "the request's deadline passed before the call was made", sent=False
    )


def no_answer_in_time(source: Source, *, sent: bool = True) -> UpstreamTimeout:
    """The error of a call whose answer had not come by the request's deadline; `sent`
    False when the request had not left yet (no connection in time)."""
    if not sent:
        return UpstreamTimeout(
            source, "the request's deadline passed before the call could be sent", sent=False
        )
    return UpstreamTimeout(source, "no answer before the request's deadline", sent=True)


class UpstreamWriteTooLate(UpstreamRateLimited):
    """A write not sent: too little of the request's deadline was left for its answer (the
    rate limit's slot came too late, or the request was nearly over). Not retried: the
    time it lacks only shrinks."""


def too_late_to_write(source: Source, retry_after: float) -> UpstreamWriteTooLate:
    return UpstreamWriteTooLate(
        source,
        "too little of the request's deadline was left to send the write and read its answer; "
        "it was not sent",
        retry_after=round(max(retry_after, 0.0), 1),
        status=None,
    )


def over_budget(source: Source, retry_after: float) -> UpstreamRateLimited:
    """The error of a call that the limiter would hold past the request's deadline."""
    return UpstreamRateLimited(
        source,
        "the gateway's own rate limit for this upstream would hold the call past the "
        "request's deadline",
        retry_after=round(retry_after, 1),
        status=None,
    )


# -- the guard -------------------------------------------------------------------------------


class Guard:
    """Applies an upstream's timeouts, retry policy, breaker and limiter to its calls."""

    def __init__(
        self,
        source: Source,
        *,
        retry: RetryPolicy = NO_RETRY,
        breaker: CircuitBreaker | None = None,
        limiter: RateLimiter | None = None,
        timeout: httpx.Timeout | None = None,
        sleep: Sleep = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        write_margin: float = 0.0,
    ) -> None:
        self.source: Source = source
        #: Seconds of the deadline a write needs left to be sent (room for its answer).
        self.write_margin = write_margin
        self.retry = retry
        self.breaker = breaker
        self.limiter = limiter
        self.timeout = timeout
        self._sleep = sleep
        self._rand = rand

    def __repr__(self) -> str:
        return (
            f"Guard({self.source!r}, retry={self.retry!r}, breaker={self.breaker!r}, "
            f"limiter={self.limiter!r})"
        )

    async def call(self, attempt: Attempt[T], *, write: bool) -> T:
        """Run `attempt(timeout)` until it succeeds, fails for good, or time runs out.

        Raises the last `UpstreamError`; writes whose outcome is unknown say so. A write
        sent and not clearly refused is noted in the request's `SentWrites`.
        """
        scope = _sent_writes.get() if write else None
        if scope is None:
            return await self._call(attempt, write=write)
        sent_before = len(scope.sources)
        refused = False
        try:
            return await self._call(attempt, write=write)
        except UpstreamError as exc:
            refused = exc.may_have_been_applied is False
            raise
        finally:
            if not refused and len(scope.sources) > sent_before:
                scope.note_maybe_applied()

    async def _call(self, attempt: Attempt[T], *, write: bool) -> T:
        retries_done = 0
        first_attempt()
        while True:
            try:
                return await self._once(attempt, write=write)
            except UpstreamError as exc:
                error = _explained(exc, write=write)
            finally:
                if self.breaker is not None:
                    metrics.record_breaker(self.source, self.breaker.state)
            if self.limiter is not None:
                await self._hold_back(self.limiter, error)
            if retries_done >= self.retry.retries or not self.retry.retryable(error, write=write):
                raise error
            wait = self.retry.delay(error, retries_done, self._rand)
            remaining = _remaining()
            if wait > self.retry.max_wait or (remaining is not None and wait >= remaining):
                raise error  # never wait past the deadline: fail now with the last error
            retries_done += 1
            retrying(self.source, retries_done)
            await self._sleep(wait)

    @staticmethod
    async def _hold_back(limiter: RateLimiter, error: UpstreamError) -> None:
        # The upstream's limit counts per token: after its 429, every call waits, not just one.
        if isinstance(error, UpstreamRateLimited) and error.status == 429 and error.retry_after:
            await limiter.hold(error.retry_after)

    async def _once(self, attempt: Attempt[T], *, write: bool) -> T:
        remaining = _remaining()
        if remaining is not None and remaining <= 0:
            raise deadline_passed(self.source)
        breaker = self.breaker
        if breaker is not None and not breaker.allow():
            raise UpstreamCircuitOpen(self.source, reopens_in=breaker.reopens_in())
        cut_short = False
        # A write needs room for its answer: it takes no slot that lands past this.
        margin = self.write_margin if write else 0.0
        try:
            self._check_room(remaining, margin)
            if self.limiter is not None:
                await self._wait_for_slot(self.limiter, remaining, margin)
                remaining = _remaining()
                self._check_room(remaining, margin)
            timeout, cut_short = self._timeout_for(remaining)
            # Whoever ends the request early learns of a write once its bytes have left.
            on_sent = None
            if write and (sent := _sent_writes.get()) is not None:
                on_sent = functools.partial(sent.note_sent, self.source)
            result = await self._send(attempt, timeout, remaining, on_sent)
        except UpstreamError as exc:
            if breaker is not None:
                if is_upstream_fault(exc) and not (cut_short and isinstance(exc, UpstreamTimeout)):
                    breaker.record_failure()
                elif exc.status is not None:
                    breaker.record_success()  # it answered: it is up
                else:
                    breaker.record_neutral()
            raise
        except BaseException:
            if breaker is not None:
                breaker.record_neutral()
            raise
        if breaker is not None:
            breaker.record_success()
        return result

    def _check_room(self, remaining: float | None, margin: float) -> None:
        if margin > 0 and remaining is not None and remaining < margin:
            raise too_late_to_write(self.source, remaining)

    async def _wait_for_slot(
        self, limiter: RateLimiter, remaining: float | None, margin: float = 0.0
    ) -> None:
        max_wait = None if remaining is None else remaining - margin
        slot = await limiter.acquire(max_wait=max_wait)
        if metrics.enabled():
            metrics.record_limiter(
                self.source,
                wait=slot.wait if slot.granted else None,
                used=limiter.limit - slot.free,
                limit=limiter.limit,
            )
        if not slot.granted:
            if margin > 0 and remaining is not None and slot.wait < remaining:
                raise too_late_to_write(self.source, slot.wait)
            raise over_budget(self.source, slot.wait)
        if slot.wait > 0:
            await self._sleep(slot.wait)

    def _timeout_for(self, remaining: float | None) -> tuple[httpx.Timeout | None, bool]:
        """The attempt's timeouts, capped by the deadline; and whether the cap bit."""
        if remaining is None:
            return self.timeout, False
        base = self.timeout or httpx.Timeout(None)

        def cap(value: float | None) -> float:
            return remaining if value is None else min(value, remaining)

        capped = httpx.Timeout(
            connect=cap(base.connect),
            read=cap(base.read),
            write=cap(base.write),
            pool=cap(base.pool),
        )
        return capped, base.read is None or base.read > remaining

    async def _send(
        self,
        attempt: Attempt[T],
        timeout: httpx.Timeout | None,
        remaining: float | None,
        on_sent: Callable[[], None] | None = None,
    ) -> T:
        with watching_the_wire(on_sent) as wire:
            if remaining is None:
                return await attempt(timeout)
            # httpx timeouts bound each read; this bounds the whole exchange, whatever
            # transport.
            try:
                async with asyncio.timeout(remaining):
                    return await attempt(timeout)
            except TimeoutError:
                raise no_answer_in_time(self.source, sent=wire.sent) from None


MAY_HAVE_APPLIED = "; the write may have been applied: check before retrying"


def _explained(exc: UpstreamError, *, write: bool) -> UpstreamError:
    """`exc`; for a write, marked with whether it may have been applied: when it was sent
    and no answer came, or when the upstream answered 2xx (it acted) unreadably."""
    if not write or exc.may_have_been_applied is not None:
        return exc
    if isinstance(exc, UpstreamTimeout | UpstreamUnavailable):
        return mark_write(exc, applied=exc.sent)
    answered_2xx = exc.status is not None and 200 <= exc.status < 300
    return mark_write(exc, applied=isinstance(exc, UpstreamInvalidResponse) and answered_2xx)


def mark_write(exc: UpstreamError, *, applied: bool) -> UpstreamError:
    """`exc` of a write, marked with whether it may have been applied (its message then
    says so). Clients call it for a 2xx answer whose body is not what was promised."""
    exc.may_have_been_applied = applied
    if applied and not exc.message.endswith(MAY_HAVE_APPLIED):
        exc.message += MAY_HAVE_APPLIED
        exc.args = (exc.message,)
    return exc


__all__ = [
    "NO_RETRY",
    "Backoff",
    "Budget",
    "CircuitBreaker",
    "Deadline",
    "Guard",
    "RateLimiter",
    "RetryPolicy",
    "SentWrites",
    "SlidingWindowLimiter",
    "Slot",
    "UpstreamCircuitOpen",
    "UpstreamWriteTooLate",
    "current_deadline",
    "deadline_passed",
    "deadline_scope",
    "is_upstream_failure",
    "is_upstream_fault",
    "mark_write",
    "no_answer_in_time",
    "over_budget",
    "sent_writes_scope",
    "too_late_to_write",
    "writes_sent",
]
