"""What metrics and tracing cost the gateway, in CPU time per request:
`.venv/bin/python bench/telemetry.py [--requests N] [--rounds R] [--code DIR --modes off]`.

The full benchmark (`./dev bench --telemetry off|metrics|tracing`) shows the cost end to end,
but on a shared machine its latencies move by more than the cost itself. This runs the app
in-process (the sandboxes in-process too, no sockets) and counts the CPU time of the whole
process per request (`time.process_time`, every thread: the span exporter's included), which
other processes on the machine barely move. The modes run in rounds, so that drift hits all
of them alike:

- off: `GATEWAY_METRICS=false`, no tracing;
- metrics: the default (Prometheus metrics on);
- tracing: metrics, and every request traced and exported over OTLP/HTTP to a local sink.

Two requests: one customer with both profiles from a warm cache (no upstream call: the
gateway's own work only), and the same with `CACHE_TTL_SECONDS=0` (2 upstream calls each; the
in-process sandboxes' work is in that figure too). `--code DIR` measures the gateway package of
another checkout (e.g. one without this instrumentation, with `--modes off`) for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MODES = ("off", "metrics", "tracing")
QUERY = """query OneCustomer($id: ID!) {
  customer(id: $id) {
    id mewsId firstName lastName email phone language birthDate nationalityCode
    fullwhere { id createdAt email phoneNumber emailOptin smsOptin dataSources }
    mews { id number firstName lastName email phone classifications isActive }
  }
}"""


class OtlpSink:
    """A local OTLP/HTTP endpoint that accepts every export and keeps only their count."""

    def __init__(self) -> None:
        sink = self
        self.exports = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                sink.exports += 1
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def cpu_per_request(env: dict[str, str], requests: int) -> float:
    """Seconds of this process's CPU per request, after a warm-up."""
    import httpx

    from gateway.app import create_app
    from gateway.config import load_settings
    from gateway.sandbox.demo import Sandboxes
    from gateway.sandbox.world import build_world, linked_pairs

    world = build_world()
    fullwhere, _ = next(pair for pair in linked_pairs(world) if pair[0].get("mewsId"))
    body = json.dumps({"query": QUERY, "variables": {"id": f"fullwhere:{fullwhere['id']}"}})
    # No rate limit on either side: the runs measure the gateway, not the limiters.
    sandboxes = Sandboxes.from_world(world, rate_limit=10**9, rate_window=1.0)
    app = create_app(load_settings({**env, "MEWS_RATE_LIMIT": "0"}, demo=True), sandboxes=sandboxes)
    headers = {"content-type": "application/json"}
    # The app's lifespan closes its clients and flushes and stops its span exporter.
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as http,
    ):
        for _ in range(20):
            (await http.post("/graphql", content=body, headers=headers)).raise_for_status()
        started = time.process_time()
        for _ in range(requests):
            response = await http.post("/graphql", content=body, headers=headers)
            if response.status_code != 200 or b'"errors"' in response.content:
                raise RuntimeError(response.text[:300])
        return (time.process_time() - started) / requests


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/telemetry.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1000, help="per mode and round (default 1000)")
    p.add_argument("--rounds", type=int, default=5, help="rounds over all modes (default 5)")
    p.add_argument("--modes", default=",".join(MODES), help="subset of off,metrics,tracing")
    p.add_argument("--code", type=Path, default=ROOT, help="checkout whose gateway is measured")
    args = p.parse_args(argv)
    modes = [m for m in MODES if m in args.modes.split(",")]
    sys.path.insert(0, str(args.code.resolve()))
    import logging

    logging.getLogger("gateway").setLevel(logging.WARNING)  # as the full benchmark runs it
    sink = OtlpSink()
    mode_env = {
        "off": {"GATEWAY_METRICS": "false"},
        "metrics": {},
        "tracing": {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.url, "OTEL_BSP_SCHEDULE_DELAY": "200"},
    }
    cases = {"warm cache": {}, "cold (2 upstream calls)": {"CACHE_TTL_SECONDS": "0"}}
    results: dict[tuple[str, str], list[float]] = {}
    try:
        for round_ in range(args.rounds):
            for case, case_env in cases.items():
                for mode in modes:
                    seconds = asyncio.run(
                        cpu_per_request({**case_env, **mode_env[mode]}, args.requests)
                    )
                    results.setdefault((case, mode), []).append(seconds * 1e6)
            print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        sink.stop()
    import gateway

    print(
        f"CPU µs per request (median of {args.rounds} rounds of {args.requests}), "
        f"gateway from {Path(gateway.__file__).parent.parent}"
    )
    print(f"{'request':<26}" + "".join(f"{mode:>10}" for mode in modes))
    for case in cases:
        medians = [statistics.median(results[case, mode]) for mode in modes]
        print(f"{case:<26}" + "".join(f"{m:>10.0f}" for m in medians))
    print(f"OTLP sink: {sink.exports} exports received")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
