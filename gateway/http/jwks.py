"""The identity provider's signing keys (its JWKS), fetched over HTTP and cached.

- The key set is kept as long as its response's `Cache-Control: max-age` says
  (`DEFAULT_JWKS_TTL` without one), within `[min_refresh, MAX_JWKS_TTL]`.
- A token whose `kid` is unknown makes the cache fetch the set again, which is how a rotated
  key is picked up before the cached set expires. Fetches are at least `min_refresh` seconds
  apart, whatever their cause, so tokens with made-up `kid`s cannot make the gateway hammer
  the provider; concurrent misses wait for one fetch.
- When a fetch fails, the keys already cached stay in use: a provider outage does not break
  requests signed with a known key. Only with no keys at all is it `JwksUnavailable`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Callable
from typing import Final

import httpx
from jwt import PyJWK, PyJWKSet, PyJWTError

logger = logging.getLogger("gateway.auth")

#: How long a key set is kept when its response says nothing about caching.
DEFAULT_JWKS_TTL: Final = 300.0
#: Keys are fetched again at least this often, whatever `max-age` says.
MAX_JWKS_TTL: Final = 24 * 3600.0
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*no-(?:store|cache)\b", re.IGNORECASE)


class JwksUnavailable(Exception):
    """No signing keys: the JWKS has never been fetched successfully. The next fetch may
    happen in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def cache_lifetime(cache_control: str | None) -> float | None:
    """Seconds a response may be kept per its `Cache-Control` (None: it does not say)."""
    if not cache_control:
        return None
    if _NO_CACHE.search(cache_control):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else None


class JwksCache:
    """The keys of the JWKS at `url`, by `kid`.

    Args:
        http: the client to fetch with (its timeouts apply).
        url: the JWKS endpoint.
        min_refresh: seconds at least between two fetches.
        timer: a monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        *,
        min_refresh: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.url = url
        self.min_refresh = min_refresh
        self._timer = timer
        self._keys: dict[str | None, PyJWK] = {}
        self._expires = 0.0
        self._last_fetch: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> PyJWK | None:
        """The key for `kid` (None: the token names none), fetching the set when it has
        expired or does not hold `kid` and the last fetch is `min_refresh` old.

        Raises:
            JwksUnavailable: no key set could be fetched yet.
        """
        cached = self._keys.get(kid)
        # A known key never waits: not for expiry, nor for a fetch under way.
        if cached is not None and (self._timer() < self._expires or self._lock.locked()):
            return cached
        async with self._lock:  # one fetch at a time; a miss waits for the one under way
            now = self._timer()
            if (kid not in self._keys or now >= self._expires) and self._may_fetch(now):
                await self._fetch(now)
            if not self._keys and self._last_fetch is not None:
                wait = self.min_refresh - (now - self._last_fetch)
                raise JwksUnavailable(
                    f"the signing keys at {self.url} could not be fetched", max(1, math.ceil(wait))
                )
            return self._keys.get(kid)

    def _may_fetch(self, now: float) -> bool:
        return self._last_fetch is None or now - self._last_fetch >= self.min_refresh

    async def _fetch(self, now: float) -> None:
        self._last_fetch = now
        try:
            response = await self.http.get(self.url, headers={"accept": "application/json"})
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise ValueError("the JWKS is not a JSON object")
            keys = _usable_keys(PyJWKSet.from_dict(document))
        except (httpx.HTTPError, ValueError, PyJWTError) as exc:
            # Keep what is cached; the next fetch waits for `min_refresh`.
            logger.warning("JWKS fetch from %s failed: %s", self.url, exc)
            return
        lifetime = cache_lifetime(response.headers.get("cache-control"))
        ttl = DEFAULT_JWKS_TTL if lifetime is None else lifetime
        self._keys = keys
        self._expires = now + min(max(ttl, self.min_refresh), MAX_JWKS_TTL)


def _usable_keys(key_set: PyJWKSet) -> dict[str | None, PyJWK]:
    """Signature keys by `kid`; a key without a `kid` is the one for tokens naming none."""
    return {key.key_id: key for key in key_set if key.public_key_use in (None, "sig")}
