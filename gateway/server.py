"""Several worker processes, each listening on a socket of its own: `serve_workers()`.

gunicorn's arbiter runs uvicorn workers (`uvicorn-worker`). With `reuse_port`, gunicorn binds
a SO_REUSEPORT socket in each worker instead of sharing one, and the kernel spreads new
connections over the listening sockets (by a hash of the connection's addresses). uvicorn's
own `--workers` shares one socket, and asyncio accepts every pending connection in one
wake-up: when a client opens a pool of keep-alive connections at once (a reverse proxy, a load
balancer, wrk), the first worker to wake takes them all. That balancing is Linux's; elsewhere
SO_REUSEPORT is missing or hands every connection to one socket (macOS), so uvicorn's own mode
is used.

gunicorn replaces a worker that dies, stops on a worker that fails to boot (exit status 3),
and stops its workers gracefully on SIGTERM (here on SIGINT too, as one uvicorn does). It
forks its workers, and prometheus-client picks single- or multi-process values when it is
first imported, which the command line has done before it knows the worker count; so the
arbiter runs in a fresh interpreter (`python -m gateway.server`), started once the metrics
directory is set, and ends with its parent.

Throughput side by side with the supervisor this replaced, and with uvicorn's own mode
(`./dev bench --scenarios 1,5 --workers 2 --duration 5`): docs/operations.md, "Workers".
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.errors import HaltServer
from uvicorn.config import STARTUP_FAILURE
from uvicorn.importer import import_from_string
from uvicorn_worker import UvicornWorker

from gateway.observability.metrics import multiprocess_dir, worker_exited
from gateway.store.private import die_with_parent

logger = logging.getLogger("uvicorn.error")

#: Seconds a worker may take to stop beyond its graceful shutdown (`timeout_graceful_shutdown`)
#: before it is killed: the app's own shutdown (closing its upstream clients) is quick.
STOP_MARGIN = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: uvicorn's settings the worker takes from `serve_workers`' options (gunicorn has none).
_UVICORN_ONLY = (
    "server_header",
    "access_log",
    "timeout_graceful_shutdown",
    "http",
    "ws_per_message_deflate",
)


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


def check_port_free(host: str, port: int) -> None:
    """Raise OSError if anything listens on `host:port`, another gateway included.

    Binding without SO_REUSEPORT conflicts with every listener, so a second gateway started on
    the same port fails here instead of silently sharing the first one's connections.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn decides
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class GatewayWorker(UvicornWorker):
    """uvicorn in a gunicorn worker, with the gateway's uvicorn settings; it tells the arbiter
    once it serves, and shuts down if the arbiter is gone (killed): orphans would hold the
    port against a new gateway."""

    app: _GunicornApp

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _UVICORN_ONLY:
            if name in self.app.options:
                setattr(self.config, name, self.app.options[name])
        self._told = False

    def init_process(self) -> None:
        arm = die_with_parent()
        if arm is not None:
            arm()
        if os.getppid() != self.ppid:  # gone before the line above
            sys.exit(0)
        super().init_process()

    async def callback_notify(self) -> None:
        # uvicorn's first call comes on its first tick, once it has started and listens.
        if not self._told:
            self._told = True
            (self.app.ready_dir / str(os.getpid())).touch()
        await super().callback_notify()


class _ListeningAt(logging.Filter):
    """gunicorn's `Listening at: <sockets> (<pid>)` names no socket when each worker binds
    its own (`reuse_port`): name the address they share."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.msg == "Listening at: %s (%s)" and isinstance(args, tuple) and not args[0]:
            record.args = (f"{self.address}, a SO_REUSEPORT socket in each worker", *args[1:])
        return True


class _GatewayArbiter(Arbiter):
    """gunicorn's arbiter, graceful on SIGINT too, and saying once when every worker serves."""

    app: _GunicornApp
    _announced = False
    _halting = False

    def halt(self, reason: str | None = None, exit_status: int = 0) -> None:
        self._halting = True
        super().halt(reason, exit_status)

    def reap_workers(self) -> None:
        # gunicorn halts on the first worker that failed to boot, and reaps the others while
        # it stops: each of those raises the same HaltServer again, out of `halt`, and the
        # arbiter would end with a traceback and status 1 instead of its halt's status 3.
        try:
            super().reap_workers()
        except HaltServer:
            if not self._halting:
                raise

    def setup(self, app: Any) -> None:
        super().setup(app)
        address = _url(self.app.options["host"], self.app.options["port"])
        self.log.error_log.addFilter(_ListeningAt(address))

    def handle_int(self) -> None:
        self.handle_term()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self._announced or len(self.WORKERS) < self.num_workers:
            return
        ready = {int(mark.name) for mark in self.app.ready_dir.iterdir()}
        if set(self.WORKERS) <= ready:
            self._announced = True
            self.log.info(
                "%d workers ready on %s, each with its own SO_REUSEPORT socket: the kernel"
                " spreads new connections over them (press CTRL+C to quit)",
                self.num_workers, _url(self.app.options["host"], self.app.options["port"]),
            )  # fmt: skip


