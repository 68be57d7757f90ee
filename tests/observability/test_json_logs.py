"""`GATEWAY_LOG_FORMAT=json` in a real `gateway serve` process, traced to an OTLP/HTTP sink on
loopback: every line it prints is one JSON object; a request's operation line has its
request id, the caller's trace id and its outcome; no line and no exported span holds a
credential; the spans reach the sink under the configured service name."""

from __future__ import annotations

import json
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.observability.conftest import (
    CLIENT_KEY,
    OtlpSink,
    SandboxServer,
    gateway_process,
    production_env,
)

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
PAGE = "query Page { customers(first: 2) { edges { node { id email mews { number } } } } }"
CREDENTIALS = ("demo-secret", DEMO_CLIENT_TOKEN, DEMO_ACCESS_TOKEN, CLIENT_KEY)


def _post(url: str, query: str, **headers: str) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query},
        headers={"authorization": f"Bearer {CLIENT_KEY}", **headers},
        timeout=30,
    )
    body: dict[str, Any] = response.json()
    return body


def test_json_lines_carry_request_id_trace_id_and_outcome_and_no_credential(
    sandbox_server: SandboxServer, otlp_sink: OtlpSink
) -> None:
    env = production_env(
        sandbox_server.url,
        GATEWAY_LOG_FORMAT="json",
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_sink.url,
        OTEL_SERVICE_NAME="gateway-under-test",
        OTEL_BSP_SCHEDULE_DELAY="100",  # milliseconds
    )
    with gateway_process(env) as gateway:
        ok = _post(gateway.url, PAGE, **{"x-request-id": "req-ok-1", "traceparent": TRACEPARENT})
        assert "errors" not in ok
        bad = _post(gateway.url, "query Bad { customer { id } }", **{"x-request-id": "req-bad-1"})
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    output = gateway.text()  # the process has stopped: its spans were flushed on the way out

    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all({"timestamp", "level", "logger", "message"} <= set(line) for line in lines)
    by_request = {
        line.get("request_id"): line for line in lines if line["logger"] == "gateway.operations"
    }
    done = by_request["req-ok-1"]
    assert done["trace_id"] == TRACE_ID
    assert (done["operation"], done["operation_type"], done["outcome"]) == ("Page", "query", "ok")
    assert done["upstream_calls"] == {"fullwhere": 1, "mews": 1}
    assert done["duration_ms"] > 0
    failed = by_request["req-bad-1"]
    assert failed["outcome"] == "BAD_USER_INPUT"
    assert failed["upstream_calls"] == {}
    assert len(failed["trace_id"]) == 32 and failed["trace_id"] != TRACE_ID  # a trace of its own
    assert not [secret for secret in CREDENTIALS if secret in output]

    spans = []
    for export in otlp_sink.exports:
        assert not [secret for secret in CREDENTIALS if secret.encode() in export]
        request = ExportTraceServiceRequest.FromString(export)
        for resource_spans in request.resource_spans:
            service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}[
                "service.name"
            ]
            assert service == "gateway-under-test"
            for scope_spans in resource_spans.scope_spans:
                spans += [(span.trace_id.hex(), span.name) for span in scope_spans.spans]
    ours = [name for trace, name in spans if trace == TRACE_ID]
    assert "query Page" in ours
    assert {"fullwhere list", "mews customers/getAll"} <= set(ours)
