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
import asyncio
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gateway.sandbox.serve import BENCH_MEWS_COUNT, upstream_env  # noqa: E402
from gateway.sandbox.world import (  # noqa: E402
    DEFAULT_FULLWHERE_COUNT,
    DEFAULT_SEED,
    build_world,
    linked_pairs,
    mews_link,
)
from gateway.upstream.mews import DEMO_ACCESS_TOKEN as DEMO_MEWS_ACCESS_TOKEN  # noqa: E402
from gateway.upstream.mews import DEMO_CLIENT_TOKEN as DEMO_MEWS_CLIENT_TOKEN  # noqa: E402

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
FLOOR_TIMEOUT = 120.0  # seconds for measuring the sandboxes alone, at most
FULLWHERE_CONCURRENCY = 64  # scenario 3 needs its 50 gets in flight at once (default is 16)
HEADERS = {"content-type": "application/json", "accept": "application/json"}

# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------

# ~40 leaf fields across Customer, FullwhereProfile and MewsProfile.
ONE_CUSTOMER = """
query OneCustomer($id: ID!) {
  customer(id: $id) {
    id fullwhereId mewsId link { method }
    firstName lastName email phone language company birthDate nationalityCode
    fullwhere {
      id createdAt updatedAt email phoneNumber language emailOptin smsOptin
      feedbackCount purchaseCount averageFeedbackRating dataSources
    }
    mews {
      id number title sex firstName lastName email phone nationalityCode birthDate
      createdUtc classifications options isActive companyId
    }
  }
}"""

# ~34 fields per customer, both profiles.
PAGE_NODE = """
      id fullwhereId mewsId link { method }
      firstName lastName email phone language company
      fullwhere {
        id createdAt email phoneNumber language emailOptin smsOptin
        feedbackCount purchaseCount dataSources
      }
      mews {
        id number firstName lastName email phone nationalityCode birthDate
        createdUtc classifications options isActive
      }"""

PAGE_OF_100 = (
    """
query CustomerPage {
  customers(first: 100) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {"""
    + PAGE_NODE
    + """
    } }
  }
}"""
)

MEWS_PAGE = """
query MewsPage {
  mewsCustomers(first: 1000) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id number firstName lastName email phone nationalityCode preferredLanguageCode
        birthDate createdUtc updatedUtc classifications options isActive companyId
      }
    }
  }
}"""


def aliases_query(ids: list[str]) -> str:
    fields = "\n".join(
        f'  c{i}: customer(id: "fullwhere:{id_}") {{ ...C }}' for i, id_ in enumerate(ids)
    )
    return f"query FiftyCustomers {{\n{fields}\n}}\nfragment C on Customer {{{PAGE_NODE}\n}}"


Check = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class RawCall:
    """One upstream call as the gateway makes it, sent straight to the sandbox server."""

    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self, port: int) -> bytes:
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {HOST}:{port}"]
        head += [f"{name}: {value}" for name, value in self.headers]
        head.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + self.body


_FULLWHERE_AUTH = (("X-API-KEY", "demo-key"), ("X-API-SECRET", "demo-secret"))


def fullwhere_get(customer_id: str) -> RawCall:
    return RawCall("GET", f"/fullwhere/partners/customer?id={customer_id}", b"", _FULLWHERE_AUTH)


def fullwhere_list(*, page: int, limit: int) -> RawCall:
    body = json.dumps({"page": page, "limit": limit}).encode()
    return RawCall(
        "POST",
        "/fullwhere/partners/customer/list",
        body,
        (*_FULLWHERE_AUTH, ("Content-Type", "application/json")),
    )


