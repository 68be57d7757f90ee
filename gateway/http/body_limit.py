"""Refuse request bodies over the limit with 413, before anything parses them.

Pure ASGI middleware, and the gateway's one check of a request's size. A declared
`Content-Length` over the limit is refused without reading a byte; a body sent without one
(chunked) is counted as it arrives and refused once it goes over. JSON bodies get
`max_body_bytes`; multipart uploads get `max_upload_bytes` on top, for the file (the upload
code checks each file against `max_upload_bytes` itself).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.multipart import MULTIPART
from gateway.http.responses import error_response


class BodyTooLarge(BaseException):
    """Raised from `receive` once the 413 is sent, to end the request.

    A BaseException, like cancellation: an app's `except Exception` (logging an unexpected
    error, answering 500) must not swallow it. Whatever the app sends afterwards is dropped.
    """


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int, size: int | None) -> None:
    what = "the request body" if size is None else f"the request body of {size} bytes"
    response = error_response(
        413, f"{what} exceeds the limit of {limit} bytes", headers={"connection": "close"}
    )
    await response(scope, receive, send)


class BodyLimit:
    """Answer 413 to request bodies over the limit.

    Args:
        app: the app to protect.
        max_body_bytes: the largest body.
        max_upload_bytes: what a multipart upload may add to it.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_multipart_bytes = max_body_bytes + max_upload_bytes

    def limit_for(self, headers: Headers) -> int:
        if headers.get("content-type", "").lower().startswith(MULTIPART):
            return self.max_multipart_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers)
        declared = headers.get("content-length", "").strip()
        if declared.isdecimal() and int(declared) > limit:
            await _refuse(scope, receive, send, limit, int(declared))
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
                        await _refuse(scope, receive, send, limit, None)
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
