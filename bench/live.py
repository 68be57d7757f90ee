"""Live changes, measured: `./dev bench-live` (`bench/live.py`).

Two `gateway serve` processes (one worker each) on one `redis-server`, the sandboxes in a
process of their own, over loopback:

- **latency**: a Mews webhook posted to process 1, one at a time, until the WebSocket
  subscriber on process 2 has the change (`{ id kind }`): p50 and p99;
- **idle memory**: the resident memory of process 2 before and after `--subscribers`
  WebSocket connections with one idle subscription each, per 1,000;
- **fan-out**: one webhook of `--changes` guests to process 1; changes per second process 2
  delivers to all its subscribers (from the post to the last subscriber's last change).

The subscribers are one asyncio process of this script on the same machine: on a small
machine it competes with the gateway for CPU, so the fan-out figure is a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

# `processes` puts the project root on sys.path, so `gateway` imports after it.
from processes import (
    HOST,
    Service,
    free_port,
    log,
    redis_server,
    start_gateway,
    start_sandboxes,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from gateway.sandbox.serve import BENCH_MEWS_COUNT
from gateway.sandbox.world import DEFAULT_FULLWHERE_COUNT, DEFAULT_SEED, build_world

SECRET = "bench-webhook-secret-0123456789"
CHANGED = "subscription { customerChanged { id kind } }"


def _message(ids: list[str]) -> dict[str, Any]:
    return {
        "EnterpriseId": "851df8c8-90f2-4c4a-8e01-a4fc46b25178",
        "IntegrationId": "c8bee838-7fb1-4f4e-8fac-ac87008b2f90",
        "Events": [{"Discriminator": "CustomerUpdated", "Value": {"Id": i}} for i in ids],
    }


def _ws_url(service: Service) -> str:
    return f"ws://{HOST}:{service.port}/graphql"


async def _subscriber(service: Service) -> ClientConnection:
    ws = await connect(
        _ws_url(service), subprotocols=[Subprotocol("graphql-transport-ws")], max_queue=None
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": CHANGED}}))
    return ws


async def _next_change(ws: ClientConnection) -> None:
    while json.loads(await ws.recv())["type"] != "next":
        pass  # keep-alive pings


async def _until_heard(
    http: httpx.AsyncClient, subscribers: list[ClientConnection], guest: str
) -> None:
    """Webhooks until every subscriber has one change (each subscription is running)."""
    waiting = [asyncio.ensure_future(_next_change(ws)) for ws in subscribers]
    while not all(task.done() for task in waiting):
        await http.post(f"/webhooks/mews/{SECRET}", json=_message([guest]))
        await asyncio.wait(waiting, timeout=1.0)


async def latency(one: Service, two: Service, guests: list[str], samples: int) -> list[float]:
    ws = await _subscriber(two)
    found = []
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{one.port}", timeout=30) as http:
        await _until_heard(http, [ws], guests[0])
        for n in range(samples):
            started = time.perf_counter()
            await http.post(f"/webhooks/mews/{SECRET}", json=_message([guests[n % len(guests)]]))
            await _next_change(ws)
            found.append((time.perf_counter() - started) * 1000)
    await ws.close()
    return found


async def subscribers_memory_and_rate(
    one: Service, two: Service, guests: list[str], count: int, changes: int
) -> tuple[float, float]:
    """KB per 1,000 idle subscriptions on process 2, and changes per second it delivers."""
    worker = two.workers()
    await asyncio.sleep(1.0)
    before = two.rss_kb(worker)
    subscribers = []
    for start in range(0, count, 100):
        batch = range(start, min(count, start + 100))
        subscribers += await asyncio.gather(*(_subscriber(two) for _ in batch))
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{one.port}", timeout=30) as http:
        await _until_heard(http, subscribers, guests[0])
        await asyncio.sleep(1.0)
        after = two.rss_kb(worker)
        started = time.perf_counter()
        await http.post(f"/webhooks/mews/{SECRET}", json=_message(guests[1 : changes + 1]))

        async def drain(ws: ClientConnection) -> None:
            for _ in range(changes):
                await _next_change(ws)

        await asyncio.gather(*(drain(ws) for ws in subscribers))
        elapsed = time.perf_counter() - started
    await asyncio.gather(*(ws.close() for ws in subscribers))
    return (after - before) * 1000 / count, count * changes / elapsed


async def run(args: argparse.Namespace) -> None:
    world = build_world(
        DEFAULT_SEED, fullwhere_count=DEFAULT_FULLWHERE_COUNT, mews_count=BENCH_MEWS_COUNT
    )
    guests = [g["Id"] for g in world.mews_customers][: max(args.changes + 1, 50)]
    with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp)) as redis_url:
        log_dir = Path(tmp)
        sandbox = start_sandboxes(free_port(), 0.0, log_dir)
        services = [sandbox]
        try:
            sandbox.wait_ready(f"http://{HOST}:{sandbox.port}/__bench/healthz")
            env = {
                "REDIS_URL": redis_url,
                "MEWS_WEBHOOK_SECRET": SECRET,
                "GATEWAY_MAX_CONNECTIONS_PER_CALLER": str(args.subscribers + 10),
                "GATEWAY_SUBSCRIPTION_BUFFER": str(max(100, args.changes * 2)),
            }
            url = f"http://{HOST}:{sandbox.port}"
            one = start_gateway(url, 1, False, log_dir, env=env)
            services.append(one)
            two = start_gateway(url, 1, False, log_dir, env=env)
            services.append(two)
            log(f"latency: {args.samples} webhooks, one at a time")
            times = await latency(one, two, guests, args.samples)
            log(f"{args.subscribers} idle subscriptions, then {args.changes} changes to all")
            per_thousand, rate = await subscribers_memory_and_rate(
                one, two, guests, args.subscribers, args.changes
            )
        finally:
            for service in reversed(services):
                service.stop()
    cuts = statistics.quantiles(times, n=100)
    print(f"webhook to subscriber, across 2 processes: p50 {cuts[49]:.1f} ms, "
          f"p99 {cuts[98]:.1f} ms ({len(times)} webhooks)")  # fmt: skip
    print(f"memory per 1,000 idle subscriptions (a WebSocket each): {per_thousand / 1024:.1f} MB")
    print(f"changes delivered per second to {args.subscribers} subscribers: {rate:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="./dev bench-live", description=__doc__)
    parser.add_argument("--samples", type=int, default=200, help="webhooks timed one by one")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=20, help="guests in the fan-out webhook")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
