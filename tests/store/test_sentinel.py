"""`redis+sentinel://`: the gateway finds its master through a real Sentinel (a master
`redis-server` and a Sentinel watching it, started by the fixture) and shares its state
there as on one Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_with
from tests.gateway.test_idempotency import (
    test_a_repeat_returns_the_first_answer_without_writing_again,
    test_a_write_that_may_have_been_applied_is_never_sent_again,
    test_concurrent_repeats_share_one_write,
)
from tests.gateway.test_mutations import test_update_then_list_pages_and_email_lookups_are_fresh
from tests.support.redis_server import RedisSentinelServers

__all__ = [
    "test_a_repeat_returns_the_first_answer_without_writing_again",
    "test_a_write_that_may_have_been_applied_is_never_sent_again",
    "test_concurrent_repeats_share_one_write",
    "test_update_then_list_pages_and_email_lookups_are_fresh",
]


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisSentinelServers]:
    with RedisSentinelServers(Path(tmp_path_factory.mktemp("sentinel"))) as servers:
        yield servers


@pytest.fixture
async def gateway(sandboxes: Sandboxes, sentinel: RedisSentinelServers) -> AsyncIterator[Gateway]:
    assert sentinel.master.command("FLUSHALL") == b"+OK"
    env = {"REDIS_URL": sentinel.url, "REDIS_TIMEOUT_SECONDS": "5"}
    async with gateway_with(sandboxes, env) as gateway:
        report = (await gateway.http.get("/readyz")).json()
        assert report["shared"]["redis"] == {"status": "ok"}, report
        gateway.reset_calls()  # the probe's own reads
        yield gateway
    # The state went to the master the Sentinel named.
    assert sentinel.master.command("DBSIZE") != b":0"
