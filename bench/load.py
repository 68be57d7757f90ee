"""The benchmark's measurements: upstream calls per request, sequential latency, throughput
under load (wrk, or a Python load generator where wrk is missing) and the floor, the sandboxes
alone answering the same calls."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processes import HEADERS, HOST, REQUEST_TIMEOUT, http_get, http_post
from scenarios import RawCall, Scenario

FLOOR_TIMEOUT = 120.0  # seconds for measuring the sandboxes alone, at most


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def count_calls(sandbox_url: str, gateway_port: int, scenario: Scenario) -> dict[str, int]:
    status, _ = http_post(f"{sandbox_url}/__bench/reset")
    assert status == 200
    status, raw = http_post(
        f"http://{HOST}:{gateway_port}/graphql", scenario.body, timeout=REQUEST_TIMEOUT
    )
    if status != 200:
        raise RuntimeError(f"scenario {scenario.key}: HTTP {status}: {raw[:300]!r}")
    if problem := scenario.check(json.loads(raw)):
        raise RuntimeError(f"scenario {scenario.key}: {problem}")
    status, raw = http_get(f"{sandbox_url}/__bench/calls")
    counts: dict[str, int] = json.loads(raw)
    return counts


def sequential_latencies(
    port: int, body: bytes, samples: int, warmup: int, budget: float
) -> list[float]:
    """Seconds per request, one request at a time on one persistent connection; stops early
    after `budget` seconds."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    times: list[float] = []
    deadline = time.monotonic() + budget
    try:
        for index in range(warmup + samples):
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            conn.request("POST", "/graphql", body=body, headers=HEADERS)
            response = conn.getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200 or b'"errors"' in payload:
                raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
            if index >= warmup:
                times.append(elapsed)
    finally:
        conn.close()
    return times


@dataclass
class LoadResult:
    tool: str
    requests: int
    seconds: float
    rps: float
    bad: int  # non-200 answers, GraphQL errors, socket errors
    p50_ms: float | None
    p99_ms: float | None
    gateway_cpu_s: float = 0.0
    sandbox_cpu_s: float = 0.0
    tool_cpu_s: float = 0.0
    other_cpu_s: float = 0.0
    worker_cpu_s: list[float] = field(default_factory=list)
    upstream_calls: int = 0

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


WRK_SCRIPT = """
local f = assert(io.open(%s, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BENCH_BAD %%d\\n", total))
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match[1]) * _UNITS[match[2]] if match else float("nan")


def run_wrk(
    wrk: str, port: int, body: bytes, concurrency: int, duration: float, workdir: Path
) -> LoadResult:
    body_path = workdir / "body.json"
    body_path.write_bytes(body)
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT % json.dumps(str(body_path)))
    argv = [
        wrk,
        "-t",
        "1",
        "-c",
        str(concurrency),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        f"http://{HOST}:{port}/graphql",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise RuntimeError(f"wrk failed ({done.returncode}): {out}\n{done.stderr}")
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    assert total is not None
    seconds = float(total[2]) * {"ms": 0.001, "s": 1.0, "m": 60.0}.get(total[3], 1.0)
    bad = int(m[1]) if (m := re.search(r"BENCH_BAD (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        bad += sum(int(x) for x in m.groups())
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    requests = int(total[1])
    return LoadResult(
        "wrk",
        requests,
        seconds,
        requests / seconds if seconds else 0.0,
        bad,
        _wrk_ms(p50[1]) if p50 else None,
        _wrk_ms(p99[1]) if p99 else None,
    )


async def roundtrip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """One HTTP/1.1 exchange on a kept-alive connection: (status, body)."""
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = bytearray()
    while size := int((await reader.readline()).split(b";")[0], 16):
        body += await reader.readexactly(size)
        await reader.readline()
    await reader.readline()
    return status, bytes(body)


async def _load_connection(
    port: int, request: bytes, deadline: float, times: list[float], bad: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            status, payload = await roundtrip(reader, writer, request)
            times.append(time.perf_counter() - start)
            if status != 200 or b'"errors"' in payload:
                bad[0] += 1
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def measure_floor(port: int, levels: list[list[RawCall]], samples: int, warmup: int) -> float:
    """Median seconds the sandboxes take for these calls made directly, each level's calls
    at once on kept-alive connections, levels one after another."""
    if not levels:
        return 0.0

    async def main() -> float:
        width = max(len(level) for level in levels)
        connections = [await asyncio.open_connection(HOST, port) for _ in range(width)]
        encoded = [[call.encode(port) for call in level] for level in levels]
        times: list[float] = []
        try:
            for index in range(warmup + samples):
                start = time.perf_counter()
                for level in encoded:
                    answers = await asyncio.gather(
                        *(
                            roundtrip(r, w, req)
                            for (r, w), req in zip(connections, level, strict=False)
                        )
                    )
                    for status, payload in answers:
                        if status >= 300:
                            raise RuntimeError(f"sandbox answered {status}: {payload[:200]!r}")
                if index >= warmup:
                    times.append(time.perf_counter() - start)
        finally:
            for _, writer in connections:
                writer.close()
        times.sort()
        return percentile(times, 0.5)

    return asyncio.run(asyncio.wait_for(main(), FLOOR_TIMEOUT))


def run_python_load(port: int, body: bytes, concurrency: int, duration: float) -> LoadResult:
    """The fallback when wrk is absent: keep-alive HTTP/1.1 from asyncio streams."""
    request = (
        f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    times: list[float] = []
    bad = [0]

    async def main() -> float:
        start = time.perf_counter()
        deadline = start + duration
        tasks = [_load_connection(port, request, deadline, times, bad) for _ in range(concurrency)]
        results = await asyncio.wait_for(
            asyncio.gather(*tasks, return_exceptions=True), duration + 60
        )
        bad[0] += sum(1 for r in results if isinstance(r, BaseException))
        return time.perf_counter() - start

    seconds = asyncio.run(main())
    times.sort()
    return LoadResult(
        "python",
        len(times),
        seconds,
        len(times) / seconds,
        bad[0],
        percentile(times, 0.50) * 1000 if times else None,
        percentile(times, 0.99) * 1000 if times else None,
    )


def run_load(
    args: argparse.Namespace, port: int, body: bytes, workdir: Path, duration: float
) -> LoadResult:
    if args.wrk:
        return run_wrk(args.wrk, port, body, args.concurrency, duration, workdir)
    return run_python_load(port, body, args.concurrency, duration)
