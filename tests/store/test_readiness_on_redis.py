"""`/readyz` on a Redis set up wrong: not ready, with the cause, where a Redis that is merely
down only degrades the report (tests/store/test_shared_state.py)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.store import StoreUnavailable
from tests.conftest import gateway_with
from tests.support.redis_server import RedisClusterServers, RedisServer


async def _readyz(sandboxes: Sandboxes, url: str) -> tuple[int, dict[str, Any]]:
    async with gateway_with(sandboxes, {"REDIS_URL": url, "REDIS_TIMEOUT_SECONDS": "5"}) as gw:
        response = await gw.http.get("/readyz")
    return response.status_code, response.json()


def _not_ready_because(status: int, report: dict[str, Any], cause: str) -> None:
    assert status == 503, report
    assert report["status"] == "unavailable"
    redis = report["shared"]["redis"]
    assert (redis["status"], redis["cause"], redis["misconfigured"]) == ("unavailable", cause, True)
    assert redis["message"]
    assert report["upstreams"]["fullwhere"]["status"] == "ok"


async def test_a_plain_url_at_one_cluster_node_is_not_ready(
    sandboxes: Sandboxes, redis_cluster: RedisClusterServers
) -> None:
    url = f"redis://127.0.0.1:{redis_cluster.nodes[1].port}/0"
    _not_ready_because(*await _readyz(sandboxes, url), "cluster")


async def test_a_cluster_url_at_a_plain_redis_is_not_ready(
    sandboxes: Sandboxes, redis_server: RedisServer
) -> None:
    url = f"redis+cluster://127.0.0.1:{redis_server.port}"
    _not_ready_because(*await _readyz(sandboxes, url), "cluster")


@pytest.mark.parametrize(
    "rules",
    [
        ("~cgw:*", "+@all", "-@scripting"),  # no script calls
        ("~cgw:*", "+@all", "-mget"),  # no multi-key reads
        ("~other:*", "+@all"),  # none of the gateway's keys
    ],
)
async def test_a_user_missing_a_permission_is_not_ready(
    sandboxes: Sandboxes, redis_server: RedisServer, rules: tuple[str, ...]
) -> None:
    rule = ("ACL", "SETUSER", "gw", "reset", "on", ">gw-pw", *rules)
    assert redis_server.command(*rule) == b"+OK"
    url = f"redis://gw:gw-pw@127.0.0.1:{redis_server.port}/0"
    _not_ready_because(*await _readyz(sandboxes, url), "permission")


async def test_a_cluster_url_at_the_cluster_is_ready(
    sandboxes: Sandboxes, redis_cluster: RedisClusterServers
) -> None:
    status, report = await _readyz(sandboxes, redis_cluster.url)
    assert status == 200 and report["status"] == "ready", report
    assert report["shared"]["redis"] == {"status": "ok"}


async def test_a_sync_that_redis_refuses_is_reported_failed_with_the_cause(
    sandboxes: Sandboxes, redis_server: RedisServer
) -> None:
    # Everything but the scans the index's lookups make.
    rule = ("ACL", "SETUSER", "gw", "reset", "on", ">gw-pw", "~cgw:*", "+@all", "-hscan")
    assert redis_server.command(*rule) == b"+OK"
    url = f"redis://gw:gw-pw@127.0.0.1:{redis_server.port}/0"
    async with gateway_with(sandboxes, {"REDIS_URL": url, "REDIS_TIMEOUT_SECONDS": "5"}) as gw:
        with pytest.raises(StoreUnavailable):
            await gw.app.state.sync.run_once()
        gw.app.state.store._down_until = float("-inf")  # past the store's pause
        report = (await gw.http.get("/readyz")).json()
    index = report["identityIndex"]
    assert (index["running"], index["phase"]) == (False, "failed")
    assert index["lastError"] == "UPSTREAM_UNAVAILABLE (Redis: permission)"
