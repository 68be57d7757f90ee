"""REDIS_URL as settings and clients: every documented form builds a client (nothing is sent
until the first call), malformed ones are refused naming the variable, and a password in it
is redacted from the logs."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import SentinelConnectionPool

from gateway.config import ConfigError, load_settings
from gateway.logs import secrets_of
from gateway.store import connect


def test_without_redis_url_the_state_stays_in_the_process() -> None:
    assert load_settings({}).redis is None


def test_the_prefix_and_timeout_come_with_the_url() -> None:
    settings = load_settings(
        {
            "REDIS_URL": "redis://r:6379/1",
            "GATEWAY_REDIS_PREFIX": "gw2:",
            "REDIS_TIMEOUT_SECONDS": "2",
        }
    )
    assert settings.redis is not None
    assert (settings.redis.prefix, settings.redis.timeout) == ("gw2:", 2.0)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://r:6379", "a Redis URL such as"),
        ("redis+sentinel://s1:26379,s2:26379", "Sentinel service name"),
    ],
)
def test_a_malformed_url_is_refused_without_echoing_it(url: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"REDIS_URL": url.replace("r:", "user:hunter22@r:")})
    assert caught.value.variable == "REDIS_URL"
    assert expected in str(caught.value)
    assert "hunter22" not in str(caught.value)


def test_the_redis_password_is_redacted_from_logs() -> None:
    settings = load_settings({"REDIS_URL": "rediss://user:s3cret%2Fpass@r:6380/0"})
    assert "s3cret/pass" in secrets_of(settings)


async def test_standalone_sentinel_and_cluster_urls_build_their_clients() -> None:
    standalone = connect("redis://127.0.0.1:6379/0", prefix="p:")
    sentinel = connect("redis+sentinel://:pw@s1:26379,s2:26380/mymaster/2")
    cluster = connect("redis+cluster://127.0.0.1:7000")
    try:
        assert isinstance(standalone.client, Redis)
        assert standalone.key("c", "mews", "1") == "p:c:mews:1"
        pool = sentinel.client.connection_pool
        assert isinstance(pool, SentinelConnectionPool)
        assert pool.service_name == "mymaster"
        sentinels = pool.sentinel_manager.sentinels
        kwargs = [s.connection_pool.connection_kwargs for s in sentinels]
        assert [(k["host"], k["port"]) for k in kwargs] == [("s1", 26379), ("s2", 26380)]
        assert pool.connection_kwargs["db"] == 2 and pool.connection_kwargs["password"] == "pw"
        assert isinstance(cluster.client, RedisCluster)
    finally:
        for store in (standalone, sentinel, cluster):
            await store.aclose()
