"""OpenTelemetry traces: one span per HTTP request (the maintained ASGI instrumentation, which
also reads the caller's W3C `traceparent`), one per GraphQL operation inside it, and one per
upstream call inside that, whose context goes to the upstream in `traceparent`.

Upstream calls get spans of our own (`upstream_span`, around `request_json`) rather than the
httpx instrumentation's: theirs would record each URL, query string included (Fullwhere's
reads by id carry the customer's id there), and could not say the upstream operation or which
retry a call is.

Off unless an OTLP endpoint is configured (OpenTelemetry's standard `OTEL_*` variables, read
by the SDK and its OTLP/HTTP exporter). The app's `TracerProvider` is the per-request
`current_tracer()` of the `Tracing` middleware, not a process-wide global, so two apps in one
process (tests) never share one; with tracing off nothing is installed and every hook below
is one context-variable read.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import __version__

DEFAULT_SERVICE_NAME = "customer-gateway"
#: Requests that make no span: probes and scrapes would drown the traces that matter.
UNTRACED_PATHS = "healthz,readyz,metrics"
INSTRUMENTATION = "gateway"

_tracer: ContextVar[Tracer | None] = ContextVar("gateway_tracer", default=None)


def otlp_tracer_provider(endpoint: str) -> TracerProvider:
    """A provider exporting in batches over OTLP/HTTP to `endpoint` (the traces URL); the
    other `OTEL_*` variables (headers, timeout, sampler, batching) as the SDK reads them.

    `OTEL_SERVICE_NAME` (or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) names the service;
    `customer-gateway` when neither does.
    """
    # Imported here: the exporter pulls in protobuf and requests, needed only when tracing.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    resource = Resource.create({SERVICE_VERSION: __version__})
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


class Tracing:
    """Pure ASGI middleware, installed only when tracing is on: the request's server span
    (from the caller's `traceparent` when it sends one) and the tracer for the spans within."""

    def __init__(self, app: ASGIApp, provider: trace.TracerProvider) -> None:
        self.tracer = provider.get_tracer(INSTRUMENTATION, __version__)
        # One server span per request: no extra spans for each ASGI receive and send event.
        self.app = OpenTelemetryMiddleware(
            app,
            excluded_urls=UNTRACED_PATHS,
            tracer_provider=provider,
            exclude_spans=["receive", "send"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _tracer.set(self.tracer)
        try:
            await self.app(scope, receive, send)
        finally:
            _tracer.reset(token)


def current_tracer() -> Tracer | None:
    """The tracer of the request being served; None when tracing is off."""
    return _tracer.get()


#: What a task serving several requests needs to trace its calls in the first one's trace.
TraceParent = tuple[Tracer, otel_context.Context]


def trace_parent() -> TraceParent | None:
    """The current request's tracer and trace context (None when tracing is off)."""
    tracer = _tracer.get()
    return None if tracer is None else (tracer, otel_context.get_current())


@contextmanager
def continued(parent: TraceParent | None) -> Iterator[None]:
    """Make `parent` current in the block: its spans join that request's trace."""
    if parent is None:
        yield
        return
    tracer, context = parent
    tracer_token, context_token = _tracer.set(tracer), otel_context.attach(context)
    try:
        yield
    finally:
        otel_context.detach(context_token)
        _tracer.reset(tracer_token)


def trace_id() -> str | None:
    """The current trace id (32 hex digits), or None outside a recorded trace."""
    if _tracer.get() is None:
        return None
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


@contextmanager
def operation_span(tracer: Tracer) -> Iterator[Span]:
    """The span of one GraphQL operation (named once the document is known)."""
    with tracer.start_as_current_span(
        "graphql.operation", kind=SpanKind.INTERNAL, record_exception=False
    ) as span:
        yield span


def finish_operation_span(span: Span, name: str | None, kind: str, outcome: str) -> None:
    span.update_name(f"{kind} {name}" if name else kind)
    if name:
        span.set_attribute("graphql.operation.name", name)
    span.set_attribute("graphql.operation.type", kind)
    span.set_attribute("gateway.outcome", outcome)
    if outcome not in ("ok", "partial"):
        span.set_status(StatusCode.ERROR, outcome)


@contextmanager
def upstream_span(
    tracer: Tracer,
    upstream: str,
    operation: str,
    method: str,
    retry: int,
    headers: MutableMapping[str, str],
) -> Iterator[Span]:
    """The span of one upstream call; its context goes into `headers` (`traceparent`).

    Attributes name the call, never its content: no URL query, body or credential.
    """
    attributes: dict[str, Any] = {
        "gateway.upstream": upstream,
        "gateway.upstream.operation": operation,
        "http.request.method": method,
        "gateway.retry": retry,
    }
    with tracer.start_as_current_span(
        f"{upstream} {operation}",
        kind=SpanKind.CLIENT,
        attributes=attributes,
        record_exception=False,  # an exception's text may quote the request
        set_status_on_exception=False,
    ) as span:
        propagate.inject(headers)
        yield span


def end_upstream_span(span: Span, status: int | None, error_code: str | None) -> None:
    if status is not None:
        span.set_attribute("http.response.status_code", status)
    if error_code is not None:
        span.set_attribute("gateway.error.code", error_code)
        span.set_status(StatusCode.ERROR, error_code)
    elif status is not None and status >= 500:
        span.set_status(StatusCode.ERROR, f"HTTP {status}")
