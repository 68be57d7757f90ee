"""`gateway serve --workers 2`: each worker listens on a socket of its own (SO_REUSEPORT), so
new connections spread over both, a burst of keep-alive connections included; the workers run
uvloop and httptools; SIGTERM stops the supervisor and every worker and frees the port;
workers do not outlive a killed supervisor; a worker that cannot start ends the supervisor
with uvicorn's start-up failure status, one that dies later is replaced.

Which worker holds a connection is read from /proc (Linux, like the balancing itself): the
worker whose open sockets include the server side of that connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from uvicorn.config import STARTUP_FAILURE

from gateway.server import reuse_port_balances
from tests.support.processes import start_gateway, stop_session

pytestmark = pytest.mark.skipif(
    not reuse_port_balances() or not Path("/proc/net/tcp").exists(),
    reason="SO_REUSEPORT balancing and /proc are Linux's",
)

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0  # idle workers stop at once (the bound is the shutdown grace + 1 s)
READY_LINE = "workers ready"
# Settings the developer's shell may hold; each run starts from none of them (demo mode).
_OURS = (
    "FULLWHERE_",
    "MEWS_",
    "GATEWAY_",
    "CACHE_",
    "UPSTREAM_",
    "DEMO_",
    "MAX_",
    "IDEMPOTENCY_",
    "REQUEST_DEADLINE",
)
TCP_LISTEN, TCP_ESTABLISHED = 0x0A, 0x01


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ---- who holds which socket, from /proc ------------------------------------------------------


def _tcp_rows(port: int) -> list[tuple[int, int, int]]:
    """(state, remote port, inode) of every IPv4 TCP socket whose local port is `port`."""
    rows = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if int(local.rsplit(":", 1)[1], 16) == port:
            rows.append((int(state, 16), int(remote.rsplit(":", 1)[1], 16), int(inode)))
    return rows


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_bytes()
                children.setdefault(int(stat.rsplit(b")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], list(children.get(pid, []))
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], []))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie, ended but not yet reaped, counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[1].split()[0] != b"Z"


# ---- the server under test -------------------------------------------------------------------


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The supervisor's descendants that listen on the port."""
        listening = {inode for state, _, inode in _tcp_rows(self.port) if state == TCP_LISTEN}
        return [p for p in _descendants(self.process.pid) if _socket_inodes(p) & listening]

    def owners(self, connections: list[http.client.HTTPConnection]) -> list[int]:
        """For each open connection, the pid of the worker holding its server side."""
        by_client_port = {
            remote: inode
            for state, remote, inode in _tcp_rows(self.port)
            if state == TCP_ESTABLISHED
        }
        holder = {inode: pid for pid in self.workers() for inode in _socket_inodes(pid)}
        assert all(c.sock is not None for c in connections)
        return [holder.get(by_client_port.get(c.sock.getsockname()[1], -1), 0) for c in connections]