def mews_get_all(filters: dict[str, Any], count: int) -> RawCall:
    body = {
        "ClientToken": DEMO_MEWS_CLIENT_TOKEN,
        "AccessToken": DEMO_MEWS_ACCESS_TOKEN,
        "Client": "gateway-bench",
        **filters,
        "Extent": {"Customers": True, "Addresses": True, "Documents": False},
        "Limitation": {"Count": count},
    }
    return RawCall(
        "POST",
        "/mews/api/connector/v1/customers/getAll",
        json.dumps(body).encode(),
        (("Content-Type", "application/json"),),
    )


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    body: bytes
    min_calls: dict[str, int]
    chain: int  # upstream calls that depend on each other, end to end
    warm: bool
    check: Check
    floor: list[list[RawCall]]  # the minimal upstream calls, level by level
    overhead_target_ms: float | None = None
    rps_target: float | None = None  # with the most workers asked for (2 by default)

    @property
    def min_total(self) -> int:
        return sum(self.min_calls.values())


def _no_errors(result: dict[str, Any]) -> str | None:
    if result.get("errors"):
        return "errors: " + json.dumps(result["errors"])[:300]
    if not isinstance(result.get("data"), dict):
        return "no data"
    return None


def build_scenarios() -> list[Scenario]:
    world = build_world(
        DEFAULT_SEED, fullwhere_count=DEFAULT_FULLWHERE_COUNT, mews_count=BENCH_MEWS_COUNT
    )
    pairs = [(fw, mews) for fw, mews in linked_pairs(world) if fw.get("mewsId")]
    if len(pairs) < 51:
        raise SystemExit("bench: the seeded world has fewer than 51 linked customers")
    single_fw, single_mews = pairs[0]
    fifty = pairs[1:51]

    def body(query: str, variables: dict[str, Any] | None = None) -> bytes:
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = variables
        return json.dumps(payload, separators=(",", ":")).encode()

    def check_one(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        customer = result["data"].get("customer") or {}
        if (customer.get("mews") or {}).get("id") != f"mews:{single_mews['Id']}":
            return "customer is not joined to its Mews profile"
        return None

    def check_page(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        edges = result["data"]["customers"]["edges"]
        if len(edges) != 100:
            return f"{len(edges)} edges, expected 100"
        if not any(edge["node"]["mews"] for edge in edges):
            return "no Mews profile joined"
        return None

    def check_fifty(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        data = result["data"]
        for index, (_fw, mews) in enumerate(fifty):
            if ((data.get(f"c{index}") or {}).get("mews") or {}).get("id") != f"mews:{mews['Id']}":
                return f"c{index} is not joined to its Mews profile"
        return None

    def check_mews_page(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        edges = result["data"]["mewsCustomers"]["edges"]
        return None if len(edges) == 1000 else f"{len(edges)} edges, expected 1000"

    # The same upstream calls, made directly: what the sandboxes alone take, level by level.
    page_links = [link for fw in world.fullwhere_customers[:100] if (link := mews_link(fw))]
    known = {guest["Id"] for guest in world.mews_customers}
    page_links = [link for link in dict.fromkeys(page_links) if link in known]
    floor_one = [
        [fullwhere_get(single_fw["id"])],
        [mews_get_all({"CustomerIds": [single_mews["Id"]]}, 1)],
    ]

    one = body(ONE_CUSTOMER, {"id": f"fullwhere:{single_fw['id']}"})
    get, get_all = "fullwhere:get", "mews:customers/getAll"
    return [
        Scenario(
            key="1",
            name="one customer, both profiles (~40 fields)",
            body=one,
            min_calls={get: 1, get_all: 1},
            chain=2,
            warm=False,
            check=check_one,
            floor=floor_one,
            overhead_target_ms=3.0,
        ),
        Scenario(
            key="2",
            name="page of 100 customers, both profiles",
            body=body(PAGE_OF_100),
            min_calls={"fullwhere:list": 1, get_all: 1},
            chain=2,
            warm=False,
            check=check_page,
            floor=[
                [fullwhere_list(page=1, limit=100)],
                [mews_get_all({"CustomerIds": page_links}, len(page_links))],
            ],
            overhead_target_ms=20.0,
            rps_target=100.0,
        ),
        Scenario(
            key="3",
            name="50 customers by alias in one query",
            body=body(aliases_query([fw["id"] for fw, _ in fifty])),
            min_calls={get: 50, get_all: 1},
            chain=2,
            warm=False,
            check=check_fifty,
            floor=[
                [fullwhere_get(fw["id"]) for fw, _ in fifty],
                [mews_get_all({"CustomerIds": [m["Id"] for _, m in fifty]}, 50)],
            ],
        ),
        Scenario(
            key="4",
            name="mewsCustomers page of 1000 (15 fields)",
            body=body(MEWS_PAGE),
            min_calls={get_all: 1},
            chain=1,
            warm=False,
            check=check_mews_page,
            floor=[[mews_get_all({"ActivityStates": ["Active"]}, 1000)]],
        ),
        Scenario(
            key="5",
            name="scenario 1, warm cache",
            body=one,
            min_calls={},
            chain=0,
            warm=True,
            check=check_one,
            floor=[],
            rps_target=1500.0,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Processes: start, wait, measure, stop
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, all processes) since boot."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS


def own_tool_seconds() -> float:
    """CPU seconds of this process and its reaped children (wrk runs), for the load tool."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class CpuWatch:
    """CPU used during a phase by the gateway, the sandboxes, this bench (and wrk), and by
    everything else on the machine: other work there makes the figures worse than they are."""

    gateway: Service
    sandbox: Service
    gateway_s: float = 0.0
    sandbox_s: float = 0.0
    tool_s: float = 0.0
    other_s: float = 0.0
    seconds: float = 0.0
    per_worker_s: list[float] = field(default_factory=list)

    @contextlib.contextmanager
    def phase(self) -> Iterator[CpuWatch]:
        start = time.monotonic()
        gw, sb, tool, busy = (
            self.gateway.cpu_seconds(), self.sandbox.cpu_seconds(), own_tool_seconds(),
            machine_busy_seconds(),
        )  # fmt: skip
        workers = self.gateway.workers()
        per_worker = [_cpu_ticks(pid) for pid in workers]
        yield self
        self.seconds = time.monotonic() - start
        self.per_worker_s = [
            (_cpu_ticks(pid) - before) / TICKS
            for pid, before in zip(workers, per_worker, strict=True)
        ]
        self.gateway_s = self.gateway.cpu_seconds() - gw
        self.sandbox_s = self.sandbox.cpu_seconds() - sb
        self.tool_s = own_tool_seconds() - tool
        busy = machine_busy_seconds() - busy
        self.other_s = max(0.0, busy - self.gateway_s - self.sandbox_s - self.tool_s)

    def pct(self, value: float) -> float:
        return 100 * value / self.seconds if self.seconds else 0.0


class Service:
    """A server in a subprocess of its own session, so stopping it stops its workers too."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], log_dir: Path, port: int
    ) -> None:
        self.name = name
        self.port = port
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            argv,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=ROOT,
        )
        self.pid = self.popen.pid

    def pids(self) -> list[int]:
        """This process and its descendants."""
        tree = _children()
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(tree.get(pid, []))
        return found

    def workers(self) -> list[int]:
        """The processes that serve requests: the workers, or the server itself alone."""
        found = []
        for pid in self.pids():
            if pid == self.pid:
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    # multiprocessing's helper, and the workers' private redis-server.
                    if re.search(rb"resource_tracker|redis-server", cmdline.read()):
                        continue
            except OSError:
                continue
            found.append(pid)
        return found or [self.pid]

    def rss_kb(self, pids: list[int] | None = None) -> int:
        return sum(_status_kb(pid, "VmRSS") for pid in (pids or self.pids()))

    def hwm_kb(self) -> int:
        return max((_status_kb(pid, "VmHWM") for pid in self.pids()), default=0)

    def cpu_seconds(self) -> float:
        return sum(_cpu_ticks(pid) for pid in self.pids()) / TICKS

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def wait_ready(self, url: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = http_get(url, timeout=1.0)
                if status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        # Workers left behind by a killed supervisor are in the same process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self._log.close()


class MemorySampler:
    """Samples the resident memory of a service's process tree; peaks per phase."""

    def __init__(self, service: Service, interval: float = 0.05) -> None:
        self.service = service
        self.interval = interval
        self.peaks: dict[str, int] = {}
        self.phase: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        pids = self.service.pids()
        refreshed = time.monotonic()
        while not self._stop.wait(self.interval):
            if time.monotonic() - refreshed > 0.5:
                pids, refreshed = self.service.pids(), time.monotonic()
            rss = self.service.rss_kb(pids)
            if self.phase is not None:
                self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), rss)

    @contextlib.contextmanager
    def measuring(self, phase: str) -> Iterator[None]:
        self.phase = phase
        try:
            yield
        finally:
            # One last sample, so a short phase still gets a figure.
            rss = self.service.rss_kb()
            self.peaks[phase] = max(self.peaks.get(phase, 0), rss)
            self.phase = None


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    conn = http.client.HTTPConnection(name, int(port), timeout=timeout)
    try:
        conn.request("GET", "/" + rest)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def http_post(url: str, body: bytes = b"", timeout: float = 5.0) -> tuple[int, bytes]:
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    conn = http.client.HTTPConnection(name, int(port), timeout=timeout)
    try:
        conn.request("POST", "/" + rest, body=body, headers=HEADERS)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


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


async def _roundtrip(
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
            status, payload = await _roundtrip(reader, writer, request)
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
                            _roundtrip(r, w, req)
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


# ---------------------------------------------------------------------------------------------
# Side by side with a peer (--peer mesh)
# ---------------------------------------------------------------------------------------------


@dataclass
class PeerScenario:
    key: str
    title: str
    ours: bytes
    theirs: bytes
    runs: dict[str, list[LoadResult]] = field(default_factory=lambda: {"gateway": [], "mesh": []})


def _body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    payload: dict[str, Any] = {"query": query}
    if variables:
        payload["variables"] = variables
    return json.dumps(payload, separators=(",", ":")).encode()


def peer_scenarios() -> tuple[list[PeerScenario], list[dict[str, Any]]]:
    """The two side-by-side queries, and the Fullwhere records of the page they read."""
    from peers import mesh

    world = build_world(
        DEFAULT_SEED, fullwhere_count=DEFAULT_FULLWHERE_COUNT, mews_count=BENCH_MEWS_COUNT
    )
    single = next(fw for fw, _ in linked_pairs(world) if fw.get("mewsId"))
    one = [
        PeerScenario(
            "a",
            "one customer, fullwhere { firstName email } mews { firstName email }",
            _body(mesh.ONE_CUSTOMER_GATEWAY, {"id": f"fullwhere:{single['id']}"}),
            _body(mesh.ONE_CUSTOMER_MESH, {"id": single["id"]}),
        ),
        PeerScenario(
            "b",
            "customers(first: 100): id, fullwhere { firstName }, mews { firstName }",
            _body(mesh.PAGE_GATEWAY),
            _body(mesh.PAGE_MESH),
        ),
    ]
    return one, world.fullwhere_customers[:100]


def _answer(port: int, body: bytes) -> dict[str, Any]:
    status, raw = http_post(f"http://{HOST}:{port}/graphql", body, timeout=REQUEST_TIMEOUT)
    answer: dict[str, Any] = json.loads(raw)
    if status != 200 or answer.get("errors"):
        raise RuntimeError(f"HTTP {status}: {raw[:500]!r}")
    return answer


def check_peer_answers(
    scenarios: list[PeerScenario], page: list[dict[str, Any]], ours: int, theirs: int
) -> str:
    """Both gateways answer the same data; returns a line saying how far that was checked.

    Raises:
        RuntimeError: an answer has errors, or the data differs beyond the known difference.
    """
    from peers import mesh

    one, many = scenarios
    mine = _answer(ours, one.ours)["data"]["customer"]
    other = _answer(theirs, one.theirs)["data"]["fullwhereCustomer"]
    if (mine["fullwhere"]["firstName"], mine["fullwhere"]["email"]) != (
        other["firstName"],
        other["email"],
    ) or (mine["mews"]["firstName"], mine["mews"]["email"]) != (
        other["mews"]["FirstName"],
        other["mews"]["Email"],
    ):
        raise RuntimeError(f"scenario a answers differ: {mine!r} vs {other!r}")
    equal, metadata_only, differences = mesh.same_data(
        _answer(ours, many.ours), _answer(theirs, many.theirs), page
    )
    if differences:
        raise RuntimeError("scenario b answers differ:\n" + "\n".join(differences[:5]))
    return (
        f"same data: scenario a, and {equal} of {equal + metadata_only} customers in scenario b "
        f"({metadata_only} linked only through metadata.mews.customer.Id, which Mesh's "
        "declarative join cannot follow, come back without their Mews profile from Mesh)"
    )


def run_peer(
    args: argparse.Namespace,
    info: dict[str, Any],
    sandbox: Service,
    sandbox_url: str,
    log_dir: Path,
    started: str,
    tool: str,
) -> int:
    """This gateway and the peer over the same sandboxes, one process each, no cross-request
    cache on either, the runs interleaved (gateway, peer, gateway, peer, ...)."""
    from peers import mesh

    try:
        install = mesh.install(log)
    except mesh.PeerUnavailable as exc:
        log(f"peer run skipped: {exc}")
        return 0
    supergraph = mesh.compose(install, sandbox_url, log_dir)
    scenarios, page = peer_scenarios()
    gateway = start_gateway(sandbox_url, 1, True, log_dir)
    port = free_port()
    peer = Service(
        "mesh",
        mesh.serve_argv(install, supergraph, HOST, port),
        {**os.environ, "NODE_ENV": "production"},
        log_dir,
        port,
    )
    try:
        peer.wait_ready(f"http://{HOST}:{port}/healthcheck", timeout=120.0)
        log(f"gateway on port {gateway.port}, GraphQL Mesh (Hive Gateway) on port {port}")
        checked = check_peer_answers(scenarios, page, gateway.port, port)
        log(checked)
        sides = {"gateway": gateway, "mesh": peer}
        for round_ in range(args.rounds):
            for scenario in scenarios:
                for name, service in sides.items():
                    body = scenario.ours if name == "gateway" else scenario.theirs
                    run_load(args, service.port, body, log_dir, 1.0)  # warm the JIT and pools
                    wait_idle(gateway, peer, sandbox)
                    load = run_load(args, service.port, body, log_dir, args.duration)
                    scenario.runs[name].append(load)
                    log(
                        f"round {round_ + 1}, scenario {scenario.key}, {name}: "
                        f"{load.rps:.0f} req/s, p50 {_fmt(load.p50_ms)} ms, bad={load.bad}"
                    )
    finally:
        peer.stop()
        gateway.stop()
    print(render_peer(args, info, scenarios, started, tool, checked))
    return 1 if any(run.bad for s in scenarios for runs in s.runs.values() for run in runs) else 0


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def render_peer(
    args: argparse.Namespace,
    info: dict[str, Any],
    scenarios: list[PeerScenario],
    started: str,
    tool: str,
    checked: str,
) -> str:
    lines = [
        f"# Side by side with GraphQL Mesh ({started})",
        "",
        f"Machine: {info['cpu_model']}, {info['cpus_usable']} usable cores; load tool: {tool}, "
        f"c={args.concurrency}, {args.rounds} interleaved runs of {args.duration:g} s per side; "
        f"upstream latency {args.latency * 1000:g} ms; one process each, no cross-request cache.",
        f"Mesh: {checked}.",
        "",
        "| query | this gateway | GraphQL Mesh | ratio |",
        "|---|---|---|---|",
    ]
    for s in scenarios:
        ours = _median([r.rps for r in s.runs["gateway"]])
        theirs = _median([r.rps for r in s.runs["mesh"]])
        p50 = {
            name: _median([r.p50_ms for r in runs if r.p50_ms is not None] or [0.0])
            for name, runs in s.runs.items()
        }
        ratio = ours / theirs if theirs else float("inf")
        lines.append(
            f"| ({s.key}) {s.title} | {ours:,.0f} req/s, p50 {p50['gateway']:.1f} ms "
            f"| {theirs:,.0f} req/s, p50 {p50['mesh']:.1f} ms | {ratio:.2f} |"
        )
    lines.append("")
    lines.append("Figures are the medians of the interleaved runs.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    scenario: Scenario
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
        return self.scenario.chain * LATENCY[0] * 1000

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


LATENCY = [0.020]  # set from --latency; one place for ScenarioResult.bound_ms


TELEMETRY = ("off", "metrics", "tracing")


def telemetry_env(telemetry: str, sink_url: str | None) -> dict[str, str]:
    """The gateway's settings for `--telemetry`: metrics are on by default."""
    if telemetry == "off":
        return {"GATEWAY_METRICS": "false"}
    if telemetry == "tracing":
        assert sink_url is not None
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": sink_url}
    return {}


#: Settings a developer's shell may hold; the bench's gateways start from none of them.
OWN_PREFIXES: tuple[str, ...] = ("FULLWHERE_", "MEWS_", "GATEWAY_", "CACHE_", "UPSTREAM_")
OWN_PREFIXES += ("REDIS_", "OTEL_", "PROMETHEUS_", "SYNC_")


def gateway_env(
    sandbox_url: str, *, cold: bool, telemetry: str = "metrics", sink_url: str | None = None
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(OWN_PREFIXES)}
    env.update(upstream_env(sandbox_url))
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL[0]
    env.update(
        GATEWAY_ALLOW_ANONYMOUS="true",
        FULLWHERE_CONCURRENCY=str(FULLWHERE_CONCURRENCY),
        # The gateway's own Mews limiter (200 calls per 30 s, Mews's documented limit) would
        # turn a load run into UPSTREAM_RATE_LIMITED answers; the sandbox has no limit here.
        MEWS_RATE_LIMIT="0",
        # The identity sync's list pages and history windows would blur the call counts.
        SYNC_INTERVAL_SECONDS="0",
        PYTHONUNBUFFERED="1",
    )
    if cold:
        env["CACHE_TTL_SECONDS"] = "0"
    env.update(telemetry_env(telemetry, sink_url))
    return env


#: The Redis every gateway of the run shares (`--redis`), once started.
REDIS_URL: list[str] = []


@contextlib.contextmanager
def redis_server(log_dir: Path) -> Iterator[str]:
    """A redis-server on a free loopback port for the run (`--redis`); yields its URL."""
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("--redis needs redis-server (apt-get install redis-server)")
    port = free_port()
    argv = [server, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
            "--dir", str(log_dir)]  # fmt: skip
    service = Service("redis", argv, dict(os.environ), log_dir, port)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
            if time.monotonic() > deadline or service.popen.poll() is not None:
                raise RuntimeError(f"redis-server did not start:\n{service.log_tail()}")
            time.sleep(0.05)
        yield f"redis://{HOST}:{port}/0"
    finally:
        service.stop()


def start_sandboxes(port: int, latency: float, log_dir: Path, *options: str) -> Service:
    """The sandbox server on `port` with `latency` and further `options` (not waited for)."""
    argv = [sys.executable, "-m", "gateway.sandbox.serve", "--host", HOST, "--port", str(port)]
    argv += ["--latency", str(latency), *options]
    return Service("sandboxes", argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, log_dir, port)


def start_gateway(
    sandbox_url: str,
    workers: int,
    cold: bool,
    log_dir: Path,
    env: dict[str, str] | None = None,
    telemetry: str = "metrics",
    sink_url: str | None = None,
) -> Service:
    """The gateway, ready; `env` adds to (or overrides) its bench environment."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gateway",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    name = f"gateway-{'cold' if cold else 'warm'}-w{workers}"
    base = gateway_env(sandbox_url, cold=cold, telemetry=telemetry, sink_url=sink_url)
    service = Service(name, argv, {**base, **(env or {})}, log_dir, port)
    try:
        service.wait_ready(f"http://{HOST}:{port}/healthz")
        if workers > 1:
            deadline = time.monotonic() + START_TIMEOUT
            while len(service.pids()) < workers + 1:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name}: {workers} workers did not start")
                time.sleep(0.1)
            time.sleep(1.0)  # the last worker to start finishes its imports
    except BaseException:
        service.stop()
        raise
    return service


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def run_load(
    args: argparse.Namespace, port: int, body: bytes, workdir: Path, duration: float
) -> LoadResult:
    if args.wrk:
        return run_wrk(args.wrk, port, body, args.concurrency, duration, workdir)
    return run_python_load(port, body, args.concurrency, duration)


def wait_idle(*services: Service, timeout: float = 60.0) -> None:
    """Until the servers have finished what a load run left in flight (under 5% CPU)."""
    deadline = time.monotonic() + timeout
    before = sum(service.cpu_seconds() for service in services)
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = sum(service.cpu_seconds() for service in services)
        if now - before < 0.01:
            return
        before = now


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
        sandbox_url, workers, cold, log_dir, telemetry=args.telemetry, sink_url=args.otlp_sink_url
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


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


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


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _calls_text(result: ScenarioResult) -> str:
    if result.calls is None:
        return "-"
    return f"{sum(result.calls.values())} ({result.scenario.min_total})"


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
            _fmt(r.pct(0.50)),
            _fmt(r.pct(0.95)),
            _fmt(r.pct(0.99)),
            _fmt(r.bound_ms),
            _fmt(r.overhead_ms),
            _fmt(r.floor_ms),
            _fmt(r.gateway_ms),
        ]
        for w in w_list:
            load = r.load.get(w)
            row.append("-" if load is None else f"{load.rps:.0f}" + ("!" if load.bad else ""))
        row.append(
            "/".join(
                _fmt(r.peak_rss_kb[w] / 1024, 0) if w in r.peak_rss_kb else "-" for w in w_list
            )
        )
        missed = [what for what, met in r.targets(target_workers) if met is False]
        unknown = [what for what, met in r.targets(target_workers) if met is None]
        row.append("NOT met" if missed or r.error else ("met" if not unknown else "partial"))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
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
                    _fmt(load.p50_ms),
                    _fmt(load.p99_ms),
                    str(load.bad),
                    _fmt(per, 2),
                    _fmt(100 * load.gateway_cpu_s / load.seconds, 0),
                    "/".join(_fmt(100 * w / load.seconds, 0) for w in load.worker_cpu_s) or "-",
                    _fmt(100 * load.sandbox_cpu_s / load.seconds, 0),
                    _fmt(100 * load.tool_cpu_s / load.seconds, 0),
                    _fmt(100 * load.other_cpu_s / load.seconds, 0),
                    _fmt(load.upstream_calls / load.requests if load.requests else None, 2),
                ]
            )
    widths = [max(len(row[i]) for row in load_rows) for i in range(len(load_header))]
    for index, row in enumerate(load_rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
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
        "--rounds", type=int, default=3, help="interleaved runs per side with --peer (default 3)"
    )
    p.add_argument(
        "--redis",
        action="store_true",
        help="start a redis-server on loopback and give every gateway its REDIS_URL",
    )
    p.add_argument(
        "--telemetry",
        choices=TELEMETRY,
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
    LATENCY[0] = args.latency
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
    results = {s.key: ScenarioResult(s) for s in build_scenarios() if s.key in args.scenarios}
    log_dir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    from telemetry import OtlpSink  # bench/telemetry.py

    sink = OtlpSink() if args.telemetry == "tracing" else None
    args.otlp_sink_url = sink.url if sink is not None else None
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
                REDIS_URL.append(stack.enter_context(redis_server(log_dir)))
                log(f"redis-server at {REDIS_URL[0]}, shared by every gateway process")
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
