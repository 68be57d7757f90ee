"""Unexpected failures are masked with a request id, which the log line carries too; log
records never hold a configured secret."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest

from gateway.data.loaders import Loaders
from gateway.http.endpoint import GraphQLEndpoint
from gateway.logs import REDACTED, SecretRedactor, install_redaction
from gateway.upstream.mews import DEMO_ACCESS_TOKEN as DEMO_MEWS_ACCESS_TOKEN
from tests.conftest import Gateway

LEAKY = (
    "connect to https://partner:demo-secret@api.fullwhere.com failed; "
    f"AccessToken={DEMO_MEWS_ACCESS_TOKEN}"
)


def gateway_records(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name.startswith("gateway") and request_id in r.getMessage()
    ]


def assert_no_secret(text: str) -> None:
    assert "demo-secret" not in text
    assert DEMO_MEWS_ACCESS_TOKEN not in text


async def test_a_failing_resolver_is_masked_with_the_request_id_in_response_and_log(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: Loaders, ids: Sequence[str]) -> list[Any]:
        raise RuntimeError(LEAKY)

    monkeypatch.setattr(Loaders, "_load_fullwhere", broken)
    response = await gateway.http.post(
        "/graphql",
        json={"query": '{ customer(id: "fullwhere:abc") { id } }'},
        headers={"x-request-id": "req-masked-1"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-masked-1"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-masked-1"}
    assert error["path"] == ["customer"]
    for leak in ("RuntimeError", "Traceback", "api.fullwhere.com", "demo-secret"):
        assert leak not in response.text
    [record] = gateway_records(caplog, "req-masked-1")
    assert record.levelno == logging.ERROR
    assert_no_secret(caplog.text)
    assert REDACTED in caplog.text  # the traceback is there, redacted
    assert "RuntimeError" in caplog.text


async def test_an_exception_escaping_the_endpoint_is_a_json_500_with_the_request_id(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(self: GraphQLEndpoint, scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError(LEAKY)

    monkeypatch.setattr(GraphQLEndpoint, "__call__", explode)
    response = await gateway.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json() == {
        "errors": [
            {
                "message": "Internal server error; quote the request id when reporting it",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
        ]
    }
    [record] = gateway_records(caplog, request_id)
    assert record.levelno == logging.ERROR and "POST /graphql failed" in record.getMessage()
    assert_no_secret(caplog.text)


async def test_every_response_carries_a_request_id(gateway: Gateway) -> None:
    for response in (
        await gateway.http.get("/healthz"),
        await gateway.http.get("/nowhere"),
        await gateway.http.post("/graphql", content=b"x" * (5 * 1024 * 1024)),
        await gateway.http.post("/graphql", json={"query": "{ __typename }"}),
    ):
        assert len(response.headers["x-request-id"]) >= 16
    echoed = await gateway.http.get("/healthz", headers={"x-request-id": "trace-7"})
    assert echoed.headers["x-request-id"] == "trace-7"
    forged = await gateway.http.get("/healthz", headers={"x-request-id": "a\tb"})
    assert forged.headers["x-request-id"] != "a\tb"


async def test_a_failed_request_is_one_log_line_with_its_id(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway")
    response = await gateway.http.get("/nowhere%0Aforged line", headers={"x-request-id": "r-404"})
    assert response.status_code == 404
    [record] = gateway_records(caplog, "r-404")
    assert record.getMessage() == (
        "request r-404: GET /nowhere\\nforged line answered 404; caller anonymous"
    )
    assert record.gateway_request_id == "r-404"  # type: ignore[attr-defined]


def test_the_redactor_replaces_secrets_in_messages_arguments_and_tracebacks() -> None:
    redactor = SecretRedactor(["s3cr3t-value", "a/b c", "no"])
    try:
        raise ValueError("failed with s3cr3t-value")
    except ValueError:
        record = logging.LogRecord(
            "t",
            logging.ERROR,
            __file__,
            1,
            "token %s in %s",
            ("s3cr3t-value", "a%2Fb%20c"),
            exc_info=__import__("sys").exc_info(),
        )
    redactor.filter(record)
    assert record.getMessage() == f"token {REDACTED} in {REDACTED}"
    assert record.exc_text is not None and "s3cr3t-value" not in record.exc_text
    assert "ValueError" in record.exc_text
    assert record.exc_info is None  # no handler can format the original again
    # Values this short would redact ordinary words: they are left alone.
    assert redactor.redact("no way") == "no way"


def test_every_log_record_is_redacted_once_installed(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction(["gw-installed-secret-42"])
    logging.getLogger("some.library").warning("sending gw-installed-secret-42 upstream")
    assert caplog.messages == [f"sending {REDACTED} upstream"]


def test_a_malformed_log_call_still_fails_only_in_the_handler() -> None:
    install_redaction(["gw-installed-secret-42"])
    record = logging.getLogger("some.library").makeRecord(
        "some.library", logging.ERROR, __file__, 1, "%d items", ("many",), None
    )
    assert record.msg == "%d items"  # left for the handler to report, as logging always does
