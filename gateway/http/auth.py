"""Client authentication: `Authorization: Bearer <API key or JWT>`, checked before anything
else runs.

Pure ASGI middleware. API keys are compared in constant time against every configured key (no
early exit, so the time taken says nothing about which key, or how much of one, matched); an
API key grants every scope. With a `JwtVerifier`, a bearer token that is not a key and looks
like a JWT is verified against the identity provider's keys, and grants the scopes it holds.
The caller found is left in the ASGI scope (`gateway.http.caller.caller_of`).
Open without a credential: health probes, the GraphiQL page and its static assets (they hold
no data; the queries GraphiQL sends carry the credential), CORS preflights, and the demo
sandboxes, and the webhook receivers (authenticated by the secret in their URL).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.caller import (
    ANONYMOUS,
    REALM,
    SCOPE_KEY,
    Caller,
    bearer_challenge,
    bearer_token,
)
from gateway.http.endpoint import wants_html
from gateway.http.graphiql import STATIC_PREFIX
from gateway.http.jwks import JwksUnavailable
from gateway.http.responses import error_response
from gateway.http.tokens import InvalidToken, JwtVerifier, looks_like_jwt

OPEN_PATHS = frozenset(("/healthz", "/readyz", "/metrics"))  # /metrics: its own token
#: The webhook receivers check the secret in their URL themselves.
OPEN_PREFIXES = (STATIC_PREFIX + "/", "/sandbox/", "/webhooks/")


def matching_key(token: bytes, keys: Sequence[bytes]) -> int | None:
    """The position of `token` in `keys`, comparing with every key in constant time."""
    matched = None
    for position, key in enumerate(keys):
        if hmac.compare_digest(token, key):
            matched = position
    return matched


def api_key_caller(key: str) -> Caller:
    """The caller an API key stands for, named by a fingerprint of the key (never the key)."""
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:12]
    return Caller("api_key", subject=f"api-key:{fingerprint}")


def is_open(scope: Scope) -> bool:
    """Requests served without a key."""
    path: str = scope.get("path", "")
    method: str = scope.get("method", "")
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES) or method == "OPTIONS":
        return True
    # The GraphiQL page, decided exactly as the endpoint decides to serve it (so no request
    # the endpoint would execute can pass for the page).
    return path == "/graphql" and wants_html(Request(scope))


class BearerAuth:
    """Refuse requests without a valid credential: 401 and a GraphQL-shaped error body.

    Args:
        app: the app to protect.
        keys: the API keys accepted.
        tokens: the verifier of JWTs; None accepts API keys only.
    """

    def __init__(
        self, app: ASGIApp, keys: Sequence[str] = (), tokens: JwtVerifier | None = None
    ) -> None:
        if not keys and tokens is None:
            raise ValueError("BearerAuth needs API keys, a JWT verifier, or both")
        self.app = app
        self.keys = tuple(key.encode() for key in keys)
        self.key_callers = tuple(api_key_caller(key) for key in keys)
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(scope):
            await self.app(scope, receive, send)
            return
        try:
            scope[SCOPE_KEY] = await self._caller(bearer_token(scope))
        except _Refused as refused:
            await refused.response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _caller(self, token: bytes | None) -> Caller:
        if token is None:
            credential = "API key or token" if self.tokens is not None else "API key"
            raise _Refused.unauthenticated(
                f"authentication required: send Authorization: Bearer <{credential}> ({REALM})"
            )
        position = matching_key(token, self.keys)
        if position is not None:
            return self.key_callers[position]
        text = token.decode("ascii", "replace")
        if self.tokens is None or not looks_like_jwt(text):
            message = "invalid API key" if self.tokens is None else "invalid API key or token"
            raise _Refused.unauthenticated(message, "invalid_token")
        try:
            return await self.tokens.verify(text)
        except InvalidToken as exc:
            raise _Refused.unauthenticated(exc.reason, "invalid_token") from None
        except JwksUnavailable as exc:
            raise _Refused(
                503,
                "UPSTREAM_UNAVAILABLE",
                "cannot verify tokens now: the identity provider's signing keys are "
                "unreachable; retry later",
                {"retry-after": str(exc.retry_after)},
            ) from None


class CredentialRefused(Exception):
    """A credential that came another way than a header (WebSocket's `connection_init`) was
    refused: `status` and `code` as BearerAuth would have answered."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def _unused_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise NotImplementedError


def authenticator(
    keys: Sequence[str] = (), tokens: JwtVerifier | None = None
) -> Callable[[bytes | None], Awaitable[Caller]]:
    """BearerAuth's check of a token, for credentials sent inside a protocol; with neither keys
    nor a verifier every caller is anonymous (as without BearerAuth)."""
    if not keys and tokens is None:

        async def anonymous(token: bytes | None) -> Caller:
            return ANONYMOUS

        return anonymous
    auth = BearerAuth(_unused_app, keys, tokens)

    async def caller(token: bytes | None) -> Caller:
        try:
            return await auth._caller(token)
        except _Refused as refused:
            raise CredentialRefused(refused.status, refused.code, str(refused)) from None

    return caller


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.response: Response = error_response(
            status, message, code, headers={"cache-control": "no-store", **headers}
        )

    @classmethod
    def unauthenticated(cls, message: str, error: str | None = None) -> _Refused:
        params = {"error_description": message} if error else {}
        return cls(
            401, "UNAUTHENTICATED", message, {"www-authenticate": bearer_challenge(error, **params)}
        )
