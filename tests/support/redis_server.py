"""A real `redis-server` on a free loopback port, with its files in a temporary directory:
for the tests of shared state. Nothing is persisted; `stop()` and `start()` again keep the
port, so a test can take Redis away and bring it back."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from gateway.store.private import stop_process
from tests.support.loopback import _free_port
from tests.support.tls import TlsFiles

START_TIMEOUT = 10.0


def redis_server_path() -> str:
    path = shutil.which("redis-server")
    if path is None:
        raise RuntimeError(
            "redis-server is not installed: the shared-state tests need a real one "
            "(apt-get install redis-server; .ci/run installs it)"
        )
    return path


class RedisServer:
    """One `redis-server` process. Use as a context manager, or `start()`/`stop()`."""

    def __init__(self, directory: Path, *, tls: TlsFiles | None = None) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        #: With `tls`, the server speaks TLS only, on `tls_port`, and wants client certificates.
        self.tls = tls
        self.tls_port = _free_port() if tls is not None else 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _tls_args(self) -> list[str]:
        if self.tls is None:
            return []
        return [
            "--tls-port", str(self.tls_port),
            "--tls-cert-file", str(self.tls.server_cert),
            "--tls-key-file", str(self.tls.server_key),
            "--tls-ca-cert-file", str(self.tls.ca),
            "--tls-auth-clients", "yes",
        ]  # fmt: skip

    def start(self) -> None:
        argv = [
            redis_server_path(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(self.directory / "redis.log"),
            *self._tls_args(),
        ]  # fmt: skip
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"redis-server did not start on {self.port}:\n{log}")
            time.sleep(0.02)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *words: str) -> bytes:
        """One command as the default user, on a connection of its own; the first line of
        the answer (`+OK`, `-ERR ...`, `$5`, ...)."""
        return command(("127.0.0.1", self.port), *words)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop_process(process)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def command(address: tuple[str, int], *words: str) -> bytes:
    """One RESP command to `address`; the first line of the answer."""
    encoded = f"*{len(words)}\r\n".encode()
    for word in words:
        data = word.encode()
        encoded += b"$%d\r\n%s\r\n" % (len(data), data)
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(encoded)
        return sock.recv(4096).split(b"\r\n")[0]
