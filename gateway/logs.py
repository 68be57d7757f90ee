"""Logging: one line per record with the request id, and secrets redacted from every record.

Two formats: `text` (readable, the default) and `json` (`GATEWAY_LOG_FORMAT=json`: one JSON
object per line, with the request id, the trace id when tracing is on, and the fields of the
per-operation line: operation, outcome, duration, upstream calls).

Redaction is the last line of defence, not the way secrets are kept out of logs (the code
never logs a credential on purpose): `install_redaction(secrets)` wraps the log record
factory, so every record of every logger, whatever handlers are attached later (uvicorn's,
pytest's, a JSON formatter), is created with the configured secrets already replaced in its
message, traceback and stack.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import time
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from gateway.config import DEFAULT_LOG_FORMAT, Settings
from gateway.observability.tracing import trace_id
from gateway.redaction import MIN_SECRET_LENGTH, REDACTED, REDACTOR, SecretRedactor

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(gateway_request_id)s] %(message)s"

#: The id of the request being handled, for log lines (set by the request-id middleware).
request_id_var: ContextVar[str] = ContextVar("gateway_request_id", default="-")


def secrets_of(settings: Settings) -> list[str]:
    """Every credential in `settings`: upstream ones, the gateway's own API keys and the
    Redis password."""
    values = list(settings.api_keys)
    if settings.live.webhook_secret:
        values.append(settings.live.webhook_secret)
    if settings.telemetry.metrics_token:
        values.append(settings.telemetry.metrics_token)
    if settings.fullwhere is not None:
        values += [settings.fullwhere.api_key, settings.fullwhere.api_secret]
    if settings.mews is not None:
        values += [settings.mews.client_token, *settings.mews.access_tokens]
    if settings.redis is not None and (password := urlsplit(settings.redis.url).password):
        values.append(unquote(password))
    return values


_installed = False
_install_lock = threading.Lock()


def install_redaction(secrets: Iterable[str]) -> None:
    """Redact `secrets` from every log record created from now on, in this process."""
    global _installed
    REDACTOR.add(secrets)
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            # A name of our own: `extra={"request_id": ...}` elsewhere must not collide.
            record.gateway_request_id = request_id_var.get()
            record.gateway_trace_id = trace_id()
            REDACTOR.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


#: Attributes of every record that are not fields of their own in the JSON format.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "gateway_request_id",
    "gateway_trace_id",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: `timestamp` (UTC, ISO 8601), `level`, `logger`,
    `message`, `pid`, `request_id`, `trace_id` when there is one, the record's `extra` fields, and
    `exception` (the formatted traceback, redacted like the message)."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker, when several serve
        }
        request_id = getattr(record, "gateway_request_id", "-")
        if request_id != "-":
            fields["request_id"] = request_id
        trace = getattr(record, "gateway_trace_id", None)
        if trace:
            fields["trace_id"] = trace
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                fields[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = record.stack_info
        return orjson.dumps(fields, default=str).decode()


class TextFormatter(logging.Formatter):
    """The `text` format, with the date and time of a line (`asctime`) formatted once per
    second: `strftime` was a fifth of the cost of a line."""

    def __init__(self) -> None:
        super().__init__(FORMAT, defaults={"gateway_request_id": "-"})
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        known, stamp = self._second
        if known != second:
            stamp = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = (second, stamp)  # one tuple: threads never see half of it
        return f"{stamp},{int(record.msecs):03d}"  # logging's default_msec_format


def formatter(log_format: str = DEFAULT_LOG_FORMAT) -> logging.Formatter:
    """The formatter of `log_format` (`text` or `json`)."""
    if log_format == "json":
        return JsonFormatter()
    return TextFormatter()


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's `log_config` for `log_format`: its own for text, its loggers with the JSON
    formatter for json (so the supervisor's lines are JSON too)."""
    if log_format != "json":
        return None
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    json_formatter = {"()": f"{__name__}.JsonFormatter"}
    config["formatters"] = {"default": json_formatter, "access": json_formatter}
    return config


def configure_logging(level: str = "info", log_format: str = DEFAULT_LOG_FORMAT) -> None:
    """One stderr handler on the root logger (for the gateway's own loggers), if none yet;
    the redactor (and in `json` format the JSON formatter) also sits on every handler already
    configured (uvicorn's)."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter(log_format))
        root.addHandler(stream)
    root.setLevel(level.upper())
    # Fields no format here shows, which every record would otherwise gather (the
    # optimisations the logging HOWTO lists): the caller's file and line, the thread, and
    # the multiprocessing process name. Together about half the cost of the one line each
    # operation logs. The pid (`process`) stays: the JSON format shows it.
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
    if root.level > logging.DEBUG:
        # One INFO line per upstream call would drown the gateway's own lines.
        for chatty in ("httpx", "httpcore"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    known = list(logging.root.manager.loggerDict.values())
    loggers = [root, *(logger for logger in known if isinstance(logger, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if REDACTOR not in handler.filters:
                handler.addFilter(REDACTOR)
            if log_format == "json" and not isinstance(handler.formatter, JsonFormatter):
                handler.setFormatter(JsonFormatter())


__all__ = [
    "FORMAT",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "REDACTOR",
    "SecretRedactor",
    "configure_logging",
    "install_redaction",
    "request_id_var",
    "secrets_of",
]
