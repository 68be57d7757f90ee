"""Errors raised by the upstream clients, one tree for both Fullwhere and Mews.

    UpstreamError                   any failure talking to an upstream
    ├── UpstreamBadRequest          400/422: the request the gateway composed was refused
    ├── UpstreamUnauthorized        401: wrong or expired credentials, or no permission
    ├── UpstreamForbidden           403: a Mews business rule; `message` is meant for end users
    ├── UpstreamNotFound            404: unknown record or path
    ├── UpstreamConflict            409: the data changed meanwhile
    ├── UpstreamPayloadTooLarge     413: the request body is too large
    ├── UpstreamRateLimited         429: slow down; `retry_after` seconds when the upstream says
    ├── UpstreamTimeout             408 or no answer in time; `sent` says whether it may have acted
    ├── UpstreamUnavailable         connection refused or reset, 5xx (`retry_after` if given)
    └── UpstreamInvalidResponse     a body that is not JSON or not of the documented shape

Every error carries the upstream's name (`source`), the HTTP status when there was one,
and the upstream's request id when it gave one. Messages are built from upstream error
bodies and our own words only: never from request URLs, headers or bodies, so no
credential can leak through an error.
"""

from __future__ import annotations

from typing import Literal

Source = Literal["fullwhere", "mews"]


class UpstreamError(Exception):
    """Base class: a call to `source` failed."""

    #: The GraphQL `extensions.code` this error maps to (listed in docs/mutations.md).
    code = "UPSTREAM_ERROR"
    #: Whether the upstream certainly did not act on the request (safe to retry a write).
    not_applied = False
    #: For a write: whether it may have been applied upstream (`mayHaveBeenApplied`); None
    #: for a read, which changes nothing. Set by the guard that sent the write.
    may_have_been_applied: bool | None = None

    def __init__(
        self,
        source: Source,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.source: Source = source
        self.message = message
        self.status = status
        self.request_id = request_id

    def __str__(self) -> str:
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.source}: {self.message}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(source={self.source!r}, message={self.message!r}, "
            f"status={self.status!r}, request_id={self.request_id!r})"
        )


class UpstreamBadRequest(UpstreamError):
    # The gateway composed the request from values it had already checked, so a refusal is
    # its own problem, unless the refused value is one the client sent verbatim.
    code = "UPSTREAM_ERROR"

    def blame_client(self) -> UpstreamBadRequest:
        """This refusal is about values the client sent as they are: `BAD_USER_INPUT`."""
        self.code = "BAD_USER_INPUT"
        return self


class UpstreamUnauthorized(UpstreamError):
    # The gateway's own credentials were refused: an operator problem, not the caller's.
    code = "UPSTREAM_ERROR"


class UpstreamForbidden(UpstreamError):
    code = "FORBIDDEN"


class UpstreamNotFound(UpstreamError):
    code = "NOT_FOUND"


class UpstreamConflict(UpstreamError):
    code = "UPSTREAM_ERROR"


class UpstreamPayloadTooLarge(UpstreamError):
    code = "BAD_USER_INPUT"


class UpstreamRateLimited(UpstreamError):
    code = "UPSTREAM_RATE_LIMITED"
    not_applied = True

    def __init__(
        self,
        source: Source,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        request_id: str | None = None,
    ) -> None:
        super().__init__(source, message, status=status, request_id=request_id)
        self.retry_after = retry_after


class UpstreamTimeout(UpstreamError):
    code = "UPSTREAM_TIMEOUT"

    def __init__(
        self,
        source: Source,
        message: str,
        *,
        sent: bool = True,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(source, message, status=status, request_id=request_id)
        #: False when the request never left (connect or pool timeout): nothing was applied.
        self.sent = sent
        self.not_applied = not sent


class UpstreamUnavailable(UpstreamError):
    code = "UPSTREAM_UNAVAILABLE"

    def __init__(
        self,
        source: Source,
        message: str,
        *,
        sent: bool = True,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(source, message, status=status, request_id=request_id)
        #: False for a refused connection: the upstream never saw the request.
        self.sent = sent
        self.not_applied = not sent
        #: Seconds to wait, from a 503's `Retry-After` (or an open circuit breaker).
        self.retry_after = retry_after


class UpstreamInvalidResponse(UpstreamError):
    code = "UPSTREAM_ERROR"


__all__ = [
    "Source",
    "UpstreamBadRequest",
    "UpstreamConflict",
    "UpstreamError",
    "UpstreamForbidden",
    "UpstreamInvalidResponse",
    "UpstreamNotFound",
    "UpstreamPayloadTooLarge",
    "UpstreamRateLimited",
    "UpstreamTimeout",
    "UpstreamUnauthorized",
    "UpstreamUnavailable",
]
