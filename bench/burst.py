"""Cold burst at the Mews rate limit: `./dev bench-burst [options]`.

N distinct cold joined reads (`customer(id: "fullwhere:…") { id mews { mewsId firstName } }`, each
a different linked customer) at concurrency C, against a gateway (one worker) and a sandbox
server that both enforce the Mews rate limit (200 calls per 30 s by default, Mews's own).
Concurrent requests share their Mews reads through the gateway's process-wide batcher, so
the limit bounds calls, not guests.

It prints the Mews calls (counted at the sandbox), the ids per call, throughput, latency
p50/p99 and wrong or failed answers, beside the physical limit (calls allowed x 1000 ids),
and what the batcher's collection window costs a single read while the budget is plentiful.
Every process started here is stopped in a `finally` block; every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

# `processes` puts the project root on sys.path, so `gateway` imports after it.
from load import percentile, roundtrip
from processes import (
    HOST,
    Service,
    free_port,
    http_get,
    http_post,
    log,
    start_gateway,
    start_sandboxes,
)
from report import machine

from gateway.sandbox.world import DEFAULT_SEED, grown_world, linked_pairs
from gateway.upstream.batcher import ReadBatcher
from gateway.upstream.mews import MAX_ITEMS
from gateway.upstream.resilience import SlidingWindowLimiter

QUERY = "query($id: ID!) { customer(id: $id) { id mews { mewsId firstName } } }"
BURST_TIMEOUT = 300.0
#: Share of Fullwhere customers of the seeded world that are linked to a Mews guest, at least.
LINKED_SHARE = 0.7


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="./dev bench-burst", description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=6000, help="distinct reads (default 6000)")
    # At concurrency C a call carries at most C ids, so a sustained rate under the limit is
    # at most limit / window x C reads per second: 300 leaves room above 1,000.
    p.add_argument("--concurrency", type=int, default=300, help="connections (default 300)")
    p.add_argument(
        "--gc-young-threshold", type=int, default=50_000,
        help="the gateway's GATEWAY_GC_YOUNG_THRESHOLD (default 50000: hundreds of requests "
        "in flight per worker are what a higher one is for)",
    )  # fmt: skip
    p.add_argument("--latency", type=float, default=0.020, help="seconds per upstream call")
    p.add_argument("--mews-limit", type=int, default=200, help="Mews calls per window")
    p.add_argument("--mews-window", type=float, default=30.0, help="seconds (default 30)")
    p.add_argument("--samples", type=int, default=5000, help="reads for the window's cost")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = p.parse_args(argv)
    if (
        min(args.requests, args.concurrency, args.mews_limit, args.samples, args.gc_young_threshold)
        < 1
    ):
        p.error("--requests, --concurrency, --mews-limit, --samples, --gc-young-threshold: >= 1")
    if args.latency < 0 or args.mews_window <= 0:
        p.error("--latency must be >= 0 and --mews-window > 0")
    return args


async def _burst(
    port: int, bodies: list[bytes], concurrency: int
) -> tuple[list[float], dict[int, bytes], list[int]]:
    """Send every body once over `concurrency` kept-alive connections: latencies (s), the
    answers by index, and the indexes of those that are not 200 or carry errors."""
    latencies: list[float] = []
    bad: list[int] = []
    answers: dict[int, bytes] = {}
    queue = iter(enumerate(bodies))
    head = f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for index, body in queue:
                request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
                start = time.perf_counter()
                status, payload = await roundtrip(reader, writer, request)
                latencies.append(time.perf_counter() - start)
                answers[index] = payload
                if status != 200 or b'"errors"' in payload:
                    bad.append(index)
        finally:
            writer.close()

    await asyncio.wait_for(
        asyncio.gather(*(connection() for _ in range(concurrency))), BURST_TIMEOUT
    )
    return latencies, answers, bad


async def _window_cost(samples: int) -> tuple[float, float]:
    """p50 and p99 (ms) of what the batcher adds to one read while the budget is plentiful:
    a read through a `ReadBatcher` minus the same fetch called directly."""
    record = {"Id": "guest"}

    async def fetch(ids: list[str]) -> dict[str, Any]:
        return dict.fromkeys(ids, record)

    batcher = ReadBatcher(fetch, source="mews", limiter=SlidingWindowLimiter(200, 30.0))
    direct: list[float] = []
    batched: list[float] = []
    for _ in range(samples):
        start = time.perf_counter()
        await fetch(["guest"])
        direct.append(time.perf_counter() - start)
        start = time.perf_counter()
        await batcher.load(["guest"])
        batched.append(time.perf_counter() - start)
    direct.sort()
    batched.sort()
    return (
        (percentile(batched, 0.5) - percentile(direct, 0.5)) * 1000,
        (percentile(batched, 0.99) - percentile(direct, 0.99)) * 1000,
    )


def wrong_guests(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]], answers: dict[int, bytes], bad: list[int]
) -> list[int]:
    """The indexes of the good answers whose Mews profile is not the guest linked to the
    customer read (`pairs[index]`: the Fullwhere record and its Mews guest)."""
    return [
        index
        for index, (_, guest) in enumerate(pairs)
        if index not in bad
        and (json.loads(answers[index])["data"]["customer"]["mews"] or {}).get("mewsId")
        != guest["Id"]
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fullwhere_count = max(300, int(args.requests / LINKED_SHARE) + 50)
    mews_count = fullwhere_count + 200
    world = grown_world(DEFAULT_SEED, fullwhere_count=fullwhere_count, mews_count=mews_count)
    pairs = linked_pairs(world)[: args.requests]
    if len(pairs) < args.requests:
        raise SystemExit(f"bench: only {len(pairs)} linked customers for {args.requests} reads")
    bodies = [
        json.dumps({"query": QUERY, "variables": {"id": f"fullwhere:{fw['id']}"}}).encode()
        for fw, _ in pairs
    ]
    info = machine()
    log_dir = Path(tempfile.mkdtemp(prefix="gateway-burst-"))
    sandbox_port = free_port()
    sandbox_url = f"http://{HOST}:{sandbox_port}"
    limit = {
        "MEWS_RATE_LIMIT": str(args.mews_limit),
        "MEWS_RATE_WINDOW_SECONDS": str(args.mews_window),
        "GATEWAY_GC_YOUNG_THRESHOLD": str(args.gc_young_threshold),
    }
    sandbox = start_sandboxes(
        sandbox_port,
        args.latency,
        log_dir,
        *("--fullwhere-count", str(fullwhere_count), "--mews-count", str(mews_count)),
        *("--mews-rate-limit", str(args.mews_limit), "--mews-rate-window", str(args.mews_window)),
    )
    gateway: Service | None = None
    try:
        sandbox.wait_ready(f"{sandbox_url}/__bench/healthz", timeout=120.0)
        gateway = start_gateway(sandbox_url, 1, True, log_dir, env=limit)
        http_post(f"{sandbox_url}/__bench/reset")
        log(f"{args.requests} cold joined reads at concurrency {args.concurrency}")
        cpu_before = (gateway.cpu_seconds(), sandbox.cpu_seconds(), time.process_time())
        started = time.perf_counter()
        latencies, answers, bad = asyncio.run(_burst(gateway.port, bodies, args.concurrency))
        elapsed = time.perf_counter() - started
        cpu_after = (gateway.cpu_seconds(), sandbox.cpu_seconds(), time.process_time())
        # Of one core, during the burst: who had the CPU (the machine's cores are shared).
        cpu_share = [
            round((after - before) / elapsed * 100)
            for before, after in zip(cpu_before, cpu_after, strict=True)
        ]
        _, raw = http_get(f"{sandbox_url}/__bench/calls")
        calls: dict[str, int] = json.loads(raw)
    finally:
        if gateway is not None:
            gateway.stop()
        sandbox.stop()
        shutil.rmtree(log_dir, ignore_errors=True)
    wrong = wrong_guests(pairs, answers, bad)
    cost_p50, cost_p99 = asyncio.run(_window_cost(args.samples))
    get_all = calls.get("mews:customers/getAll", 0)
    latencies.sort()
    results = {
        "machine": info,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "latency_s": args.latency,
        "mews_limit": f"{args.mews_limit} calls / {args.mews_window:g} s",
        "gc_young_threshold": args.gc_young_threshold,
        "seconds": round(elapsed, 2),
        "reads_per_s": round(args.requests / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "failed": len(bad),
        "wrong_guest": len(wrong),
        "upstream_calls": calls,
        "ids_per_getall": round(args.requests / get_all, 1) if get_all else None,
        "physical_limit_guests_per_s": round(args.mews_limit * MAX_ITEMS / args.mews_window),
        "cpu_percent": dict(
            zip(("gateway", "sandboxes", "load generator"), cpu_share, strict=True)
        ),
        "gateway_cpu_us_per_read": round((cpu_after[0] - cpu_before[0]) / args.requests * 1e6),
        "window_cost_ms_p50": round(cost_p50, 4),
        "window_cost_ms_p99": round(cost_p99, 4),
    }
    print(render(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if bad or wrong else 0


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    calls = r["upstream_calls"]
    return "\n".join(
        [
            f"machine: {m['cpus']} CPUs ({m['cpus_usable']} usable), {m['cpu_model']}; "
            f"CPython {m['python']} on {m['os']}; load average at start {m['loadavg_1m']:.2f}",
            f"cold burst at the Mews limit ({r['mews_limit']}, gateway and sandbox alike), "
            f"one worker (GATEWAY_GC_YOUNG_THRESHOLD={r['gc_young_threshold']}), "
            f"{r['latency_s'] * 1000:g} ms per upstream call",
            f"  {r['requests']} distinct joined reads at concurrency {r['concurrency']}: "
            f"{r['seconds']} s, {r['reads_per_s']} reads/s, p50 {r['p50_ms']} ms, "
            f"p99 {r['p99_ms']} ms; failed {r['failed']}, wrong guest {r['wrong_guest']}",
            f"  Mews getAll calls: {calls.get('mews:customers/getAll', 0)} "
            f"({r['ids_per_getall']} ids per call); Fullwhere gets: "
            f"{calls.get('fullwhere:get', 0)}",
            "  CPU during the burst, % of one core: "
            + ", ".join(f"{name} {share}" for name, share in r["cpu_percent"].items())
            + f"; the gateway's CPU per read: {r['gateway_cpu_us_per_read']} us",
            f"  physical limit: {r['physical_limit_guests_per_s']} guests/s "
            f"(calls allowed x {MAX_ITEMS} ids per call)",
            f"  batcher window with the budget plentiful: +{r['window_cost_ms_p50'] * 1000:.1f} "
            f"us per read at p50, +{r['window_cost_ms_p99'] * 1000:.1f} us at p99",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
