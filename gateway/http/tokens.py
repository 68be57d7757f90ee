"""JWT bearer tokens from an identity provider, verified with PyJWT against its JWKS.

A token is accepted when it is signed with one of `ALGORITHMS` by a key of the provider's JWKS
(the `alg` the key is bound to, never the one the token claims: no `none`, no HMAC with a
public key), `exp` and `nbf` hold within `leeway` seconds, `iss` is the configured issuer,
`aud` holds the configured audience, and `sub` names someone. Its scopes come from `scope`
(space-separated) or `scp` (a list, or space-separated as Entra ID sends it); its client from
`client_id` (RFC 9068) or `azp` (OpenID Connect).
"""

from __future__ import annotations

from typing import Any, Final

import jwt

from gateway.http.caller import Caller
from gateway.http.jwks import JwksCache

#: Asymmetric signatures only: the gateway holds no shared secret with the provider.
ALGORITHMS: Final = ("RS256", "ES256", "EdDSA")
REQUIRED_CLAIMS: Final = ("exp", "iss", "aud", "sub")


class InvalidToken(Exception):
    """The token is refused; `reason` says why, fit for a `WWW-Authenticate` header."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated parts: a JWS in compact form (anything else is an API key)."""
    return token.count(".") == 2


class JwtVerifier:
    """Verifies tokens of one issuer for one audience.

    Args:
        keys: the issuer's signing keys.
        issuer: the required `iss`.
        audience: a value `aud` must hold.
        leeway: seconds of clock skew allowed on `exp`, `nbf` and `iat`.
    """

    def __init__(self, keys: JwksCache, *, issuer: str, audience: str, leeway: float) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    async def verify(self, token: str) -> Caller:
        """The caller `token` identifies.

        Raises:
            InvalidToken: the token is malformed, forged, expired, or not for this gateway.
            JwksUnavailable: the provider's keys could not be fetched.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("the token is malformed") from None
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken(f"the token algorithm is not one of {', '.join(ALGORITHMS)}")
        kid = header.get("kid")
        key = await self.keys.key(kid if isinstance(kid, str) else None)
        if key is None or key.algorithm_name not in ALGORITHMS:
            raise InvalidToken("the token signing key is unknown")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from None
        subject = _text(claims.get("sub"))
        if subject is None:
            raise InvalidToken("the token has no sub claim")
        return Caller(
            "jwt",
            subject=subject,
            client_id=_text(claims.get("client_id")) or _text(claims.get("azp")),
            issuer=self.issuer,
            scopes=scopes_of(claims),
        )


def scopes_of(claims: dict[str, Any]) -> frozenset[str]:
    """The scopes a token grants: `scope` (space-separated) or `scp` (list or string)."""
    granted: set[str] = set()
    for claim in ("scope", "scp"):
        value = claims.get(claim)
        if isinstance(value, str):
            granted.update(value.split())
        elif isinstance(value, list):
            granted.update(item for item in value if isinstance(item, str))
    return frozenset(granted)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _reason(exc: jwt.PyJWTError) -> str:
    """What is wrong with the token, in words a client developer can act on."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "the token has expired"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "the token is not valid yet"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "the token issuer is not accepted"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "the token audience is not accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"the token has no {exc.claim} claim"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "the token algorithm does not match its signing key"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "the token signature is invalid"
    return "the token is malformed"
