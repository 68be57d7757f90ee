"""One request id per HTTP request: on the response, in the log lines, and in error bodies.

Pure ASGI middleware, the outermost of the gateway's. It takes the caller's `x-request-id`
when it looks like one (else makes one) and puts it back on the request, so the GraphQL
endpoint, the log lines (`gateway.logs.request_id_var`) and every response (401, 413, 404
included) agree on it. It logs one line per failed request (4xx at INFO, 5xx at ERROR), with
the caller (`Caller.describe()`: JWT subject and client, or API-key fingerprint), and turns
an exception that escapes the app into a JSON 500 that says only the request id; the
exception's details go to the log, where secrets are redacted.

A request the server ends before it is answered (cancelled when the graceful shutdown runs
out) still gets a GraphQL error: 503 with the request id and, when it had sent a write
upstream, `mayHaveBeenApplied: true`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import INTERNAL_ERROR_MESSAGE, SHUTDOWN_MESSAGE
from gateway.http.caller import caller_of
from gateway.http.responses import JSON, error_response
from gateway.logs import request_id_var
from gateway.observability import metrics
from gateway.upstream.resilience import MAY_HAVE_APPLIED, sent_writes_scope

logger = logging.getLogger("gateway.http")

HEADER = "x-request-id"
# A caller's request id is echoed (and logged) only when it looks like one.
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(scope: Scope) -> str:
    """The caller's request id when it sends a sane one, else a new one."""
    given = Headers(scope=scope).get(HEADER)
    return given if given is not None and _SANE.fullmatch(given) else uuid.uuid4().hex


def internal_error(
    request_id: str,
    message: str = INTERNAL_ERROR_MESSAGE,
    *,
    status: int = 500,
    media_type: str = JSON,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """The answer to a request the gateway failed: the message and the request id only."""
    return error_response(
        status,
        message,
        "INTERNAL_SERVER_ERROR",
        media_type=media_type,
        headers=headers,
        requestId=request_id,
        **extensions,
    )


def shutdown_error(request_id: str, *, wrote: bool) -> Response:
    """The answer (503) to a request the shutdown ended; a sent write may have been applied."""
    if not wrote:
        return internal_error(request_id, SHUTDOWN_MESSAGE, status=503)
    return internal_error(
        request_id, SHUTDOWN_MESSAGE + MAY_HAVE_APPLIED, status=503, mayHaveBeenApplied=True
    )


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        MutableHeaders(scope=scope)[HEADER] = request_id  # what the app reads is what we send
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message).setdefault(HEADER, request_id)
            await send(message)

        token = request_id_var.set(request_id)
        try:
            try:
                with sent_writes_scope() as writes:
                    await self.app(scope, receive, send_with_id)
            except Exception:
                logger.exception(
                    "request %s: %s failed; caller %s",
                    request_id,
                    _describe(scope),
                    caller_of(scope).describe(),
                )
                if not status:
                    await internal_error(request_id)(scope, receive, send_with_id)
                # else the response had begun; the server closes the connection
                return
            except asyncio.CancelledError:
                logger.warning("request %s: %s ended unanswered", request_id, _describe(scope))
                if not status:
                    response = shutdown_error(request_id, wrote=bool(writes.sources))
                    await response(scope, receive, send_with_id)
                raise
            finally:
                if status:  # else the client went away before any answer
                    metrics.record_response(status)
            if status >= 400:
                # 5xx here are answers (readyz with an upstream down, an endpoint that has
                # logged its own fault), so a warning, not an error.
                level = logging.WARNING if status >= 500 else logging.INFO
                logger.log(
                    level,
                    "request %s: %s answered %d; caller %s",
                    request_id,
                    _describe(scope),
                    status,
                    caller_of(scope).describe(),
                )
        finally:
            request_id_var.reset(token)


def _describe(scope: Scope) -> str:
    """`METHOD /path`, escaped: the path is the caller's text, and may hold line breaks."""
    path = str(scope.get("path", "")).encode("unicode_escape").decode("ascii")
    return f"{scope.get('method')} {path[:200]}"
