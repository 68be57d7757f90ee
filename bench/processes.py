"""The benchmark's processes: the sandbox server, the gateway and redis-server started on
loopback in sessions of their own, their readiness, CPU and memory read from /proc, and their
stop. Every wait has a timeout."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ runs as a script folder; `gateway` is beside it
    sys.path.insert(0, str(ROOT))

from gateway.sandbox.serve import BENCH_MEWS_COUNT, upstream_env  # noqa: E402

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
FULLWHERE_CONCURRENCY = 64  # scenario 3 needs its 50 gets in flight at once (default is 16)
HEADERS = {"content-type": "application/json", "accept": "application/json"}


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
    """The CPU ticks of `pid` (all its threads) and of the children it has reaped: a worker
    that exits during a run keeps counting, in its parent's cutime and cstime."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(tick) for tick in fields[11:15])  # utime, stime, cutime, cstime


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


def http_request(
    method: str, url: str, body: bytes = b"", timeout: float = 5.0
) -> tuple[int, bytes]:
    """One request on a connection of its own: (status, body)."""
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    conn = http.client.HTTPConnection(name, int(port), timeout=timeout)
    try:
        if method == "GET":
            conn.request("GET", "/" + rest)
        else:
            conn.request(method, "/" + rest, body=body, headers=HEADERS)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    return http_request("GET", url, timeout=timeout)


def http_post(url: str, body: bytes = b"", timeout: float = 5.0) -> tuple[int, bytes]:
    return http_request("POST", url, body, timeout)


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
    """The sandbox server on `port` with `latency`, the bench's world (the demo's, grown to
    `BENCH_MEWS_COUNT` guests) and further `options` (which win; not waited for)."""
    argv = [sys.executable, "-m", "gateway.sandbox.serve", "--host", HOST, "--port", str(port)]
    argv += ["--latency", str(latency), "--mews-count", str(BENCH_MEWS_COUNT), *options]
    return Service("sandboxes", argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, log_dir, port)


def start_gateway(
    sandbox_url: str,
    workers: int,
    cold: bool,
    log_dir: Path,
    *,
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
