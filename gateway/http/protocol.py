"""uvicorn's HTTP/1.1 protocol (httptools), with limits on how a request's headers arrive.

uvicorn bounds neither: a client may take forever to send its headers (a connection that
sends one byte every few seconds is never idle, so the keep-alive timeout never ends it), and
httptools reads headers of any size (an `Authorization` header of a megabyte is read, then
checked). `GatewayHttpProtocol` gives each request `GATEWAY_HEADER_TIMEOUT_SECONDS` from its
connection's first byte (or from the connection itself) to the end of its headers, and at most
`GATEWAY_MAX_HEADER_BYTES` of request line and headers; past either it answers 408 or 431 with
a GraphQL-shaped error and closes the connection. Nothing of the request reaches the app.

The limits are read from the environment when a connection opens, as the workers read their
settings. `serve` names this class as uvicorn's `http` protocol (`HTTP_PROTOCOL`).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Final

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.config import GATEWAY_HEADER_TIMEOUT_SECONDS, GATEWAY_MAX_HEADER_BYTES
from gateway.http.responses import BAD_USER_INPUT

#: uvicorn's `http` option naming this protocol (an import string: options travel as JSON).
HTTP_PROTOCOL: Final = "gateway.http.protocol:GatewayHttpProtocol"

_REASONS: Final = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}
#: Seconds a refused connection is still read (and discarded) after its answer: closing with
#: unread bytes resets it, and the reset can destroy the answer before the client reads it.
LINGER_SECONDS: Final = 2.0


def refusal(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 answer with one GraphQL error, closing the connection."""
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": BAD_USER_INPUT}}]})
    head = (
        f"HTTP/1.1 {status} ".encode() + _REASONS[status] + b"\r\n"
        b"content-type: application/json; charset=utf-8\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return head + body


class GatewayHttpProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` with a header-read timeout and a header size limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = GATEWAY_HEADER_TIMEOUT_SECONDS.read(os.environ)
        self.max_header_bytes = GATEWAY_MAX_HEADER_BYTES.read(os.environ)
        # Armed while a request's headers are awaited; the bytes they took so far.
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_done()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered already: read to the end, and dropped
        if self._header_timer is not None:
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(
                    431,
                    f"the request's headers exceed the limit of {self.max_header_bytes} bytes",
                )
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the next request on a kept-alive connection
            self._await_headers()

    def on_headers_complete(self) -> None:
        self._headers_done()
        super().on_headers_complete()

    def _await_headers(self) -> None:
        self._header_bytes = 0
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _headers_done(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        self._refuse(408, f"the request's headers did not arrive within {self.header_timeout:g} s")

    def _refuse(self, status: int, message: str) -> None:
        self._headers_done()
        if self.transport.is_closing():
            return
        self._refused = True
        self.transport.write(refusal(status, message))
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the client reads the answer to its end
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
