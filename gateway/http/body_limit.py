"""Refuse request bodies over the limit with 413, before anything parses them.

Pure ASGI middleware. A declared `Content-Length` over the limit is refused without reading
a byte; a body sent without one (chunked) is counted as it arrives and refused once it goes
over. JSON bodies get `max_body_bytes`; multipart uploads get `max_upload_bytes` on top, for
the file (the upload code checks each file against `max_upload_bytes` itself).
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(BaseException):
    """Raised from `receive` once the 413 is sent, to end the request.

    A BaseException, like cancellation: an app's `except Exception` (logging an unexpected
    error, answering 500) must not swallow it. Whatever the app sends afterwards is dropped.
    """


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return b""


def too_large_body(limit: int, size: int | None = None) -> bytes:
    what = "the request body" if size is None else f"the request body of {size} bytes"
    message = f"{what} exceeds the limit of {limit} bytes"
    return orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}
    )


async def _refuse(send: Send, limit: int, size: int | None) -> None:
    body = too_large_body(limit, size)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_multipart_bytes = max_body_bytes + max_upload_bytes

    def limit_for(self, scope: Scope) -> int:
        content_type = _header(scope, b"content-type").lower()
        if content_type.startswith(b"multipart/form-data"):
            return self.max_multipart_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _header(scope, b"content-length")
        if declared.strip().isdigit() and int(declared) > limit:
            await _refuse(send, limit, int(declared))
            return

        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal received, started, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started:
                        started = refused = True
                        await _refuse(send, limit, None)
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not refused:
                raise
