"""OpenTelemetry traces of a gateway app over the sandboxes, caught by an in-memory exporter:
the caller's `traceparent` is continued, each GraphQL operation has its span, each upstream
call a child span of it, and each sandbox received a `traceparent` of that same trace naming
its call's span."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from tests.conftest import gateway_http
from tests.observability.conftest import HeaderRecorder, OtlpSink
from tests.resilience.conftest import FAST
from tests.support.credential_scan import CredentialScan

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
PAGE = "query Page { customers(first: 3) { edges { node { id email mews { number } } } } }"
MEWS_PAGE = "query MewsPage { mewsCustomers(first: 4) { edges { node { id } } } }"


class Traced:
    def __init__(
        self, http: httpx.AsyncClient, exporter: InMemorySpanExporter, recorders: dict[str, Any]
    ) -> None:
        self.http = http
        self.exporter = exporter
        self.recorders = recorders

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def received(self) -> list[str | None]:
        """The `traceparent` headers the sandboxes received, in order."""
        return [tp for recorder in self.recorders.values() for tp in recorder.traceparents]


@asynccontextmanager
async def traced_gateway(
    sandboxes: Sandboxes, env: dict[str, str] | None = None, *, tracing: bool = True
) -> AsyncIterator[Traced]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    recorders = {
        "fullwhere": HeaderRecorder(sandboxes.fullwhere.app),
        "mews": HeaderRecorder(sandboxes.mews.app),
    }
    app = create_app(
        load_settings(env or {}, demo=True),
        sandboxes=sandboxes,
        fullwhere_transport=httpx.ASGITransport(app=recorders["fullwhere"]),
        mews_transport=httpx.ASGITransport(app=recorders["mews"]),
        tracer_provider=provider if tracing else None,
    )
    async with gateway_http(app) as http:
        yield Traced(http, exporter, recorders)
    provider.shutdown()


def _hex_span(span: ReadableSpan) -> str:
    return format(span.context.span_id, "016x")


async def test_operation_span_with_one_child_per_upstream_call_and_traceparent_sent(
    sandboxes: Sandboxes, credential_scan: CredentialScan
) -> None:
    async with traced_gateway(sandboxes) as gateway:
        response = await gateway.http.post(
            "/graphql", json={"query": PAGE}, headers={"traceparent": TRACEPARENT}
        )
        assert "errors" not in response.json()
        spans = gateway.spans()
        received = gateway.received()

    # The caller's trace goes on: every span of the request is in it.
    assert {format(span.context.trace_id, "032x") for span in spans} == {TRACE_ID}
    (server,) = [s for s in spans if s.kind == SpanKind.SERVER]
    assert server.parent is not None and format(server.parent.span_id, "016x") == CALLER_SPAN

    (operation,) = [s for s in spans if s.name == "query Page"]
    assert operation.parent is not None and operation.parent.span_id == server.context.span_id
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.name"] == "Page"
    assert operation.attributes["graphql.operation.type"] == "query"
    assert operation.attributes["gateway.outcome"] == "ok"

    upstream = [s for s in spans if s.kind == SpanKind.CLIENT]
    calls = Counter(
        f"{sandbox}:{op}"
        for sandbox, control in (
            ("fullwhere", sandboxes.fullwhere.control),
            ("mews", sandboxes.mews.control),
        )
        for op, count in control.calls.items()
        for _ in range(count)
    )
    assert calls == {"fullwhere:list": 1, "mews:customers/getAll": 1}
    assert len(upstream) == sum(calls.values())
    named = [dict(s.attributes or {}) for s in upstream]
    assert (
        Counter(f"{a['gateway.upstream']!s}:{a['gateway.upstream.operation']!s}" for a in named)
        == calls
    )
    for span in upstream:
        assert span.parent is not None and span.parent.span_id == operation.context.span_id
        assert span.attributes is not None
        assert span.attributes["http.response.status_code"] in (200, 201)  # list answers 201
        assert span.attributes["gateway.retry"] == 0

    # Each sandbox got the trace id, and the id of the span of its own call.
    assert len(received) == len(upstream)
    assert sorted(tp for tp in received if tp is not None) == sorted(
        f"00-{TRACE_ID}-{_hex_span(span)}-01" for span in upstream
    )

    # No credential in any span (the session's scan knows every one configured).
    text = repr([(s.name, dict(s.attributes or {})) for s in spans])
    assert not [secret for secret in credential_scan.known() if secret in text]


async def test_a_retried_call_has_a_span_per_attempt_numbered(sandboxes: Sandboxes) -> None:
    sandboxes.mews.control.fail_next("customers/getAll", 1, status=503)
    async with traced_gateway(sandboxes, FAST) as gateway:
        response = await gateway.http.post("/graphql", json={"query": MEWS_PAGE})
        assert "errors" not in response.json()
        spans = gateway.spans()
    upstream = sorted(
        (s for s in spans if s.kind == SpanKind.CLIENT), key=lambda s: s.start_time or 0
    )
    assert [(s.attributes or {}).get("gateway.retry") for s in upstream] == [0, 1]
    assert [(s.attributes or {}).get("http.response.status_code") for s in upstream] == [503, 200]
    assert upstream[0].status.status_code == StatusCode.ERROR
    assert upstream[1].status.status_code == StatusCode.UNSET
    # Without a caller's traceparent the gateway starts a trace of its own.
    assert len({s.context.trace_id for s in spans}) == 1


async def test_a_failed_operation_span_says_its_error_code(sandboxes: Sandboxes) -> None:
    async with traced_gateway(sandboxes) as gateway:
        response = await gateway.http.post("/graphql", json={"query": "query Bad { customer }"})
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        spans = gateway.spans()
    (operation,) = [s for s in spans if s.name == "query Bad"]
    assert operation.status.status_code == StatusCode.ERROR
    assert (operation.attributes or {})["gateway.outcome"] == "BAD_USER_INPUT"


async def test_tracing_off_sends_no_traceparent_upstream(sandboxes: Sandboxes) -> None:
    async with traced_gateway(sandboxes, tracing=False) as gateway:
        response = await gateway.http.post(
            "/graphql", json={"query": PAGE}, headers={"traceparent": TRACEPARENT}
        )
        assert "errors" not in response.json()
        assert gateway.spans() == []
        assert gateway.received() == [None, None]


async def test_settings_alone_send_spans_to_their_otlp_endpoint(
    sandboxes: Sandboxes, otlp_sink: OtlpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The endpoint comes from the settings given, not from this process's environment.
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp_sink.url}, demo=True)
    app = create_app(settings, sandboxes=sandboxes)
    async with app.router.lifespan_context(app), gateway_http(app) as http:
        response = await http.post(
            "/graphql", json={"query": PAGE}, headers={"traceparent": TRACEPARENT}
        )
        assert "errors" not in response.json()
    # The lifespan's end flushed the batch.
    names = [
        span.name
        for export in otlp_sink.exports
        for resource in ExportTraceServiceRequest.FromString(export).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
        if span.trace_id.hex() == TRACE_ID
    ]
    assert "query Page" in names and "fullwhere list" in names
