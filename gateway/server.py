"""Several worker processes, each listening on a socket of its own: `serve_workers()`.

uvicorn's `--workers` shares one listening socket between its workers, and asyncio accepts
every pending connection in one wake-up. So when a client opens a pool of keep-alive
connections at once (a reverse proxy, a load balancer, wrk), the first worker to wake takes
them all and the others stay idle. Here each worker binds its own socket to the same address
with SO_REUSEPORT, and the kernel spreads new connections over the listening sockets (by a
hash of the connection's addresses). That balancing is Linux's; elsewhere SO_REUSEPORT is
missing or hands every connection to one socket (macOS), so uvicorn's own mode is used.

The supervisor stays small: it starts the workers, waits until each one listens, replaces a
worker that dies after that, and on SIGINT/SIGTERM stops them all within a bounded time. A
worker that fails to start (the app does not load, the port is taken) stops everything with
uvicorn's exit status for that: it would fail the same way again. Workers whose supervisor
is killed shut down by themselves.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from gateway.observability.metrics import multiprocess_dir, worker_exited

logger = logging.getLogger("uvicorn.error")

#: Seconds for a worker to build its app and listen.
START_TIMEOUT = 60.0
#: Seconds a worker may take to stop beyond its graceful shutdown (`timeout_graceful_shutdown`)
#: before it is killed: the app's own shutdown (closing its upstream clients) is quick.
STOP_MARGIN = 1.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# A fresh interpreter per worker, as uvicorn does: no state forked from the supervisor.
_spawn = multiprocessing.get_context("spawn")


def reuse_port_balances() -> bool:
    """Whether SO_REUSEPORT spreads connections over sockets here (Linux 3.9 and later)."""
    if not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"):
        return False
    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    except OSError:
        return False
    return True


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn decides


def bind_reuse_port(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` with SO_REUSEPORT; uvicorn makes it listen."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def check_port_free(host: str, port: int) -> None:
    """Raise OSError if anything listens on `host:port`, another gateway included.

    Binding without SO_REUSEPORT conflicts with every listener, so a second gateway started on
    the same port fails here instead of silently sharing the first one's connections.
    """
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


class _WorkerServer(uvicorn.Server):
    """uvicorn's server, telling the supervisor once its socket listens, and shutting down
    if the supervisor is gone (killed): orphans would hold the port against a new gateway."""

    def __init__(self, config: uvicorn.Config, ready: Connection) -> None:
        super().__init__(config)
        self._ready = ready
        self._supervisor = os.getppid()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._ready.send_bytes(b"listening")
        self._ready.close()

    async def on_tick(self, counter: int) -> bool:
        if os.getppid() != self._supervisor:  # a cheap system call, 10 times a second
            logger.warning("The supervisor has gone; shutting down")
            self.should_exit = True
        return await super().on_tick(counter)


def _worker_main(options: dict[str, Any], ready: Connection) -> None:
    """The body of a worker process: uvicorn on a socket of its own."""
    config = uvicorn.Config(**options)  # also sets up this process's logging
    try:
        sock = bind_reuse_port(config.host, config.port)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, exc)
        sys.exit(STARTUP_FAILURE)
    # Ctrl+C: the server has already shut down by then; spare multiprocessing's traceback.
    with contextlib.suppress(KeyboardInterrupt):
        _WorkerServer(config, ready).run(sockets=[sock])


@dataclass
class _Worker:
    process: BaseProcess
    ready: Connection | None  # until the worker says it listens (or dies)
    started_at: float = field(default_factory=time.monotonic)
    listening: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid or 0


class Supervisor:
    """Runs `count` workers until SIGINT/SIGTERM; `run()` returns the exit status."""

    def __init__(
        self,
        options: dict[str, Any],
        count: int,
        *,
        start_timeout: float = START_TIMEOUT,
        target: Callable[[dict[str, Any], Connection], None] = _worker_main,
    ) -> None:
        self.options = options
        self.count = count
        self.start_timeout = start_timeout
        graceful = options.get("timeout_graceful_shutdown") or 0.0
        self.stop_timeout = float(graceful) + STOP_MARGIN
        self.target = target
        self.signals: list[int] = []
        self.workers: list[_Worker] = []

    def run(self) -> int:
        # Signal handlers only note the signal; the wake-up socket interrupts the wait at once.
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        old_wakeup = signal.set_wakeup_fd(wake_w.fileno())
        old_handlers = {sig: signal.signal(sig, self._note) for sig in STOP_SIGNALS}
        try:
            return self._supervise(wake_r)
        finally:
            self._stop(wake_r)  # a no-op unless something above went wrong
            for sig, handler in old_handlers.items():
                signal.signal(sig, handler)
            signal.set_wakeup_fd(old_wakeup)
            wake_r.close()
            wake_w.close()

    def _note(self, sig: int, frame: object) -> None:
        self.signals.append(sig)

    def _spawn(self) -> _Worker:
        reader, writer = _spawn.Pipe(duplex=False)
        process = _spawn.Process(
            target=self.target, args=(self.options, writer), name="gateway-worker"
        )
        process.start()
        writer.close()  # the worker holds the other copy: its exit reads as EOF here
        return _Worker(process, reader)

    def _supervise(self, wake: socket.socket) -> int:
        logger.info("Started parent process [%d]", os.getpid())
        self.workers = [self._spawn() for _ in range(self.count)]
        announced = False
        while not self.signals:
            for index, worker in enumerate(self.workers):
                self._take_ready(worker)
                code = worker.process.exitcode
                if code is not None and not worker.listening:
                    logger.error("Worker [%d] failed to start (exit code %s)", worker.pid, code)
                    return STARTUP_FAILURE
                if code is not None:
                    logger.warning(
                        "Worker [%d] exited (exit code %s); starting another", worker.pid, code
                    )
                    worker_exited(worker.pid)
                    self.workers[index] = self._spawn()
                elif not worker.listening and self._overdue(worker):
                    logger.error(
                        "Worker [%d] did not listen within %g s", worker.pid, self.start_timeout
                    )
                    return STARTUP_FAILURE
            if not announced and all(w.listening for w in self.workers):
                announced = True
                logger.info(
                    "%d workers ready on %s, each with its own SO_REUSEPORT socket: the kernel"
                    " spreads new connections over them (press CTRL+C to quit)",
                    self.count, self._url(),
                )  # fmt: skip
            self._wait(wake, self._next_deadline())
        name = signal.Signals(self.signals[0]).name
        logger.info("Received %s, stopping %d workers", name, len(self.workers))
        self._stop(wake)
        return 0

    def _take_ready(self, worker: _Worker) -> None:
        if worker.ready is None or not worker.ready.poll():
            return
        with contextlib.suppress(EOFError, OSError):  # EOF: it died first; seen by exitcode
            worker.ready.recv_bytes()
            worker.listening = True
        worker.ready.close()
        worker.ready = None

    def _overdue(self, worker: _Worker) -> bool:
        return time.monotonic() - worker.started_at > self.start_timeout

    def _next_deadline(self) -> float | None:
        starting = [w.started_at + self.start_timeout for w in self.workers if not w.listening]
        return max(0.0, min(starting) - time.monotonic()) if starting else None

    def _wait(self, wake: socket.socket, timeout: float | None) -> None:
        """Until a worker listens or exits, a signal arrives, or `timeout` seconds pass."""
        waitables: list[Any] = [wake]
        for worker in self.workers:
            waitables.append(worker.process.sentinel)
            if worker.ready is not None:
                waitables.append(worker.ready)
        wait(waitables, timeout)
        with contextlib.suppress(OSError):
            while wake.recv(512):
                pass

    def _stop(self, wake: socket.socket) -> None:
        """SIGTERM to every worker (each shuts down gracefully); SIGKILL to any still running
        after the stop timeout, or at once on a second signal."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.terminate()
        seen = len(self.signals)
        deadline = time.monotonic() + self.stop_timeout
        while running := [w for w in self.workers if w.process.is_alive()]:
            left = deadline - time.monotonic()
            if left <= 0 or len(self.signals) > seen:
                for worker in running:
                    logger.warning("Killing worker [%d]", worker.pid)
                    worker.process.kill()
                for worker in running:
                    worker.process.join(5.0)
                break
            wait([wake, *(w.process.sentinel for w in running)], left)
            with contextlib.suppress(OSError):
                while wake.recv(512):
                    pass
        for worker in self.workers:
            if worker.ready is not None:
                worker.ready.close()
                worker.ready = None
        self.workers = []

    def _url(self) -> str:
        host = str(self.options.get("host", "127.0.0.1"))
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.options.get('port', 8000)}"


def serve_workers(options: dict[str, Any], workers: int) -> int:
    """Serve with `workers` processes; `options` are `uvicorn.Config`'s (app as import string).

    Returns the exit status: 0 after a stop by signal, non-zero if a worker failed to start.
    The workers share a directory for their metrics, which `/metrics` adds up.
    """
    with multiprocess_dir():
        return _serve_workers(options, workers)


def _serve_workers(options: dict[str, Any], workers: int) -> int:
    if workers < 2 or not reuse_port_balances():
        uvicorn.run(**options, workers=workers)
        return 0
    uvicorn.Config(**options)  # sets up logging here as in the workers, and checks the options
    host, port = str(options.get("host", "127.0.0.1")), int(options.get("port", 8000))
    try:
        check_port_free(host, port)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", host, port, exc)
        return STARTUP_FAILURE
    return Supervisor(options, workers).run()
