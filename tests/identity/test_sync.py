"""The identity sync against the sandboxes, and the answers the gateway gives from it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs, mews_link
from tests.conftest import Gateway, gateway_with, sandboxes_of
from tests.resilience.conftest import FAST
from tests.support.redis_server import RedisServer

ONE = """query($id: ID!) {
  customer(id: $id) { id link { method mewsId alsoLinkedFrom } }
}"""
FILTERED = """query($filter: CustomerFilter!, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id link { method } fullwhere { email } mews { email } } }
  }
}"""


def _mews_only(world: World) -> set[str]:
    linked = {mews_link(c) for c in world.fullwhere_customers}
    return {g["Id"] for g in world.mews_customers} - linked


async def _synced(gateway: Gateway) -> None:
    state = await gateway.app.state.sync.run_once()
    assert state is not None and state.complete


async def test_a_fresh_gateway_resolves_a_linked_guest_once_its_sync_has_finished(
    sandboxes: Sandboxes, world: World
) -> None:
    record, guest = next((fw, g) for fw, g in linked_pairs(world) if fw.get("mewsId"))
    async with gateway_with(sandboxes) as gateway:
        before = await gateway.post(ONE, {"id": f"mews:{guest['Id']}"})
        assert before["data"]["customer"]["id"] == f"mews:{guest['Id']}"
        assert before["data"]["customer"]["link"]["method"] == "MEWS_ONLY"
        assert before["extensions"]["identityIndex"]["complete"] is False
        await _synced(gateway)
        after = await gateway.post(ONE, {"id": f"mews:{guest['Id']}"})
    assert after["data"]["customer"] == {
        "id": f"fullwhere:{record['id']}",
        "link": {"method": "MEWS_ID", "mewsId": guest["Id"], "alsoLinkedFrom": []},
    }
    assert "identityIndex" not in after.get("extensions", {})


async def test_a_guest_linked_from_two_records_is_reported_with_both(world: World) -> None:
    record, guest = next((fw, g) for fw, g in linked_pairs(world) if fw.get("mewsId"))
    second = copy.deepcopy(record)
    second["id"] = "ffffffff-0000-4000-8000-000000000001"  # sorts after every seeded id
    world.fullwhere_customers.append(second)
    async with gateway_with(sandboxes_of(world)) as gateway:
        await _synced(gateway)
        by_guest = await gateway.data(ONE, {"id": f"mews:{guest['Id']}"})
        by_second = await gateway.data(ONE, {"id": f"fullwhere:{second['id']}"})
    assert by_guest["customer"]["id"] == f"fullwhere:{record['id']}"
    assert by_guest["customer"]["link"]["alsoLinkedFrom"] == [f"fullwhere:{second['id']}"]
    assert by_second["customer"]["link"]["alsoLinkedFrom"] == [f"fullwhere:{record['id']}"]


async def test_an_email_filter_finds_a_mews_only_guest_and_a_fullwhere_only_customer(
    sandboxes: Sandboxes, world: World
) -> None:
    only = _mews_only(world)
    guest = next(g for g in world.mews_customers if g["Id"] in only and g.get("Email"))
    record = next(c for c in world.fullwhere_customers if not mews_link(c) and c.get("email"))
    async with gateway_with(sandboxes) as gateway:
        await _synced(gateway)
        gateway.reset_calls()
        found_guest = await gateway.data(
            FILTERED, {"filter": {"email": guest["Email"].upper()}, "first": 10}
        )
        assert gateway.calls() == {"mews:customers/getAll": 1}  # the guest; no lookup call
        found_record = await gateway.data(FILTERED, {"filter": {"email": record["email"]}})
    nodes = [e["node"] for e in found_guest["customers"]["edges"]]
    assert [n["id"] for n in nodes] == [f"mews:{guest['Id']}"]
    assert nodes[0]["mews"]["email"] == guest["Email"]
    nodes = [e["node"] for e in found_record["customers"]["edges"]]
    assert [n["id"] for n in nodes] == [f"fullwhere:{record['id']}"]
    assert nodes[0]["link"]["method"] == "NONE"


async def test_mews_only_lists_every_mews_only_guest_once_across_pages(
    sandboxes: Sandboxes, world: World
) -> None:
    seen: list[str] = []
    after: str | None = None
    async with gateway_with(sandboxes) as gateway:
        await _synced(gateway)
        while True:
            page = (
                await gateway.data(
                    FILTERED, {"filter": {"link": ["MEWS_ONLY"]}, "first": 17, "after": after}
                )
            )["customers"]
            seen += [e["node"]["id"] for e in page["edges"]]
            assert {e["node"]["link"]["method"] for e in page["edges"]} <= {"MEWS_ONLY"}
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    expected = {f"mews:{guest_id}" for guest_id in _mews_only(world)}
    assert len(expected) > 17 * 2  # several pages
    assert sorted(seen) == seen and set(seen) == expected and len(seen) == len(expected)
    assert page["totalCount"] == len(expected)


async def test_a_bad_filter_value_is_a_user_error(gateway: Gateway) -> None:
    result = await gateway.post(FILTERED, {"filter": {"phone": "06 12 34 56 78"}})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "country code" in result["errors"][0]["message"]


async def test_the_sync_stays_within_its_mews_budget_counted_at_the_sandbox(world: World) -> None:
    # 8 calls a second for the gateway and the sandbox alike; the sync may use a quarter.
    sandboxes = Sandboxes.from_world(world, rate_limit=8, rate_window=1.0)
    since = (datetime.now(UTC) - timedelta(days=30 * 24)).date().isoformat()
    env = {"MEWS_RATE_LIMIT": "8", "MEWS_RATE_WINDOW_SECONDS": "1", "SYNC_MEWS_SINCE": since}
    async with gateway_with(sandboxes, {**env, "SYNC_MEWS_BUDGET": "0.25"}) as gateway:
        await _synced(gateway)
        state = await gateway.app.state.upstreams.identity.state()
    control = sandboxes.mews.control
    assert control.calls["customers/getAll"] == state.mews_calls >= 8
    assert control.most_in_any_window("customers/getAll", 1.0) <= 2
    synced = [g for g in world.mews_customers if g["UpdatedUtc"] >= since]
    assert state.mews_records == len(synced) > 0


async def test_the_sync_survives_injected_429s_and_5xx(sandboxes: Sandboxes, world: World) -> None:
    control = sandboxes.mews.control
    control.fail_next("customers/getAll", 1, status=429, headers={"Retry-After": "0"})
    control.fail_next("customers/getAll", 1, status=503)
    sandboxes.fullwhere.control.fail_next("list", 1, status=502)
    async with gateway_with(sandboxes, FAST) as gateway:
        await _synced(gateway)
        state = await gateway.app.state.upstreams.identity.state()
    assert state.fullwhere_records == len(world.fullwhere_customers)
    assert state.mews_records == len(world.mews_customers)
    assert not control.faults.get("customers/getAll")  # both faults were met


def _gateway_sync(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", "sync", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "GATEWAY_DEMO": "true", **env},
        check=False,
    )


def test_gateway_sync_shows_progress_and_leaves_the_index_in_redis(tmp_path: Path) -> None:
    with RedisServer(tmp_path) as redis:
        done = _gateway_sync(REDIS_URL=redis.url)
        status = _gateway_sync("--status", REDIS_URL=redis.url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("fullwhere [####################] 300/300") for line in lines)
    assert any(line.startswith("mews      [####################]") for line in lines)
    assert lines[-1].startswith("done: 300 Fullwhere customers, 320 Mews guests")
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["complete"] is True
    assert (shown["fullwhereRecords"], shown["mewsRecords"]) == (300, 320)


@pytest.mark.parametrize("args", [[], ["--status"]])
def test_gateway_sync_without_redis_refuses_at_once_with_one_line(args: list[str]) -> None:
    # Without a shared store the sync's result would die with the command: nothing is read.
    done = _gateway_sync(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "no REDIS_URL" in done.stderr and "/readyz" in done.stderr
