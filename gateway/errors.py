"""Errors the gateway reports to GraphQL clients, and the one mapping to `extensions`.

    GatewayError          a failure a client should see, with an `extensions.code`
    └── BadUserInput      BAD_USER_INPUT: the request itself is wrong; nothing was sent upstream

Upstream failures keep their own tree (`gateway.upstream.errors`); `error_extensions` turns
either kind into the `extensions` object, with `source` for upstream errors.
"""

from __future__ import annotations

from typing import Any

from gateway.upstream.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable

#: What a client sees of an unexpected failure (the details go to the log, under the id).
INTERNAL_ERROR_MESSAGE = "Internal server error; quote the request id when reporting it"


class GatewayError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(GatewayError):
    code = "BAD_USER_INPUT"


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
        if isinstance(exc, UpstreamTimeout | UpstreamUnavailable):
            extensions["mayHaveBeenApplied"] = exc.sent
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
