"""Secrets out of every text that leaves the process: one redactor that knows each configured
credential (and its URL-encoded form), for log records and upstream error messages alike.

Every app registers its credentials here when it is created (`gateway.logs.install_redaction`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "[REDACTED]"
#: Shorter values would redact ordinary words; no real credential is this short.
MIN_SECRET_LENGTH = 4
#: The most of an upstream's own text (error messages, request ids) relayed to a client;
#: beyond it an upstream is dumping, not explaining.
UPSTREAM_TEXT_MAX_CHARS = 300


class SecretRedactor(logging.Filter):
    """A filter that replaces known secrets (and their URL-encoded forms) in a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            for secret in secrets:
                if len(secret) >= MIN_SECRET_LENGTH:
                    self._secrets.update((secret, quote(secret, safe="")))
            if self._secrets:
                # Longest first, so a secret containing another is replaced whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))

    @property
    def secrets(self) -> frozenset[str]:
        """The values redacted (for checks that nothing slipped past)."""
        return frozenset(self._secrets)

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        pattern = self._pattern
        # Records are redacted as they are made, and handlers filter them again: once per
        # set of secrets is enough (the mark is private, so no format shows it).
        if pattern is None or record.__dict__.get("_redacted_with") is pattern:
            return True
        record._redacted_with = pattern
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it, as logging always does
            message = None
        if message is not None:
            redacted = self.redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            clean = self.redact(text)
            record.exc_text = clean
            if clean != text:
                # Handlers that format exc_info themselves would bring the secret back.
                record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = SecretRedactor()


def upstream_text(text: str, *, limit: int = UPSTREAM_TEXT_MAX_CHARS) -> str:
    """An upstream's `text`, fit to relay: every configured secret redacted (before the cut,
    so no part of one survives it), then cut to `limit` characters."""
    text = REDACTOR.redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "REDACTOR",
    "UPSTREAM_TEXT_MAX_CHARS",
    "SecretRedactor",
    "upstream_text",
]
