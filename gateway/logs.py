"""Logging: one line per record with the request id, and secrets redacted from every record.

Redaction is the last line of defence, not the way secrets are kept out of logs (the code
never logs a credential on purpose): `install_redaction(secrets)` wraps the log record
factory, so every record of every logger, whatever handlers are attached later (uvicorn's,
pytest's, a JSON formatter), is created with the configured secrets already replaced in its
message, traceback and stack.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote, urlsplit

from gateway.config import Settings
from gateway.redaction import MIN_SECRET_LENGTH, REDACTED, REDACTOR, SecretRedactor

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(gateway_request_id)s] %(message)s"

#: The id of the request being handled, for log lines (set by the request-id middleware).
request_id_var: ContextVar[str] = ContextVar("gateway_request_id", default="-")


def secrets_of(settings: Settings) -> list[str]:
    """Every credential in `settings`: upstream ones, the gateway's own API keys and the
    Redis password."""
    values = list(settings.api_keys)
    if settings.fullwhere is not None:
        values += [settings.fullwhere.api_key, settings.fullwhere.api_secret]
    if settings.mews is not None:
        values += [settings.mews.client_token, settings.mews.access_token]
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
            REDACTOR.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def configure_logging(level: str = "info") -> None:
    """One stderr handler on the root logger (for the gateway's own loggers), if none yet;
    the redactor also sits on every handler already configured (uvicorn's)."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter(FORMAT, defaults={"gateway_request_id": "-"}))
        root.addHandler(stream)
    root.setLevel(level.upper())
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
