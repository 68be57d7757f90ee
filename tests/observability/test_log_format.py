"""The JSON log format: one JSON object per record, one line each, with the request id and
the record's own fields, and credentials redacted exactly as in the text format."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from gateway.logs import (
    REDACTED,
    REDACTOR,
    JsonFormatter,
    formatter,
    install_redaction,
    request_id_var,
)

SECRET = "json-log-secret-0123"


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    install_redaction([SECRET])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    logger = logging.getLogger("gateway.test-json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_line_with_request_id_and_extra_fields(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_log
    token = request_id_var.set("req-42")
    try:
        logger.info("line one\nline two", extra={"outcome": "ok", "upstream_calls": {"mews": 2}})
    finally:
        request_id_var.reset(token)
    (line,) = _lines(stream)
    assert line["message"] == "line one\nline two"
    assert (line["level"], line["logger"], line["request_id"]) == (
        "INFO",
        "gateway.test-json",
        "req-42",
    )
    assert (line["outcome"], line["upstream_calls"]) == ("ok", {"mews": 2})
    assert str(line["timestamp"]).endswith("+00:00")
    assert "trace_id" not in line  # tracing is off here


def test_credentials_are_redacted_from_message_and_traceback(
    json_log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_log
    try:
        raise RuntimeError(f"upstream refused {SECRET}")
    except RuntimeError:
        logger.exception("calling with %s failed", SECRET)
    output = stream.getvalue()
    assert SECRET not in output
    (line,) = _lines(stream)
    assert line["message"] == f"calling with {REDACTED} failed"
    assert REDACTED in str(line["exception"]) and "RuntimeError" in str(line["exception"])


def test_text_stays_the_default_format() -> None:
    assert not isinstance(formatter(), JsonFormatter)
    assert isinstance(formatter("json"), JsonFormatter)


def test_the_text_format_stamps_each_line_as_logging_does_across_seconds() -> None:
    text, plain = formatter("text"), logging.Formatter()
    # Lines in one second, the next second, and back: the remembered second never leaks.
    for created in (1_700_000_000.001, 1_700_000_000.999, 1_700_000_001.5, 1_700_000_000.25):
        record = logging.LogRecord("gateway.test", logging.INFO, "", 0, "line", None, None)
        record.created, record.msecs = created, float(int((created % 1) * 1000))
        assert text.format(record).startswith(plain.formatTime(record) + " INFO gateway.test")


def test_a_record_is_redacted_again_once_more_secrets_are_known() -> None:
    later = "text-log-secret-added-later-42"
    record = logging.LogRecord("gateway.test", logging.INFO, "", 0, f"key {later}", None, None)
    install_redaction([SECRET])  # made while the secret was unknown: kept as it is
    assert later in record.getMessage()
    install_redaction([later])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(REDACTOR)
    handler.handle(record)
    assert later not in stream.getvalue() and REDACTED in stream.getvalue()
