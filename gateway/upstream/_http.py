"""The one place where an HTTP exchange with an upstream becomes JSON or an `UpstreamError`.

Both clients call `request_json`; it owns status mapping, `Retry-After` parsing and request
ids, so the two upstreams fail alike. The session (`gateway.upstream.session`) sends, and
turns its transport failures into `UpstreamError`s.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from gateway.observability.calls import upstream_call
from gateway.redaction import upstream_text
from gateway.upstream import errors
from gateway.upstream.errors import Source
from gateway.upstream.session import Answer, UpstreamSession

MessageOf = Callable[[Any], str | None]

_STATUS_ERRORS: dict[int, type[errors.UpstreamError]] = {
    400: errors.UpstreamBadRequest,
    401: errors.UpstreamUnauthorized,
    403: errors.UpstreamForbidden,
    404: errors.UpstreamNotFound,
    409: errors.UpstreamConflict,
    413: errors.UpstreamPayloadTooLarge,
    422: errors.UpstreamBadRequest,
}

_DEFAULT_MESSAGES: dict[int, str] = {
    400: "the request was refused as invalid",
    401: "the gateway's credentials were refused",
    403: "the operation is not allowed",
    404: "not found",
    408: "the request took too long upstream; ask for less data",
    409: "the data changed meanwhile; reload and try again",
    413: "the request is too large",
    429: "too many requests",
}

REQUEST_ID_HEADERS = ("request-id", "x-request-id")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _request_id(response: Answer, body: Any) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return upstream_text(value)
    if isinstance(body, Mapping):
        rid: object = body.get("RequestId") or body.get("requestId")
        if isinstance(rid, str):
            return upstream_text(rid)
    return None


def _decode(response: Answer) -> Any:
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return _UNDECODABLE


_UNDECODABLE = object()


def error_for_response(
    source: Source, response: Answer, message_of: MessageOf
) -> errors.UpstreamError:
    """The `UpstreamError` for a non-2xx response."""
    status = response.status_code
    body = _decode(response)
    request_id = _request_id(response, None if body is _UNDECODABLE else body)
    said = message_of(body) if body is not _UNDECODABLE and body is not None else None
    # The upstream's words may echo our credentials, or be a dump: redacted and capped.
    message = upstream_text(said) if said else None
    message = message or _DEFAULT_MESSAGES.get(status) or f"upstream answered HTTP {status}"
    if status == 429:
        return errors.UpstreamRateLimited(
            source,
            message,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            request_id=request_id,
        )
    if status == 408:
        return errors.UpstreamTimeout(source, message, status=status, request_id=request_id)
    if status >= 500:
        return errors.UpstreamUnavailable(
            source,
            f"upstream failed with HTTP {status}: {message}",
            status=status,
            request_id=request_id,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    cls = _STATUS_ERRORS.get(status, errors.UpstreamError)
    return cls(source, message, status=status, request_id=request_id)


async def request_json(
    http: UpstreamSession,
    source: Source,
    method: str,
    path: str,
    *,
    message_of: MessageOf,
    json: Any = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
    operation: str | None = None,
) -> tuple[Any, str | None]:
    """Send one request; return `(decoded JSON or None for an empty body, request id)`.

    `operation` names the call in metrics and traces (the path when None).

    Raises:
        UpstreamError: for every failure, the session's transport ones included.
    """
    content = orjson.dumps(json) if json is not None else None
    send_headers = {"content-type": "application/json"} if content is not None else {}
    if headers:
        send_headers.update(headers)
    with upstream_call(source, operation or path, method, send_headers) as call:
        response = await http.send(
            method, path, content=content, params=params, headers=send_headers, timeout=timeout
        )
        call.status = response.status_code

    if response.status_code >= 400:
        raise error_for_response(source, response, message_of)
    body = _decode(response)
    request_id = _request_id(response, None if body is _UNDECODABLE else body)
    if body is _UNDECODABLE:
        raise errors.UpstreamInvalidResponse(
            source,
            "the response is not valid JSON",
            status=response.status_code,
            request_id=request_id,
        )
    return body, request_id


def expect_mapping(source: Source, body: Any, what: str, request_id: str | None) -> dict[str, Any]:
    """`body` as a JSON object, or an `UpstreamInvalidResponse` naming `what` was expected."""
    if not isinstance(body, dict):
        raise errors.UpstreamInvalidResponse(
            source, f"expected {what} as a JSON object", request_id=request_id
        )
    return body


def expect_list(
    source: Source, value: Any, what: str, request_id: str | None
) -> list[dict[str, Any]]:
    """`value` as a list of JSON objects, or an `UpstreamInvalidResponse`."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise errors.UpstreamInvalidResponse(
            source, f"expected {what} as a list of objects", request_id=request_id
        )
    return value