@contextlib.contextmanager
def serving(workers: int = 2, **extra: str) -> Iterator[Served]:
    """`gateway serve --workers N` in demo mode (with `extra` settings) until every worker
    listens; ended after."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env.update(PYTHONUNBUFFERED="1", **extra)
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "output.txt"
        process = start_gateway(port, workers, env, output)
        served = Served(process, port, output)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while READY_LINE not in served.text():
                if process.poll() is not None:
                    pytest.fail(f"gateway exited with {process.returncode}:\n{served.text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"workers not ready in {START_TIMEOUT:g} s:\n{served.text()}")
                time.sleep(0.05)
            yield served
        finally:
            stop_session(process)


def _get(connection: http.client.HTTPConnection, path: str = "/healthz") -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def _keep_alive_client(port: int, requests: int) -> tuple[http.client.HTTPConnection, list[int]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    return connection, [_get(connection) for _ in range(requests)]


# ---- tests -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serving(2) as served:
        yield served


def test_each_worker_listens_on_a_socket_of_its_own(served: Served) -> None:
    listening = {inode for state, _, inode in _tcp_rows(served.port) if state == TCP_LISTEN}
    workers = served.workers()
    owned = [_socket_inodes(pid) & listening for pid in workers]
    assert len(workers) == 2
    assert len(listening) == 2  # uvicorn's own mode has one socket, shared
    assert owned[0] and owned[1] and not owned[0] & owned[1]


def test_new_connections_spread_over_both_workers(served: Served) -> None:
    workers = served.workers()
    # 40 requests one after the other, each on a connection of its own.
    sequential = []
    for _ in range(40):
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
        assert _get(connection) == 200
        sequential.append(connection)
    # And a few keep-alive clients at once, 3 requests each on one connection.
    with ThreadPoolExecutor(8) as pool:
        clients = list(pool.map(lambda _: _keep_alive_client(served.port, 3), range(8)))
    try:
        sequential_owners = served.owners(sequential)
        client_owners = served.owners([connection for connection, _ in clients])
    finally:
        for connection in sequential + [connection for connection, _ in clients]:
            connection.close()

    assert set(sequential_owners) == set(workers), sequential_owners  # both, and only them
    assert all(statuses == [200, 200, 200] for _, statuses in clients)
    assert set(client_owners) <= set(workers), client_owners


def test_a_burst_of_connections_spreads_even_when_one_worker_wakes_first(
    served: Served,
) -> None:
    """What wrk or a proxy's pool does: many connections at once. With one shared socket the
    first worker to wake accepted them all; here each socket keeps its own share."""
    first, second = workers = served.workers()
    burst = [http.client.HTTPConnection("127.0.0.1", served.port, timeout=5) for _ in range(32)]
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        for connection in burst:
            connection.connect()  # the kernel queues them; no worker has accepted any yet
        os.kill(first, signal.SIGCONT)
        _until_accepts_settle(served, first)  # the first worker takes all it can get
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
    try:
        statuses = [_get(connection) for connection in burst]
        owners = served.owners(burst)
    finally:
        for connection in burst:
            connection.close()

    assert statuses == [200] * 32
    assert set(owners) == {first, second}, owners


def _until_accepts_settle(served: Served, pid: int, timeout: float = 2.0) -> None:
    """Until the connections `pid` holds stop growing for a moment (bounded)."""
    deadline = time.monotonic() + timeout
    held, stable_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        established = {i for state, _, i in _tcp_rows(served.port) if state == TCP_ESTABLISHED}
        now = len(_socket_inodes(pid) & established)
        if now != held:
            held, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 0.2:
            return
        time.sleep(0.02)


def test_workers_run_uvloop_and_httptools(served: Served) -> None:
    maps = [Path(f"/proc/{pid}/maps").read_text() for pid in served.workers()]
    assert len(maps) == 2
    for loaded in maps:
        assert "/uvloop/loop." in loaded
        assert "/httptools/parser/parser." in loaded


def test_sigterm_stops_the_supervisor_and_every_worker_and_frees_the_port() -> None:
    with serving(2) as served:
        workers = served.workers()
        everything = _descendants(served.process.pid)  # workers and multiprocessing's helper
        idle = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
        assert _get(idle) == 200  # an idle keep-alive connection must not hold the stop up

        served.process.send_signal(signal.SIGTERM)
        code = served.process.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in everything) and time.monotonic() < deadline:
            time.sleep(0.05)
        idle.close()
        text = served.text()

    assert len(workers) == 2
    assert code == 0, text
    assert [pid for pid in everything if _alive(pid)] == []
    assert "Traceback" not in text
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", served.port), timeout=2),
    ):
        pass
    with socket.socket() as again:  # a new server can take the port
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", served.port))
        again.listen()


def test_workers_shut_down_when_their_supervisor_is_killed() -> None:
    with serving(2) as served:
        workers = served.workers()
        served.process.kill()  # SIGKILL: no chance to stop them
        served.process.wait(timeout=5)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        still_running = [pid for pid in workers if _alive(pid)]
        text = served.text()
    assert len(workers) == 2
    assert still_running == [], text


def test_a_taken_port_ends_serve_with_one_error_and_a_non_zero_status() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
        done = subprocess.run(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == STARTUP_FAILURE
    assert "cannot listen on" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Booting worker" not in done.stderr  # no worker was started


def test_json_logs_are_one_object_per_line_the_arbiter_s_included() -> None:
    with serving(2, GATEWAY_LOG_FORMAT="json") as served:
        time.sleep(1.5)  # the arbiter's next lines
        lines = served.text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    ready = [r for r in records if READY_LINE in r["message"]]

    assert len(ready) == 1, lines  # once: not also through the root logger
    assert ready[0]["logger"] == "gunicorn.error"
    assert not [line for line in lines if line.startswith("[")]  # no line in gunicorn's format


async def failing_app(scope: dict[str, object], receive: object, send: object) -> None:
    """An ASGI app whose start-up fails, as one that cannot reach what it needs would."""
    assert scope["type"] == "lifespan"
    await receive()  # type: ignore[operator]
    await send({"type": "lifespan.startup.failed", "message": "cannot start"})  # type: ignore[operator]


async def failing_on_cue_app(scope: dict[str, object], receive: object, send: object) -> None:
    """`failing_app` on cue: it says it is starting (a file named by its pid in the directory
    `FAIL_ON_CUE` names), then fails once a file `go` appears there."""
    directory = Path(os.environ["FAIL_ON_CUE"])
    (directory / str(os.getpid())).touch()
    deadline = time.monotonic() + START_TIMEOUT
    while not (directory / "go").exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await failing_app(scope, receive, send)


def _serve_failing(app: str, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    options = {
        "app": f"{__name__}:{app}", "host": "127.0.0.1", "port": _free_port(),
        "timeout_graceful_shutdown": 1, "server_header": False, "access_log": False,
    }  # fmt: skip
    code = f"import gateway.server as s, sys; sys.exit(s.serve_workers({options!r}, {workers}))"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(_OURS)}, **env}
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _ended(process: subprocess.Popen[bytes]) -> str:
    try:
        output, _ = process.communicate(timeout=START_TIMEOUT)
    finally:
        stop_session(process)
    return output.decode(errors="replace")


def test_a_worker_that_fails_to_start_stops_the_supervisor_with_a_non_zero_status() -> None:
    process = _serve_failing("failing_app", 2, {})
    text = _ended(process)
    assert process.returncode == STARTUP_FAILURE, text
    assert "Application startup failed" in text
    assert "Traceback" not in text


def _state(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))


def _until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not done():
        assert time.monotonic() < deadline, f"not within {START_TIMEOUT:g} s: {what}"
        time.sleep(0.01)


def test_workers_that_all_fail_before_the_arbiter_looks_end_it_with_one_status(
    tmp_path: Path,
) -> None:
    # A busy machine: every worker has failed to boot by the time the arbiter reaps the first.
    process = _serve_failing("failing_on_cue_app", 3, {"FAIL_ON_CUE": str(tmp_path)})
    try:
        _until(lambda: len(list(tmp_path.iterdir())) == 3, "three workers starting")
        workers = [int(path.name) for path in tmp_path.iterdir()]
        stat = Path(f"/proc/{workers[0]}/stat").read_text()
        arbiter = int(stat.rsplit(")", 1)[1].split()[1])  # the parent's pid
        os.kill(arbiter, signal.SIGSTOP)
        (tmp_path / "go").touch()
        _until(lambda: all(_state(pid) == "Z" for pid in workers), "every worker exited")
    finally:
        with contextlib.suppress(NameError, ProcessLookupError):
            os.kill(arbiter, signal.SIGCONT)
    text = _ended(process)
    assert process.returncode == STARTUP_FAILURE, text
    assert text.count("exited with code 3") >= 1
    assert "Traceback" not in text


def test_a_worker_that_dies_after_it_listens_is_replaced(tmp_path: Path) -> None:
    with serving(2, PROMETHEUS_MULTIPROC_DIR=str(tmp_path)) as served:
        first, second = served.workers()
        live = tmp_path / f"gauge_livesum_{first}.db"  # its gauges, summed over live workers
        for _ in range(200):  # new connections until `first` has served one (bounded)
            if live.exists():
                break
            _get(http.client.HTTPConnection("127.0.0.1", served.port, timeout=5))
        had_live_gauges = live.exists()
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            workers = served.workers()
            if len(workers) == 2 and first not in workers:
                break
            time.sleep(0.05)
        statuses = [
            _get(http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)) for _ in range(20)
        ]
        text = served.text()

    assert second in workers, text
    assert len(workers) == 2 and first not in workers, text  # a new worker in its place
    assert statuses == [200] * 20
    assert had_live_gauges
    assert not live.exists()  # marked dead: its gauges no longer count
    assert (tmp_path / f"counter_{first}.db").exists()  # its counts still do
