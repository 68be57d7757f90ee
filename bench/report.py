"""The benchmark's report: each scenario's results beside its targets, as a text table (and
JSON), with the machine the figures were taken on."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load import LoadResult, percentile
from processes import FULLWHERE_CONCURRENCY
from scenarios import Scenario


@dataclass
class ScenarioResult:
    scenario: Scenario
    latency_s: float  # added to every upstream call (--latency)
    calls: dict[str, int] | None = None
    latencies_ms: list[float] = field(default_factory=list)
    floor_ms: float | None = None  # the sandboxes alone, same calls, measured
    latency_other_cpu_pct: float | None = None  # other processes' CPU while sampling
    load: dict[int, LoadResult] = field(default_factory=dict)  # by workers
    peak_rss_kb: dict[int, int] = field(default_factory=dict)  # by workers
    error: str | None = None

    def pct(self, fraction: float) -> float | None:
        return percentile(sorted(self.latencies_ms), fraction) if self.latencies_ms else None

    @property
    def bound_ms(self) -> float:
        return self.scenario.chain * self.latency_s * 1000

    @property
    def overhead_ms(self) -> float | None:
        p50 = self.pct(0.50)
        return None if p50 is None else p50 - self.bound_ms

    @property
    def gateway_ms(self) -> float | None:
        """p50 less the measured floor: the gateway's own share of the latency."""
        p50 = self.pct(0.50)
        return None if p50 is None or self.floor_ms is None else p50 - self.floor_ms

    def targets(self, target_workers: int) -> list[tuple[str, bool | None]]:
        """(what, met?) for each performance target that applies; None when not measured."""
        s = self.scenario
        found: list[tuple[str, bool | None]] = []
        calls_met = None if self.calls is None else self.calls == s.min_calls
        found.append((f"calls = {s.min_total}", calls_met))
        if s.overhead_target_ms is not None:
            overhead = self.overhead_ms
            found.append(
                (
                    f"p50 overhead <= {s.overhead_target_ms:g} ms",
                    None if overhead is None else overhead <= s.overhead_target_ms,
                )
            )
        if s.rps_target is not None:
            load = self.load.get(target_workers)
            met = None if load is None else (load.rps >= s.rps_target and load.bad == 0)
            found.append((f">= {s.rps_target:g} req/s with {target_workers} workers", met))
        return found


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0

    def has(module: str) -> bool:
        import importlib.util

        return importlib.util.find_spec(module) is not None

    return {
        "cpus": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "uvicorn_loop": "uvloop" if has("uvloop") else "asyncio",
        "uvicorn_http": "httptools" if has("httptools") else "h11",
        "loadavg_1m": os.getloadavg()[0],
    }


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _calls_text(result: ScenarioResult) -> str:
    if result.calls is None:
        return "-"
    return f"{sum(result.calls.values())} ({result.scenario.min_total})"


