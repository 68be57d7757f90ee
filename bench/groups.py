"""A hotel group, in process: `./dev bench-groups [options]`.

The gateway and the group's Mews sandbox (a portfolio token over two chains plus the
property tokens `paris` and `lyon`: three tokens, four places) run in this one process, over
httpx's ASGI transport, both enforcing the Mews limit per token (200 calls per 30 s by
default). Two figures:

- cold joined reads: N distinct linked customers (`customer(id: "fullwhere:…")
  { mews { mewsId property } }`) at concurrency C on a fresh gateway whose identity index is
  empty, so every guest's token is found by asking the tokens; it reports the calls per
  token, answers served and failed, and latency p50/p99;
- a page of 100 customers with guests spread over the three tokens, after the identity sync
  (cache off, so every page reads Mews): the getAll calls per page and latency p50.

In process, the figures measure the gateway's work and its calls, not network latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

import httpx

# `processes` puts the project root on sys.path, so `gateway` imports after it.
from load import percentile
from processes import log
from report import machine

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, build_world, linked_pairs
from gateway.upstream.mews import API_PREFIX

JOINED = "query($id: ID!) { customer(id: $id) { id mews { mewsId property } } }"
PAGE = "{ customers(first: 100) { edges { node { id mews { mewsId property } } } } }"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="./dev bench-groups", description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1500, help="cold joined reads (1500)")
    p.add_argument("--concurrency", type=int, default=100, help="reads in flight (100)")
    p.add_argument("--pages", type=int, default=30, help="pages of 100 measured (30)")
    p.add_argument("--limit", type=int, default=200, help="Mews calls per token (200)")
    p.add_argument("--window", type=float, default=30.0, help="... per seconds (30)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return p.parse_args(argv)


class CountCalls:
    """Pure ASGI middleware: Mews calls by (access token, operation)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: Counter[tuple[str, str]] = Counter()
        self.refused = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        chunks: list[bytes] = []

        async def recorded() -> Any:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        async def sent(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] == 429:
                self.refused += 1
            await send(message)

        await self.app(scope, recorded, sent)
        token = json.loads(b"".join(chunks) or b"{}").get("AccessToken", "")
        self.calls[(str(token)[-6:], scope["path"].removeprefix(API_PREFIX))] += 1


def _gateway(world: World, args: argparse.Namespace, env: dict[str, str]) -> tuple[Any, Any]:
    sandboxes = Sandboxes.group(world, rate_limit=args.limit, rate_window=args.window)
    counter = CountCalls(sandboxes.mews.app)
    settings = load_settings(
        {
            "MEWS_RATE_LIMIT": str(args.limit),
            "MEWS_RATE_WINDOW_SECONDS": str(args.window),
            "SYNC_INTERVAL_SECONDS": "0",
            **env,
        },
        demo=True,
    )
    app = create_app(
        settings,
        sandboxes=sandboxes,
        mews_transport=httpx.ASGITransport(app=counter),
    )
    return app, counter


async def cold_reads(world: World, args: argparse.Namespace) -> dict[str, Any]:
    ids = [f"fullwhere:{fw['id']}" for fw, _ in linked_pairs(world)][: args.requests]
    app, counter = _gateway(world, args, {})
    slots = asyncio.Semaphore(args.concurrency)
    latencies: list[float] = []
    failed = 0
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=120) as http,
    ):

        async def one(customer_id: str) -> None:
            nonlocal failed
            async with slots:
                started = time.perf_counter()
                body = {"query": JOINED, "variables": {"id": customer_id}}
                answer = (await http.post("/graphql", json=body)).json()
                latencies.append(time.perf_counter() - started)
                if answer.get("errors") or not answer["data"]["customer"]["mews"]:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in ids))
        seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "reads": len(ids),
        "failed": failed,
        "seconds": round(seconds, 2),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "calls_by_token": _by_token(counter),
        "refused_429": counter.refused,
    }


async def pages(world: World, args: argparse.Namespace) -> dict[str, Any]:
    app, counter = _gateway(world, args, {"CACHE_TTL_SECONDS": "0"})
    transport = httpx.ASGITransport(app=app)
    latencies: list[float] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=120) as http,
    ):
        await app.state.sync.run_once()
        counter.calls.clear()
        for _ in range(args.pages):
            started = time.perf_counter()
            answer = (await http.post("/graphql", json={"query": PAGE})).json()
            latencies.append(time.perf_counter() - started)
            assert not answer.get("errors"), answer["errors"]
    latencies.sort()
    edges = answer["data"]["customers"]["edges"]
    places = Counter(str(e["node"]["mews"]["property"]) for e in edges if e["node"]["mews"])
    get_all = sum(n for (_, op), n in counter.calls.items() if op == "customers/getAll")
    return {
        "pages": args.pages,
        "guests_by_property": dict(places),
        "get_all_per_page": round(get_all / args.pages, 2),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
    }


def _by_token(counter: CountCalls) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for (token, _), count in counter.calls.items():
        totals[token] += count
    return dict(totals)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    world = build_world(fullwhere_count=max(300, args.requests * 2), mews_count=args.requests * 2)
    log(f"cold joined reads: {args.requests} at concurrency {args.concurrency}")
    cold = asyncio.run(cold_reads(world, args))
    log(f"pages of 100: {args.pages}")
    page = asyncio.run(pages(world, args))
    results = {"machine": machine(), "cold_reads": cold, "page_of_100": page}
    print(json.dumps(results, indent=2) if args.json else _text(results))


def _text(results: dict[str, Any]) -> str:
    cold, page = results["cold_reads"], results["page_of_100"]
    return "\n".join(
        [
            f"cold joined reads: {cold['reads']} in {cold['seconds']} s, failed {cold['failed']}, "
            f"p50 {cold['p50_ms']} ms, p99 {cold['p99_ms']} ms, 429s {cold['refused_429']}",
            f"  Mews calls by token (last 6 characters): {cold['calls_by_token']}",
            f"page of 100: {page['get_all_per_page']} getAll a page, p50 {page['p50_ms']} ms, "
            f"guests by property {page['guests_by_property']}",
        ]
    )


if __name__ == "__main__":
    main()
