"""The JWKS cache against a real JWKS endpoint on a loopback port, on a clock the test turns:
`Cache-Control`, refreshes on unknown `kid`s bounded per interval, and provider outages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest

from gateway.http.jwks import DEFAULT_JWKS_TTL, JwksCache, JwksUnavailable, cache_lifetime
from tests.support.identity import IdentityProvider, SigningKey, identity_provider

MIN_REFRESH = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate("ES256")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@contextmanager
def jwks_cache(
    key: SigningKey, http: httpx.AsyncClient, cache_control: str = "max-age=3600"
) -> Iterator[tuple[IdentityProvider, JwksCache, Clock]]:
    """A provider publishing `key`, and a cache of its JWKS on a clock the test turns."""
    clock = Clock()
    with identity_provider([key], cache_control=cache_control) as provider:
        yield provider, JwksCache(http, provider.url, min_refresh=MIN_REFRESH, timer=clock), clock


@pytest.mark.parametrize(
    ("header", "lifetime"),
    [
        ("public, max-age=3600", 3600.0),
        ('max-age="60", must-revalidate', 60.0),
        ("s-maxage=120", None),  # for shared caches; the gateway is a private one
        ("no-store", 0.0),
        ("private, no-cache", 0.0),
        ("public", None),
        (None, None),
    ],
)
def test_cache_control_lifetimes(header: str | None, lifetime: float | None) -> None:
    assert cache_lifetime(header) == lifetime


@pytest.mark.parametrize(
    ("cache_control", "lifetime"),
    [
        ("max-age=120", 120.0),
        ("", DEFAULT_JWKS_TTL),
        ("no-store", MIN_REFRESH),  # never fetched more often than the interval allows
    ],
)
async def test_keys_are_kept_as_long_as_cache_control_says(
    key: SigningKey, http: httpx.AsyncClient, cache_control: str, lifetime: float
) -> None:
    with jwks_cache(key, http, cache_control) as (provider, cache, clock):
        assert (await cache.key(key.kid)) is not None
        clock.now += lifetime - 1
        assert (await cache.key(key.kid)) is not None
        assert provider.hits == 1
        clock.now += 2
        assert (await cache.key(key.kid)) is not None
        assert provider.hits == 2


async def test_unknown_kids_fetch_at_most_once_per_interval(
    key: SigningKey, http: httpx.AsyncClient
) -> None:
    with jwks_cache(key, http) as (provider, cache, clock):
        await cache.key(key.kid)
        for expected_hits in (1, 2, 3):
            kids = [uuid.uuid4().hex for _ in range(100)]
            found = await asyncio.gather(*(cache.key(kid) for kid in kids))
            assert found == [None] * 100
            assert provider.hits == expected_hits
            clock.now += MIN_REFRESH  # the next interval allows one more fetch


async def test_a_new_kid_is_found_by_the_refresh_it_triggers(
    key: SigningKey, http: httpx.AsyncClient
) -> None:
    new = SigningKey.generate("EdDSA")
    with jwks_cache(key, http) as (provider, cache, clock):
        await cache.key(key.kid)
        provider.keys = [key, new]
        clock.now += MIN_REFRESH
        found = await cache.key(new.kid)
        assert found is not None and found.algorithm_name == "EdDSA"
        assert provider.hits == 2


async def test_an_outage_keeps_the_cached_keys_in_use(
    key: SigningKey, http: httpx.AsyncClient
) -> None:
    with jwks_cache(key, http, "max-age=60") as (provider, cache, clock):
        await cache.key(key.kid)
        provider.down = True
        clock.now += 600  # long expired
        for _ in range(5):
            assert (await cache.key(key.kid)) is not None
        assert provider.hits == 2  # one failed attempt, then the interval holds
        provider.down = False
        clock.now += MIN_REFRESH
        assert (await cache.key(key.kid)) is not None
        assert provider.hits == 3


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"keys": []}', b'{"keys": [{"kty": "X"}]}'])
async def test_no_usable_keys_is_unavailable_and_retried_per_interval(
    key: SigningKey, http: httpx.AsyncClient, body: bytes
) -> None:
    with jwks_cache(key, http) as (provider, cache, clock):
        provider.raw = body
        for _ in range(3):
            with pytest.raises(JwksUnavailable) as caught:
                await cache.key(key.kid)
        assert caught.value.retry_after == MIN_REFRESH
        assert provider.hits == 1
        clock.now += MIN_REFRESH
        with pytest.raises(JwksUnavailable):
            await cache.key(key.kid)
        assert provider.hits == 2
