"""API keys for clients: `Authorization: Bearer <key>`, checked before anything else runs.

Pure ASGI middleware. Keys are compared in constant time against every configured key (no
early exit, so the time taken says nothing about which key, or how much of one, matched).
Open without a key: health probes, the GraphiQL page and its static assets (they hold no
data; the queries GraphiQL sends carry the key), CORS preflights, and the demo sandboxes.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.endpoint import wants_html
from gateway.http.graphiql import STATIC_PREFIX

REALM = "customer-gateway"
OPEN_PATHS = frozenset(("/healthz", "/readyz", "/metrics"))  # /metrics: its own token
OPEN_PREFIXES = (STATIC_PREFIX + "/", "/sandbox/")


def bearer_token(scope: Scope) -> bytes | None:
    """The token of an `Authorization: Bearer <token>` header, as sent (bytes)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = bytes(value).strip().partition(b" ")
            token = token.strip()
            return token if scheme.lower() == b"bearer" and token else None
    return None


def key_matches(token: bytes, keys: Sequence[bytes]) -> bool:
    """Whether `token` is one of `keys`, comparing with every key in constant time."""
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(token, key)
    return matched


def is_open(scope: Scope) -> bool:
    """Requests served without a key."""
    path: str = scope.get("path", "")
    method: str = scope.get("method", "")
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES) or method == "OPTIONS":
        return True
    # The GraphiQL page, decided exactly as the endpoint decides to serve it (so no request
    # the endpoint would execute can pass for the page).
    return path == "/graphql" and wants_html(Request(scope))


def _unauthorized(message: str, error: str | None) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    body = orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    )
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge.encode()),
        (b"cache-control", b"no-store"),
    ]
    return body, headers


class ApiKeyAuth:
    """Refuse requests without one of `keys` with 401 and a GraphQL-shaped error body."""

    def __init__(self, app: ASGIApp, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("ApiKeyAuth needs at least one key")
        self.app = app
        self.keys = tuple(key.encode() for key in keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(scope):
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        if token is not None and key_matches(token, self.keys):
            await self.app(scope, receive, send)
            return
        if token is None:
            message = f"authentication required: send Authorization: Bearer <API key> ({REALM})"
            body, headers = _unauthorized(message, None)
        else:
            body, headers = _unauthorized("invalid API key", "invalid_token")
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
