"""One GraphQL operation, observed: its metric, its span and its log line.

`ObserveOperation` is the schema's outermost extension, so that it sees the result with
every error already given its code. The log line (`gateway.operations`, INFO) carries the
operation's name, type, outcome, duration and upstream calls as record attributes, which the
JSON log format prints as fields.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from graphql import GraphQLError
from opentelemetry.trace import Span
from strawberry.extensions import SchemaExtension

from gateway.http.caller import caller_of
from gateway.observability import metrics, tracing
from gateway.observability.calls import count_calls

logger = logging.getLogger("gateway.operations")

OK = "ok"
PARTIAL = "partial"
#: The outcome of a failed operation whose error has no code (none should: ErrorCodes).
UNKNOWN_ERROR = "ERROR"


def outcome_of(data: Any, errors: list[GraphQLError] | None) -> str:
    """`ok`; `partial` (data and errors); or the first error's code (no data)."""
    if not errors:
        return OK
    if data:
        return PARTIAL
    code = (errors[0].extensions or {}).get("code")
    return code if isinstance(code, str) else UNKNOWN_ERROR


class ObserveOperation(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        calls: Counter[str] = Counter()
        tracer = tracing.current_tracer()
        span_scope: AbstractContextManager[Span | None] = (
            nullcontext() if tracer is None else tracing.operation_span(tracer)
        )
        with span_scope as span, count_calls(calls):
            yield
            seconds = time.perf_counter() - started
            context = self.execution_context
            result = context.result
            errors = (
                list(result.errors or [])
                if result is not None
                else list(context.pre_execution_errors or [])
            )
            outcome = outcome_of(None if result is None else result.data, errors)
            name = context.operation_name
            kind = _kind(context)
            request = getattr(context.context, "request", None)
            caller = caller_of(request.scope).kind if request is not None else "anonymous"
            metrics.record_operation(name, kind, outcome, seconds, caller)
            if span is not None:
                tracing.finish_operation_span(span, name, kind, outcome)
            # Formatted once here: a message with arguments is formatted again by every
            # filter and formatter that reads it.
            upstream = ", ".join(f"{source} {count}" for source, count in calls.items())
            logger.info(
                f"{kind} {name or '(anonymous)'}: {outcome} in {seconds * 1000:.1f} ms, "
                f"upstream calls {upstream or 'none'}",
                extra={
                    "operation": name,
                    "operation_type": kind,
                    "outcome": outcome,
                    "duration_ms": round(seconds * 1000, 3),
                    "upstream_calls": dict(calls),
                },
            )


def _kind(context: Any) -> str:
    try:
        return str(context.operation_type.value)
    except Exception:  # no document (a parse error), or no such operation in it
        return "unknown"