def table(rows: list[list[str]]) -> list[str]:
    """`rows` (the header first) as aligned text lines: the first column to the left, the
    others to the right, a rule under the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def render(
    args: argparse.Namespace,
    info: dict[str, Any],
    results: list[ScenarioResult],
    started: str,
    tool: str,
) -> str:
    w_list = args.workers
    target_workers = max(w_list)
    lines: list[str] = []
    lines.append(
        f"machine: {info['cpus']} CPUs ({info['cpus_usable']} usable), {info['cpu_model']}; "
        f"{info['implementation']} {info['python']} on {info['os']}; "
        f"uvicorn {info['uvicorn_loop']}/{info['uvicorn_http']}; "
        f"load average at start {info['loadavg_1m']:.2f}"
    )
    lines.append(
        f"settings: upstream latency {args.latency * 1000:g} ms per call; "
        f"{args.requests} sequential requests per scenario (after {args.warmup} warm-up); "
        f"throughput: {tool}, concurrency {args.concurrency}, {args.duration:g} s per run; "
        f"workers {','.join(map(str, w_list))}; telemetry {args.telemetry}; run {started}"
    )
    lines.append(
        "shared state: "
        + (
            "REDIS_URL, a redis-server on loopback TCP shared by every process (--redis)"
            if args.redis
            else "in-process with 1 worker; 2+ workers share a private redis-server "
            "(Unix socket), counted in the gateway's CPU and memory"
        )
    )
    lines.append(
        "gateway: production mode against the sandbox server (own process, loopback); "
        "scenarios 1-4 with CACHE_TTL_SECONDS=0 (nothing cached across requests; single-flight "
        "and batching within a request still apply), scenario 5 with the default TTL after one "
        f"warming request; FULLWHERE_CONCURRENCY={FULLWHERE_CONCURRENCY}"
    )
    lines.append("")
    header = [
        "scenario",
        "calls (min)",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "bound ms",
        "overhead ms",
        "floor ms",
        "p50-floor ms",
    ]
    header += [f"req/s w{w}" for w in w_list]
    header += ["peak RSS MB " + "/".join(f"w{w}" for w in w_list), "targets"]
    rows = [header]
    for r in results:
        s = r.scenario
        row = [f"{s.key}. {s.name}"]
        if r.error and r.calls is None:
            rows.append([*row, "ERROR", *["-"] * (len(header) - 3), "NOT met"])
            continue
        row += [
            _calls_text(r),
            fmt(r.pct(0.50)),
            fmt(r.pct(0.95)),
            fmt(r.pct(0.99)),
            fmt(r.bound_ms),
            fmt(r.overhead_ms),
            fmt(r.floor_ms),
            fmt(r.gateway_ms),
        ]
        for w in w_list:
            load = r.load.get(w)
            row.append("-" if load is None else f"{load.rps:.0f}" + ("!" if load.bad else ""))
        row.append(
            "/".join(fmt(r.peak_rss_kb[w] / 1024, 0) if w in r.peak_rss_kb else "-" for w in w_list)
        )
        missed = [what for what, met in r.targets(target_workers) if met is False]
        unknown = [what for what, met in r.targets(target_workers) if met is None]
        row.append("NOT met" if missed or r.error else ("met" if not unknown else "partial"))
        rows.append(row)
    lines += table(rows)
    lines.append("")
    lines.append("targets:")
    for r in results:
        for what, met in r.targets(target_workers):
            verdict = {True: "met", False: "NOT met", None: "not measured"}[met]
            detail = ""
            if what.startswith("calls") and r.calls is not None:
                detail = f" (got {json.dumps(r.calls, sort_keys=True)})"
            elif what.startswith("p50") and r.overhead_ms is not None:
                detail = f" (got {r.overhead_ms:.1f} ms)"
            elif what.startswith(">=") and target_workers in r.load:
                load = r.load[target_workers]
                detail = f" (got {load.rps:.0f} req/s, {load.bad} bad answers)"
            lines.append(f"  {r.scenario.key}. {what}: {verdict}{detail}")
        if r.error:
            lines.append(f"  {r.scenario.key}. error: {r.error}")
    lines.append(
        "  memory bounded by the cache size: reported, not judged by a fixed run "
        "(peak RSS of the gateway's process tree above; CACHE_MAX_ENTRIES bounds the cache)"
    )
    lines.append("")
    lines.append(f"under load (concurrency {args.concurrency}):")
    load_header = [
        "scenario",
        "workers",
        "req/s",
        "p50 ms",
        "p99 ms",
        "bad",
        "gw CPU ms/req",
        "gw CPU %",
        "per worker %",
        "sandbox CPU %",
        "load tool CPU %",
        "other CPU %",
        "upstream calls/req",
    ]
    load_rows = [load_header]
    for r in results:
        for w in w_list:
            if (load := r.load.get(w)) is None:
                continue
            per = 1000 * load.gateway_cpu_s / load.requests if load.requests else None
            load_rows.append(
                [
                    r.scenario.key,
                    str(w),
                    f"{load.rps:.0f}",
                    fmt(load.p50_ms),
                    fmt(load.p99_ms),
                    str(load.bad),
                    fmt(per, 2),
                    fmt(100 * load.gateway_cpu_s / load.seconds, 0),
                    "/".join(fmt(100 * w / load.seconds, 0) for w in load.worker_cpu_s) or "-",
                    fmt(100 * load.sandbox_cpu_s / load.seconds, 0),
                    fmt(100 * load.tool_cpu_s / load.seconds, 0),
                    fmt(100 * load.other_cpu_s / load.seconds, 0),
                    fmt(load.upstream_calls / load.requests if load.requests else None, 2),
                ]
            )
    lines += table(load_rows)
    lines.append(
        "  CPU % is of one core (200 = both cores of a 2-core machine); 'other' is every other "
        "process on the machine (it competes with the gateway)."
    )
    lines.append(
        "  Under load, identical requests in flight at once share their upstream calls "
        "(single-flight), so cold scenarios cost fewer calls per request than alone."
    )
    lines.append(
        "  '!' after req/s above marks runs with bad answers (non-200, GraphQL errors, "
        "socket errors or timeouts)."
    )
    busy = [
        f"{r.scenario.key}: {r.latency_other_cpu_pct:.0f}%"
        for r in results
        if r.latency_other_cpu_pct is not None
    ]
    if busy:
        lines.append("other processes' CPU while sampling latency: " + ", ".join(busy))
    short = [
        f"{r.scenario.key} ({len(r.latencies_ms)})"
        for r in results
        if r.latencies_ms and len(r.latencies_ms) < args.requests
    ]
    if short:
        lines.append(
            f"latency sampling cut short by --latency-budget {args.latency_budget:g} s: "
            + ", ".join(short)
        )
    return "\n".join(lines)


def as_json(
    args: argparse.Namespace,
    info: dict[str, Any],
    results: list[ScenarioResult],
    started: str,
    tool: str,
) -> dict[str, Any]:
    target_workers = max(args.workers)
    return {
        "started": started,
        "machine": info,
        "settings": {
            "latency_s": args.latency,
            "requests": args.requests,
            "warmup": args.warmup,
            "duration_s": args.duration,
            "concurrency": args.concurrency,
            "workers": args.workers,
            "redis": args.redis,
            "load_tool": tool,
            "fullwhere_concurrency": FULLWHERE_CONCURRENCY,
            "telemetry": args.telemetry,
        },
        "scenarios": [
            {
                "key": r.scenario.key,
                "name": r.scenario.name,
                "calls": r.calls,
                "min_calls": r.scenario.min_calls,
                "latency_ms": {
                    "p50": r.pct(0.5),
                    "p95": r.pct(0.95),
                    "p99": r.pct(0.99),
                    "samples": len(r.latencies_ms),
                },
                "bound_ms": r.bound_ms,
                "overhead_ms": r.overhead_ms,
                "latency_other_cpu_pct": r.latency_other_cpu_pct,
                "floor_ms": r.floor_ms,
                "p50_minus_floor_ms": r.gateway_ms,
                "load": {str(w): load.as_json() for w, load in r.load.items()},
                "peak_rss_mb": {str(w): kb / 1024 for w, kb in r.peak_rss_kb.items()},
                "targets": [
                    {"target": what, "met": met} for what, met in r.targets(target_workers)
                ],
                "error": r.error,
            }
            for r in results
        ],
    }
