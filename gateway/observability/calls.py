"""One upstream call, observed: its metric, its span, its `traceparent`, and its count in the
operation's log line. `request_json` wraps every HTTP exchange with an upstream in
`upstream_call`; the retry layer numbers the attempts with `first_attempt` and `retrying`.
"""

from __future__ import annotations

import time
from asyncio import CancelledError
from collections import Counter
from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar

from opentelemetry.trace import Span

from gateway.observability import metrics, tracing

#: Upstream calls of the operation being served, by upstream (for its log line).
_calls: ContextVar[Counter[str] | None] = ContextVar("gateway_upstream_calls", default=None)
#: Which retry of its call the attempt being sent is (0: the first attempt).
_retry: ContextVar[int] = ContextVar("gateway_retry", default=0)


class Call:
    """What the caller learns about the exchange: the HTTP status, when an answer came."""

    __slots__ = ("status",)

    def __init__(self) -> None:
        self.status: int | None = None


@contextmanager
def count_calls(calls: Counter[str]) -> Iterator[Counter[str]]:
    """Count the upstream calls made in the block (and the tasks it starts) into `calls`."""
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


def count_shared_call(upstream: str) -> None:
    """Count, in the operation being served, a call made on its behalf by a task that serves
    several operations (the Mews read batcher); the call's metric and span are the task's."""
    calls = _calls.get()
    if calls is not None:
        calls[upstream] += 1


def first_attempt() -> None:
    """A new call starts: its attempts are numbered from 0 again.

    Set without a reset, for the rest of the task: every call through the retry layer starts
    with this, so a number left by an earlier call is never read.
    """
    _retry.set(0)


def retrying(upstream: str, retry: int) -> None:
    """The next attempt of the call is its `retry`-th retry."""
    _retry.set(retry)
    metrics.record_retry(upstream)


@contextmanager
def upstream_call(
    upstream: str, operation: str, method: str, headers: MutableMapping[str, str]
) -> Iterator[Call]:
    """Observe one HTTP exchange; set `Call.status` once the upstream answers.

    Raising an `UpstreamError` out of the block marks the call failed with its code.
    """
    call = Call()
    calls = _calls.get()
    if calls is not None:
        calls[upstream] += 1
    tracer = tracing.current_tracer()
    if tracer is None and not metrics.enabled():
        yield call
        return
    started = time.perf_counter()
    error_code: str | None = None
    span_scope: AbstractContextManager[Span | None] = (
        nullcontext()
        if tracer is None
        else tracing.upstream_span(tracer, upstream, operation, method, _retry.get(), headers)
    )
    with span_scope as span:
        try:
            yield call
        except BaseException as exc:
            error_code = getattr(exc, "code", None) or (
                metrics.CANCELLED if isinstance(exc, CancelledError) else type(exc).__name__
            )
            raise
        finally:
            if span is not None:
                tracing.end_upstream_span(span, call.status, error_code)
            metrics.record_upstream_call(
                upstream,
                operation,
                metrics.status_class(call.status, error_code),
                time.perf_counter() - started,
            )
