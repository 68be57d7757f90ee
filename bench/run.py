"""The gateway benchmark: `./dev bench [options]`.

Starts, on loopback only:

- the sandbox server (`python -m gateway.sandbox.serve`): both sandboxes in a process of their
  own, with an added latency per upstream call and call counters at `/__bench/calls`;
- the gateway (`python -m gateway serve --workers N`) in production mode, pointed at it.

then runs fixed scenarios and prints, per scenario: upstream calls per request beside the
minimum, latency at concurrency 1 (p50/p95/p99) beside the lower bound (dependent upstream
calls x latency), requests per second at concurrency 32 with 1 and 2 workers, and the
gateway's peak memory, with the performance targets (docs/benchmark.md) marked met or NOT met.

Cold scenarios (1-4) run against a gateway with `CACHE_TTL_SECONDS=0`: nothing is cached across
requests, so every sample pays its upstream calls, while single-flight and batching within one
request still work. Varying ids instead would run out of customers (300 Fullwhere records, 3
pages of 100) and measure a different query each time. The warm scenario (5) runs against a
gateway with the default TTL after one warming request.

Every wait has a timeout and every process started here is stopped in a `finally` block.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import shutil
import signal
import tempfile
from pathlib import Path

from load import count_calls, measure_floor, run_load, sequential_latencies
from processes import (
    HOST,
    CpuWatch,
    MemorySampler,
    Service,
    free_port,
    http_get,
    http_post,
    log,
    redis_server,
    start_gateway,
    start_sandboxes,
    wait_idle,
)
from report import ScenarioResult, as_json, machine, render
from scenarios import build_scenarios
from side_by_side import run_peer
from telemetry import MODES as TELEMETRY_MODES
from telemetry import OtlpSink


def measure_gateway(
    args: argparse.Namespace,
    results: dict[str, ScenarioResult],
    sandbox: Service,
    sandbox_url: str,
    workers: int,
    cold: bool,
    log_dir: Path,
) -> None:
    chosen = [r for r in results.values() if r.scenario.warm != cold and r.error is None]
    if not chosen:
        return
    latency_workers = args.workers[0]
    gateway = start_gateway(
        sandbox_url,
        workers,
        cold,
        log_dir,
        env={"REDIS_URL": args.redis_url} if args.redis_url else None,
        telemetry=args.telemetry,
        sink_url=args.otlp_sink_url,
    )
    port = gateway.port
    log(f"{gateway.name} up on port {port} (pid {gateway.pid})")
    try:
        with MemorySampler(gateway) as memory:
            for result in chosen:
                s = result.scenario
                with memory.measuring(s.key):
                    try:
                        if s.warm:
                            count_calls(sandbox_url, port, s)  # the warming request
                        if workers == latency_workers:
                            result.calls = count_calls(sandbox_url, port, s)
                            log(
                                f"scenario {s.key}: calls {result.calls}; "
                                f"{args.requests} sequential requests"
                            )
                            with CpuWatch(gateway, sandbox).phase() as cpu:
                                times = sequential_latencies(
                                    port, s.body, args.requests, args.warmup, args.latency_budget
                                )
                            result.latencies_ms = [t * 1000 for t in times]
                            result.latency_other_cpu_pct = cpu.pct(cpu.other_s)
                        else:
                            count_calls(sandbox_url, port, s)  # checks the answer
                        if args.duration > 0:
                            if args.warmup and args.duration >= 3:
                                run_load(args, port, s.body, log_dir, 1.0)  # every worker
                            wait_idle(gateway, sandbox)
                            http_post(f"{sandbox_url}/__bench/reset")
                            with CpuWatch(gateway, sandbox).phase() as cpu:
                                load = run_load(args, port, s.body, log_dir, args.duration)
                            load.gateway_cpu_s, load.sandbox_cpu_s = cpu.gateway_s, cpu.sandbox_s
                            load.tool_cpu_s, load.other_cpu_s = cpu.tool_s, cpu.other_s
                            load.worker_cpu_s = cpu.per_worker_s
                            _, raw = http_get(f"{sandbox_url}/__bench/calls")
                            load.upstream_calls = sum(json.loads(raw).values())
                            result.load[workers] = load
                            wait_idle(gateway, sandbox)
                            log(
                                f"scenario {s.key}, {workers} worker(s): {load.rps:.0f} req/s "
                                f"({load.tool}, c={args.concurrency}, bad={load.bad})"
                            )
                    except (RuntimeError, OSError, http.client.HTTPException) as exc:
                        result.error = str(exc)[:500]
                        log(f"scenario {s.key}: FAILED: {result.error}")
            for result in chosen:
                if result.scenario.key in memory.peaks:
                    result.peak_rss_kb[workers] = memory.peaks[result.scenario.key]
    finally:
        gateway.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="./dev bench", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--latency",
        type=float,
        default=None,
        help="seconds added to every upstream call (default 0.020; 0 with --peer, so the "
        "side-by-side figures compare the gateways' own cost)",
    )
    p.add_argument(
        "--requests",
        type=int,
        default=200,
        help="sequential latency samples per scenario (default 200)",
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="requests before the samples, and a 1 s load before each run (default 10)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=5.0,
        help="seconds per throughput run; 0 skips them (default 5)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="connections (default 32; 10 with --peer, as the side-by-side runs were taken)",
    )
    p.add_argument(
        "--latency-budget",
        type=float,
        default=90.0,
        help="seconds of sequential sampling per scenario at most (default 90)",
    )
    p.add_argument("--workers", default="1,2", help="gateway worker counts (default 1,2)")
    p.add_argument("--scenarios", default="1,2,3,4,5", help="subset, e.g. 1,5 (default all)")
    p.add_argument("--quick", action="store_true", help="tiny numbers, for a smoke run")
    p.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    p.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="also write the results as JSON (to PATH, or stdout)",
    )
    p.add_argument("--keep-logs", action="store_true", help="keep the servers' logs and say where")
    p.add_argument(
        "--peer",
        choices=["mesh"],
        help="instead of the scenarios: this gateway and the peer side by side, interleaved",
    )
    p.add_argument(
        "--rounds", type=int, default=5, help="interleaved runs per side with --peer (default 5)"
    )
    p.add_argument(
        "--redis",
        action="store_true",
        help="start a redis-server on loopback and give every gateway its REDIS_URL",
    )
    p.add_argument(
        "--telemetry",
        choices=TELEMETRY_MODES,
        default="metrics",
        help="off: GATEWAY_METRICS=false; metrics: the default (Prometheus metrics on); "
        "tracing: metrics and every request traced to a local OTLP/HTTP sink",
    )
    args = p.parse_args(argv)
    if args.concurrency is None:
        args.concurrency = 10 if args.peer else 32
    if args.latency is None:
        args.latency = 0.0 if args.peer else 0.020
    try:
        args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
        args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    except ValueError:
        p.error("--workers takes integers like 1,2")
    if not args.workers or min(args.workers) < 1:
        p.error("--workers needs at least one count >= 1")
    if unknown := set(args.scenarios) - {"1", "2", "3", "4", "5"}:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.rounds < 1:
        p.error("--rounds must be >= 1")
    if args.latency < 0 or args.requests < 1 or args.concurrency < 1 or args.duration < 0:
        p.error("--latency/--duration must be >= 0, --requests/--concurrency >= 1")
    if args.quick:
        args.requests, args.warmup = min(args.requests, 5), 1
        args.duration = min(args.duration, 2.0)
    args.wrk = None if args.no_wrk else shutil.which("wrk")
    return args


def _interrupt(signum: int, frame: object) -> None:
    """A SIGTERM runs the finally blocks (which stop the servers), like Ctrl-C."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    tool = "wrk" if args.wrk else "python asyncio load generator (wrk not found)"
    if not args.wrk:
        log(
            "wrk not found: throughput uses the Python load generator, which itself takes CPU "
            "from the gateway on a small machine; install wrk for better figures"
        )
    info = machine()
    if info["loadavg_1m"] > 0.5:
        log(
            f"the machine is busy (load average {info['loadavg_1m']:.2f}): other processes "
            "compete with the gateway and the figures will be worse than on a quiet machine"
        )
    results = {
        s.key: ScenarioResult(s, args.latency) for s in build_scenarios() if s.key in args.scenarios
    }
    log_dir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    sink = OtlpSink() if args.telemetry == "tracing" else None
    args.otlp_sink_url = sink.url if sink is not None else None
    args.redis_url = None
    sandbox_port = free_port()
    sandbox_url = f"http://{HOST}:{sandbox_port}"
    sandbox = start_sandboxes(sandbox_port, args.latency, log_dir)
    try:
        sandbox.wait_ready(f"{sandbox_url}/__bench/healthz")
        log(f"sandboxes up on port {sandbox_port} (pid {sandbox.pid}), latency {args.latency}s")
        if args.peer:
            return run_peer(args, info, sandbox, sandbox_url, log_dir, started, tool)
        for result in results.values():
            result.floor_ms = 1000 * measure_floor(
                sandbox_port, result.scenario.floor, min(args.requests, 50), min(args.warmup, 3)
            )
        http_post(f"{sandbox_url}/__bench/reset")
        log("floors: " + ", ".join(f"{k} {r.floor_ms:.1f} ms" for k, r in results.items()))
        with contextlib.ExitStack() as stack:
            if args.redis:
                args.redis_url = stack.enter_context(redis_server(log_dir))
                log(f"redis-server at {args.redis_url}, shared by every gateway process")
            for workers in args.workers:
                for cold in (True, False):
                    measure_gateway(args, results, sandbox, sandbox_url, workers, cold, log_dir)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        sandbox.stop()
        if sink is not None:
            log(f"OTLP sink received {sink.exports} exports")
            sink.stop()
        if args.keep_logs:
            log(f"logs in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    ordered = [results[key] for key in sorted(results)]
    print(render(args, info, ordered, started, tool))
    if args.json:
        payload = json.dumps(as_json(args, info, ordered, started, tool), indent=2)
        if args.json == "-":
            print(payload)
        else:
            Path(args.json).write_text(payload + "\n")
            log(f"JSON written to {args.json}")
    failed = any(r.error for r in ordered)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
