"""CORS for browser frontends on other origins, from an allow-list (`GATEWAY_CORS_ORIGINS`).

Starlette's CORSMiddleware does the work; this fixes what the gateway allows. No cookies are
involved (clients send `Authorization: Bearer`), so credentials mode stays off. The allowed
headers include the ones GraphQL clients send to force a preflight (`PREFLIGHT_HEADERS`), which
the multipart upload path requires against CSRF.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.middleware.cors import CORSMiddleware

from gateway.http.multipart import PREFLIGHT_HEADERS

ALLOW_METHODS = ("GET", "POST")
ALLOW_HEADERS = ("authorization", "content-type", "accept", "x-request-id", *PREFLIGHT_HEADERS)
EXPOSE_HEADERS = ("x-request-id", "retry-after")
MAX_AGE = 600


def cors_options(origins: Sequence[str]) -> dict[str, Any]:
    """Keyword arguments for `CORSMiddleware` allowing `origins` (`*` for any)."""
    return {
        "allow_origins": list(origins),
        "allow_methods": list(ALLOW_METHODS),
        "allow_headers": list(ALLOW_HEADERS),
        "expose_headers": list(EXPOSE_HEADERS),
        "allow_credentials": False,
        "max_age": MAX_AGE,
    }


__all__ = ["CORSMiddleware", "cors_options"]
