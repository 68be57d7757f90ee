"""A real Redis for the shared-state tests: one server for the module's tests (emptied
before each), and a private one for tests that stop and start it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import RedisClusterServers, RedisServer


@pytest.fixture(scope="module")
def redis_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_server(redis_module: RedisServer) -> RedisServer:
    """The module's Redis, emptied."""
    with socket.create_connection(("127.0.0.1", redis_module.port), timeout=2) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        assert sock.recv(16).startswith(b"+OK")
    return redis_module


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test alone (it may stop and start it)."""
    with RedisServer(tmp_path) as server:
        yield server


@pytest.fixture(scope="module")
def redis_cluster_module(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RedisClusterServers]:
    with RedisClusterServers(tmp_path_factory.mktemp("cluster")) as cluster:
        yield cluster


@pytest.fixture
def redis_cluster(redis_cluster_module: RedisClusterServers) -> RedisClusterServers:
    """The module's 3-master Redis Cluster, emptied."""
    redis_cluster_module.flush()
    return redis_cluster_module
