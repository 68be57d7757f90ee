"""A sync whose process is killed mid-run: its state stops saying "running" once its lease
passes, and another process restarts it within the lock's TTL and a short retry. Real
processes: `gateway sync` (killed), `gateway serve`, the sandboxes and a `redis-server`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.identity.sync import LOCK_RETRY
from tests.support.processes import ROOT, Process, gateway_env, gateway_server, sandbox_server
from tests.support.redis_server import RedisServer

LOCK_TTL = 4
SINCE = (datetime.now(UTC) - timedelta(days=3 * 365)).date().isoformat()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path) as server:
        yield server


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Process]:
    # Slow upstreams: the sync takes seconds, long enough to be killed mid-run.
    with sandbox_server(tmp_path, "--latency", "0.4") as process:
        yield process


def _status(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "sync", "--status"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    status: dict[str, Any] = json.loads(done.stdout)
    return status


def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(0.2)


def test_a_killed_sync_stops_running_and_is_restarted_within_the_lock_ttl(
    tmp_path: Path, sandbox: Process, own_redis: RedisServer
) -> None:
    env = gateway_env(
        sandbox, REDIS_URL=own_redis.url, SYNC_MEWS_SINCE=SINCE,
        SYNC_LOCK_TTL_SECONDS=str(LOCK_TTL), SYNC_INTERVAL_SECONDS="600",
    )  # fmt: skip
    log = (tmp_path / "sync.log").open("wb")
    first = subprocess.Popen(
        [sys.executable, "-m", "gateway", "sync"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        _wait(lambda: _status(env)["fullwhereRecords"] > 0, 60, "the first sync's first page")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        log.close()
    # Its lease passes: the dead run is no longer shown as running.
    time.sleep(LOCK_TTL + LOCK_RETRY)
    stale = _status(env)
    assert (stale["running"], stale["phase"], stale["complete"]) == (False, "interrupted", False)
    # A serving process finds the index unfinished and restarts the sync.
    with gateway_server(tmp_path, env) as serving:

        def complete() -> bool:
            report = serving.request("GET", "/readyz")[1]
            return bool(report.get("identityIndex", {}).get("complete"))

        _wait(complete, LOCK_TTL + 30 - (time.monotonic() - killed_at), "the restarted sync")
    done = _status(env)
    assert done["running"] is False and done["phase"] == "done"
    assert done["fullwhereRecords"] == done["fullwhereTotal"]


def test_a_process_that_loses_the_lock_race_runs_as_soon_as_the_lock_expires(
    tmp_path: Path, sandbox: Process, own_redis: RedisServer
) -> None:
    prefix = "cgw:"
    env = gateway_env(
        sandbox, REDIS_URL=own_redis.url, SYNC_MEWS_SINCE=SINCE,
        SYNC_LOCK_TTL_SECONDS=str(LOCK_TTL), SYNC_INTERVAL_SECONDS="600",
    )  # fmt: skip
    # A lock left by a process that died before saving any state.
    lock = ("SET", f"{prefix}id:lock", "dead", "PX", str(LOCK_TTL * 1000))
    assert own_redis.command(*lock) == b"+OK"
    with gateway_server(tmp_path, env) as serving:

        def complete() -> bool:
            report = serving.request("GET", "/readyz")[1]
            return bool(report.get("identityIndex", {}).get("complete"))

        _wait(complete, LOCK_TTL + 30, "the sync after the lock expired")
    assert own_redis.command("GET", f"{prefix}id:lock") == b"$-1"  # released by the new run
