"""Who is calling: the identity the auth middleware found, and what it may do.

The auth middleware puts a `Caller` in the ASGI scope; the endpoint reads its scopes to decide
which operation types may run, the idempotency store its `identity` (so two callers never
share a key), and the request log line its `describe()`. Without authentication configured
every caller is `ANONYMOUS`, which may do everything, as the gateway did before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import orjson
from starlette.datastructures import Headers
from starlette.types import Scope
from strawberry.types.graphql import OperationType

READ_SCOPE: Final = "customers:read"
WRITE_SCOPE: Final = "customers:write"
ALL_SCOPES: Final = frozenset((READ_SCOPE, WRITE_SCOPE))
#: The scope each operation type needs.
REQUIRED_SCOPE: Final[Mapping[OperationType, str]] = {
    OperationType.QUERY: READ_SCOPE,
    OperationType.MUTATION: WRITE_SCOPE,
    OperationType.SUBSCRIPTION: READ_SCOPE,
}
#: Where the auth middleware leaves the caller in the ASGI scope.
SCOPE_KEY: Final = "gateway.caller"
#: The realm of the gateway's `WWW-Authenticate` challenges.
REALM: Final = "customer-gateway"

CallerKind = Literal["anonymous", "api_key", "jwt"]


@dataclass(frozen=True)
class Caller:
    """An authenticated (or anonymous) caller.

    `subject` is the JWT's `sub` (for an API key, a short fingerprint of the key), `client_id`
    the application the token was issued to, `scopes` what it may do.
    """

    kind: CallerKind
    subject: str | None = None
    client_id: str | None = None
    issuer: str | None = None
    scopes: frozenset[str] = ALL_SCOPES

    @property
    def identity(self) -> str:
        """A stable, unambiguous name of this caller (JSON, so no separator can be forged)."""
        return orjson.dumps([self.kind, self.issuer, self.subject, self.client_id]).decode()

    def describe(self) -> str:
        """For log lines: `jwt sub=… client=…`, `api_key sub=api-key:…` or `anonymous`."""
        parts: list[str] = [self.kind]
        if self.subject is not None:
            parts.append(f"sub={_printable(self.subject)}")
        if self.client_id is not None:
            parts.append(f"client={_printable(self.client_id)}")
        return " ".join(parts)

    def allowed_operations(self) -> set[OperationType]:
        """The operation types this caller's scopes allow."""
        return {op for op, scope in REQUIRED_SCOPE.items() if scope in self.scopes}

    def missing_scope(self, operation: OperationType) -> str | None:
        """The scope `operation` needs and this caller lacks (None: it may run it)."""
        needed = REQUIRED_SCOPE.get(operation)
        return needed if needed is not None and needed not in self.scopes else None


ANONYMOUS: Final = Caller("anonymous")


def caller_of(scope: Scope) -> Caller:
    """The caller of a request (`ANONYMOUS` when no auth middleware ran)."""
    caller = scope.get(SCOPE_KEY)
    return caller if isinstance(caller, Caller) else ANONYMOUS


def caller_of_request(request: object) -> Caller:
    """The caller of a request object (`ANONYMOUS` when it has no ASGI scope)."""
    scope = getattr(request, "scope", None)
    return caller_of(scope) if isinstance(scope, dict) else ANONYMOUS


def bearer_challenge(error: str | None = None, **params: str) -> str:
    """An RFC 6750 `WWW-Authenticate` value; `params` (e.g. `scope`, `error_description`)
    must hold no quote or backslash."""
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    return challenge + "".join(f', {name}="{value}"' for name, value in params.items())


def bearer_token(scope: Scope) -> bytes | None:
    """The token of an `Authorization: Bearer <token>` header, as sent (bytes)."""
    return bearer_of(Headers(scope=scope).get("authorization"))


def bearer_of(value: str | None, errors: str = "strict") -> bytes | None:
    """The token of an `Authorization` value `Bearer <token>`, as bytes. Headers decode
    latin-1, so encoding back gives the bytes sent; other text (a WebSocket's
    `connection_init` payload) needs `errors="replace"`."""
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    return token.encode("latin-1", errors) if scheme.lower() == "bearer" and token else None


def _printable(text: str) -> str:
    """Claims are the identity provider's text: escaped and bounded, one log line stays one."""
    return text.encode("unicode_escape").decode("ascii")[:100]