class _GunicornApp(BaseApplication):
    """gunicorn's configuration for `options` (`uvicorn.Config`'s, app as import string)."""

    def __init__(self, options: dict[str, Any], workers: int, ready_dir: Path) -> None:
        self.options = options
        self.workers = workers
        self.ready_dir = ready_dir
        super().__init__()

    def load_config(self) -> None:
        options = self.options
        uvicorn_config = uvicorn.Config(**options)  # uvicorn's defaults, and a check of options
        grace = math.ceil(options.get("timeout_graceful_shutdown") or 0)
        settings: dict[str, Any] = {
            "bind": _url(options["host"], options["port"]).removeprefix("http://"),
            "workers": self.workers,
            "worker_class": f"{__name__}.{GatewayWorker.__name__}",
            "reuse_port": True,
            "keepalive": uvicorn_config.timeout_keep_alive,
            "graceful_timeout": grace + STOP_MARGIN,
            "loglevel": options.get("log_level", "info"),
            "proc_name": "gateway",
            "control_socket_disable": True,  # a shared default path; nothing here uses it
            "child_exit": lambda arbiter, worker: worker_exited(worker.pid),
        }
        if "log_config" in options:  # the JSON format: gunicorn's lines too
            formatter = {"()": "gateway.logs.JsonFormatter"}
            # gunicorn's default also puts a handler on the root logger: its lines came twice.
            settings["logconfig_dict"] = {"formatters": {"generic": formatter}, "root": {}}
        for name, value in settings.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        app = import_from_string(self.options["app"])
        return app() if self.options.get("factory") else app

    def run(self) -> None:
        _GatewayArbiter(self).run()


def serve_workers(options: dict[str, Any], workers: int) -> int:
    """Serve with `workers` processes; `options` are `uvicorn.Config`'s (app as import string).

    Returns the exit status: 0 after a stop by signal, non-zero if a worker failed to start.
    The workers share a directory for their metrics, which `/metrics` adds up.
    """
    with multiprocess_dir():
        if workers < 2 or not reuse_port_balances():
            uvicorn.run(**options, workers=workers)
            return 0
        uvicorn.Config(**options)  # sets up logging here as in the workers, and checks options
        host, port = str(options.get("host", "127.0.0.1")), int(options.get("port", 8000))
        try:
            check_port_free(host, port)
        except OSError as exc:
            logger.error("cannot listen on %s:%d: %s", host, port, exc)
            return STARTUP_FAILURE
        return _run_arbiter(options, workers)


def _run_arbiter(options: dict[str, Any], workers: int) -> int:
    """`python -m gateway.server` until it ends; SIGINT and SIGTERM are passed on to it."""
    argv = [sys.executable, "-m", __name__, json.dumps({"options": options, "workers": workers})]
    arbiter = subprocess.Popen(argv, preexec_fn=die_with_parent())
    old = {sig: signal.signal(sig, lambda sig, _: arbiter.send_signal(sig)) for sig in STOP_SIGNALS}
    try:
        return arbiter.wait()
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if arbiter.poll() is None:  # interrupted otherwise: do not leave it behind
            arbiter.kill()
            arbiter.wait()


def main(argv: list[str]) -> int:
    """The arbiter's process: gunicorn with `argv[0]`'s options and worker count."""
    given = json.loads(argv[0])
    ready = Path(tempfile.mkdtemp(prefix="gateway-ready-"))
    arbiter = os.getpid()
    try:
        _GunicornApp(given["options"], given["workers"], ready).run()
    except SystemExit as exc:  # gunicorn's halt, or a worker's exit (a fork of this process)
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        if os.getpid() == arbiter:  # the workers unwind this function too
            shutil.rmtree(ready, ignore_errors=True)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main(sys.argv[1:]))
