"""A private `redis-server` for `gateway serve --workers N` when no `REDIS_URL` is set, so
that workers never keep per-process state by accident.

It listens on a Unix socket in a temporary directory (no TCP port, owner-only permissions),
keeps nothing on disk, and ends with the supervisor: stopped on exit, and on Linux also
signalled by the kernel if the supervisor is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from gateway.config import ConfigError

START_TIMEOUT: Final = 10.0
STOP_TIMEOUT: Final = 5.0
#: Memory the private Redis may use; beyond it, keys closest to expiry go first.
MAX_MEMORY: Final = "256mb"
_PR_SET_PDEATHSIG: Final = 1


def die_with_parent() -> Callable[[], None] | None:
    """For `preexec_fn` (or a forked child): SIGTERM when the parent ends, on Linux."""
    if not sys.platform.startswith("linux"):
        return None

    def arm() -> None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return arm


def _answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(0.5)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def private_redis(workers: int) -> Iterator[str]:
    """Run a `redis-server` for `workers` processes; yields its `unix://` URL.

    Raises:
        ConfigError: naming REDIS_URL, when `redis-server` is not installed or does not start.
    """
    server = shutil.which("redis-server")
    if server is None:
        raise ConfigError(
            "REDIS_URL",
            f"a Redis URL that the {workers} workers share (or redis-server installed, for a "
            "private one); without it each worker would keep its own cache, idempotency keys "
            "and Mews rate limit",
        )
    directory = Path(tempfile.mkdtemp(prefix="gateway-redis-"))
    path = directory / "redis.sock"
    argv = [
        server,
        "--port", "0",
        "--unixsocket", str(path),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--save", "",
        "--appendonly", "no",
        "--maxmemory", MAX_MEMORY,
        "--maxmemory-policy", "volatile-ttl",
        "--logfile", str(directory / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent(),
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ConfigError(
                    "REDIS_URL",
                    f"a Redis URL that the {workers} workers share: the private redis-server "
                    f"did not start (see {directory / 'redis.log'})",
                )
            time.sleep(0.02)
        yield f"unix://{path}"
    finally:
        stop_process(process)
        shutil.rmtree(directory, ignore_errors=True)


def stop_process(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM, then SIGKILL if `process` is still running after `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


__all__ = ["private_redis", "stop_process"]
