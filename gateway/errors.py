"""Errors the gateway reports to GraphQL clients, and the one mapping to `extensions`.

    GatewayError          a failure a client should see, with an `extensions.code`
    ├── BadUserInput      BAD_USER_INPUT: the request itself is wrong; nothing was sent upstream
    └── NotFound          NOT_FOUND: what the request names does not exist

Upstream failures keep their own tree (`gateway.upstream.errors`); `error_extensions` turns
either kind into the `extensions` object, with `source` for upstream errors.
"""

from __future__ import annotations

from typing import Any

from gateway.upstream.errors import UpstreamError

#: The most of a client's own value an error message quotes back (ids, codes, emails): enough
#: to recognise it, not a megabyte mirrored.
ECHO_MAX_CHARS = 80

#: What a client sees of an unexpected failure (the details go to the log, under the id).
INTERNAL_ERROR_MESSAGE = "Internal server error; quote the request id when reporting it"
#: What a client sees of a request the gateway's shutdown ended before it was answered.
SHUTDOWN_MESSAGE = "The gateway shut down before the request finished: send it again"


class GatewayError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(GatewayError):
    code = "BAD_USER_INPUT"


class NotFound(GatewayError):
    code = "NOT_FOUND"


def echo(value: object) -> str:
    """`value` as an error message quotes it: its `repr`, cut to `ECHO_MAX_CHARS`."""
    text = repr(value)
    return text if len(text) <= ECHO_MAX_CHARS else text[: ECHO_MAX_CHARS - 1] + "…"


def error_extensions(exc: BaseException) -> dict[str, Any] | None:
    """`extensions` for a known error, or None for an unexpected one (to be masked)."""
    if isinstance(exc, GatewayError):
        return {"code": exc.code, **exc.extensions}
    if isinstance(exc, UpstreamError):
        extensions: dict[str, Any] = {"code": exc.code, "source": exc.source}
        if exc.status is not None:
            extensions["upstreamStatus"] = exc.status
        if exc.request_id:
            extensions["upstreamRequestId"] = exc.request_id
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            extensions["retryAfterSeconds"] = retry_after
        if exc.may_have_been_applied is not None:  # writes only: a read changes nothing
            extensions["mayHaveBeenApplied"] = exc.may_have_been_applied
        return extensions
    return None


def public_message(exc: BaseException) -> str:
    """The text a client sees for a known error."""
    if isinstance(exc, GatewayError):
        return exc.message
    if isinstance(exc, UpstreamError):
        return f"{_NAMES[exc.source]}: {exc.message}"
    return "Internal server error"


_NAMES = {"fullwhere": "Fullwhere", "mews": "Mews"}
