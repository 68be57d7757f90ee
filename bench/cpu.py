"""The gateway's own CPU per request, in process: `.venv/bin/python bench/cpu.py`.

Load runs measure throughput, which moves with whatever else the machine is doing. This
counts the CPU time (`time.process_time`) the gateway's app spends on each request of a
scenario, driven one request at a time through its ASGI interface against the sandbox server
(in a process of its own, no added latency). Waiting for the sandboxes costs no CPU here, so
the figure holds on a busy machine too, and one change at a time can be compared. The HTTP
server's share (uvicorn's parsing and writing) is not in it.

`--profile` runs the same under cProfile and prints the functions with the most own time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from burst import QUERY as BURST_QUERY
from processes import HOST, free_port, gateway_env, http_get, http_post, start_sandboxes
from scenarios import bench_world, build_scenarios
from side_by_side import peer_scenarios

from gateway.sandbox.world import linked_pairs

WARMUP = 20
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Message, Receive, Send], Awaitable[None]]


def bodies() -> dict[str, list[bytes]]:
    """Scenario key -> request bodies, sent in turn: the side-by-side queries (a, b), the
    burst's distinct joined reads (c: no two requests in flight share a call), then
    scenarios 1-4."""
    found = {peer.key: [peer.ours] for peer in peer_scenarios()[0]}
    found["c"] = [
        json.dumps({"query": BURST_QUERY, "variables": {"id": f"fullwhere:{fw['id']}"}}).encode()
        for fw, _ in linked_pairs(bench_world())
    ]
    found.update({s.key: [s.body] for s in build_scenarios() if not s.warm})
    return found


async def call(app: App, body: bytes) -> tuple[int, bytes]:
    """One POST /graphql through the app's ASGI interface (not httpx's ASGI transport, whose
    own work would be counted as the gateway's)."""
    scope: Message = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "client": (HOST, 50000), "server": (HOST, 8000),
        "headers": [(b"host", b"gateway"), (b"content-type", b"application/json"),
                    (b"accept", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # no disconnect while the request runs
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def measure(
    app: App, bodies: list[bytes], requests: int, concurrency: int, profile: cProfile.Profile | None
) -> tuple[float, float]:
    """CPU and wall seconds per request over `requests` requests, `concurrency` at a time,
    after a warm-up."""
    for index in range(WARMUP):
        status, raw = await call(app, bodies[index % len(bodies)])
        if status != 200 or b'"errors"' in raw:
            raise RuntimeError(f"HTTP {status}: {raw[:300]!r}")
    left = requests

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await call(app, bodies[left % len(bodies)])

    if profile is not None:
        profile.enable()
    wall, cpu = time.perf_counter(), time.thread_time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    if profile is not None:
        profile.disable()
    return cpu / requests, wall / requests


async def run(args: argparse.Namespace, sandbox_url: str, workdir: Path) -> None:
    os.environ.update(gateway_env(sandbox_url, cold=not args.warm, telemetry=args.telemetry))
    from gateway.app import create_app
    from gateway.cli import tune_gc
    from gateway.config import load_settings
    from gateway.logs import configure_logging

    settings = load_settings(os.environ)
    # As a worker does: the per-operation log line is part of the cost (to a file here).
    with open(workdir / "gateway.log", "w") as log, contextlib.redirect_stderr(log):
        configure_logging(settings.telemetry.log_level, settings.telemetry.log_format)
        app: Any = create_app(settings)
        tune_gc(settings.gc_young_threshold)  # as app_factory does for a worker
        async with app.router.lifespan_context(app):
            for key, sent in bodies().items():
                if key in args.scenarios:
                    await report(app, key, sent, args, sandbox_url)


async def report(
    app: App, key: str, sent: list[bytes], args: argparse.Namespace, sandbox_url: str
) -> None:
    """Measure one scenario and print its figures (and cProfile's, with `--profile`)."""
    profile = cProfile.Profile() if args.profile else None
    http_post(f"{sandbox_url}/__bench/reset")
    cpu, wall = await measure(app, sent, args.requests, args.concurrency, profile)
    calls = json.loads(http_get(f"{sandbox_url}/__bench/calls")[1])
    print(
        f"scenario {key}: {cpu * 1e6:7.0f} µs CPU per request ({wall * 1e6:.0f} µs wall), "
        f"{args.requests} requests, {args.concurrency} at a time, "
        f"{sum(calls.values()) / (args.requests + WARMUP):.2f} upstream calls each"
    )
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenarios", default="abc12", help="keys among a-c, 1-4 (default abc12)")
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=10)
    p.add_argument("--telemetry", default="metrics", choices=["off", "metrics", "tracing"])
    p.add_argument(
        "--warm", action="store_true", help="with the read cache on: the gateway's cost alone"
    )
    p.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    p.add_argument("--sort", default="tottime", help="cProfile sort key (default tottime)")
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="gateway-cpu-"))
    port = free_port()
    sandbox = start_sandboxes(port, 0.0, workdir)
    try:
        url = f"http://{HOST}:{port}"
        sandbox.wait_ready(f"{url}/__bench/healthz")
        import uvloop

        uvloop.run(run(args, url, workdir))
    finally:
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
