"""A tiny identity provider for tests: signing keys made in the test, a JWKS endpoint served
over real HTTP on a free loopback port (counting its hits), and tokens minted with PyJWT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.loopback import serve_loopback

ISSUER = "https://login.example.test/"
AUDIENCE = "customer-gateway"
READ_WRITE = "openid customers:read customers:write"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


@dataclass
class SigningKey:
    """A private key, its algorithm and its `kid`."""

    algorithm: str
    private: PrivateKey
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @classmethod
    def generate(cls, algorithm: str) -> SigningKey:
        private: PrivateKey
        if algorithm == "RS256":
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif algorithm == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        elif algorithm == "EdDSA":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(algorithm)
        return cls(algorithm, private)

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK, the way providers publish it (`alg` left out for EC and
        OKP keys: the verifier must infer it from the key itself)."""
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            data = RSAAlgorithm.to_jwk(public, as_dict=True)
            data["alg"] = "RS256"
        elif isinstance(public, ec.EllipticCurvePublicKey):
            data = ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = OKPAlgorithm.to_jwk(public, as_dict=True)
        return {**data, "kid": self.kid, "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(
            claims, self.private, algorithm=self.algorithm, headers={"kid": self.kid, **header}
        )


def claims(subject: str = "user-1", scope: str | None = READ_WRITE, **extra: Any) -> dict[str, Any]:
    """Claims of a valid access token (for the next five minutes)."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": [AUDIENCE, "other-api"],
        "sub": subject,
        "azp": "web-app",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    if scope is not None:
        base["scope"] = scope
    return {**base, **extra}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS put together by hand, as an attacker would."""
    return ".".join(
        (_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), _b64(signature))
    )


def hmac_signed_with(secret: bytes, kid: str, payload: dict[str, Any]) -> str:
    """An HS256 token whose HMAC secret is `secret` (e.g. the provider's public key PEM)."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = _b64(json.dumps(payload).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


class IdentityProvider:
    """The JWKS endpoint's state: the keys it publishes, its `Cache-Control`, whether it is
    down, and how often it was asked."""

    def __init__(self, keys: list[SigningKey], cache_control: str = "max-age=300") -> None:
        self.keys = keys
        self.cache_control = cache_control
        self.down = False
        #: A body to send instead of the keys (a misconfigured provider).
        self.raw: bytes | None = None
        self.hits = 0
        self.url = ""

    async def jwks(self, request: Request) -> Response:
        self.hits += 1
        if self.down:
            return JSONResponse({"error": "maintenance"}, status_code=503)
        if self.raw is not None:
            return Response(self.raw, media_type="application/json")
        return JSONResponse(
            {"keys": [key.jwk() for key in self.keys]},
            headers={"cache-control": self.cache_control},
        )

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/.well-known/jwks.json", self.jwks)])


@contextmanager
def identity_provider(
    keys: list[SigningKey], cache_control: str = "max-age=300"
) -> Iterator[IdentityProvider]:
    """An `IdentityProvider` serving its JWKS on a loopback port until the block ends."""
    provider = IdentityProvider(keys, cache_control)
    with serve_loopback(provider.app()) as base_url:
        provider.url = f"{base_url}/.well-known/jwks.json"
        yield provider


def jwt_env(provider: IdentityProvider, **extra: str) -> dict[str, str]:
    """The gateway settings that trust `provider`."""
    return {
        "GATEWAY_JWKS_URL": provider.url,
        "GATEWAY_JWT_ISSUER": ISSUER,
        "GATEWAY_JWT_AUDIENCE": AUDIENCE,
        **extra,
    }
