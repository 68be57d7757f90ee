"""The credential scan: what gateway apps send and log during one test, checked for every
configured credential as it happens.

`scanning()` records every response of a gateway app (in process or on a loopback port: any
Starlette app whose `state.settings` is the gateway's `Settings`) and every log record, for as
long as its block runs. The suite's autouse fixture wraps each test in it and fails the test
that leaked, so the check holds in any order and in any worker process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gateway.config import Settings
from gateway.logs import MIN_SECRET_LENGTH, REDACTOR, secrets_of
from gateway.sandbox.world import GROUP_PORTFOLIO_TOKEN, GROUP_PROPERTY_TOKENS
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN

#: Always looked for: the demo upstreams' credentials.
DEMO_SECRETS = frozenset(
    {
        "demo-secret",
        DEMO_CLIENT_TOKEN,
        DEMO_ACCESS_TOKEN,
        GROUP_PORTFOLIO_TOKEN,
        *GROUP_PROPERTY_TOKENS.values(),
    }
)


class CredentialScan:
    """What gateway apps sent and logged, checked for credentials as it happens: the demo
    ones, and every credential a gateway app was given."""

    def __init__(self) -> None:
        self.secrets: set[str] = set(DEMO_SECRETS)
        self.responses = 0
        self.log_records = 0
        self.leaks: list[str] = []

    def learn(self, settings: Settings) -> None:
        self.secrets.update(s for s in secrets_of(settings) if len(s) >= MIN_SECRET_LENGTH)

    def known(self) -> set[str]:
        """The secrets configured so far: learned from apps, or given to the log redactor
        (every app registers its credentials there when it is created)."""
        return self.secrets | REDACTOR.secrets

    def check(self, where: str, text: str) -> None:
        self.leaks += [f"{where}: {secret[:4]}…" for secret in self.known() if secret in text]

    def check_response(self, where: str, data: bytes) -> None:
        self.responses += 1
        self.check(f"response to {where}", data.decode("utf-8", "replace"))


class LogRecorder(logging.Handler):
    """Checks each log record's whole text (message, exception, stack) for credentials."""

    def __init__(self, scan: CredentialScan) -> None:
        super().__init__(logging.NOTSET)
        self.scan = scan

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text += "\n" + (record.exc_text or "") + (record.stack_info or "")
        self.scan.log_records += 1
        self.scan.check(f"log record of {record.name}", text)


def _recording_call(scan: CredentialScan, call: Any) -> Any:
    async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
        settings = getattr(self.state, "settings", None)
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or not isinstance(settings, Settings)
            or path.startswith("/sandbox/")  # the sandboxes' own answers, not the gateway's
        ):
            await call(self, scope, receive, send)
            return
        scan.learn(settings)
        sent: list[bytes] = []

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                sent.extend(b"%s: %s\n" % (k, v) for k, v in message.get("headers", ()))
            elif message["type"] == "http.response.body":
                sent.append(message.get("body", b""))
            await send(message)

        try:
            await call(self, scope, receive, recording_send)
        finally:
            scan.check_response(f"{scope.get('method')} {path}", b"".join(sent))

    return __call__


@contextmanager
def scanning() -> Iterator[CredentialScan]:
    """Record gateway responses and log records (at INFO, what `gateway serve` logs by
    default) until the block ends; the caller asserts on the scan's `leaks`."""
    from starlette.applications import Starlette

    scan = CredentialScan()
    original = Starlette.__call__
    Starlette.__call__ = _recording_call(scan, original)  # type: ignore[method-assign]
    recorder = LogRecorder(scan)
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.INFO)
    try:
        yield scan
    finally:
        Starlette.__call__ = original  # type: ignore[method-assign]
        root.removeHandler(recorder)
        root.setLevel(level)
