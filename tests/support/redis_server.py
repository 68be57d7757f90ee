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

    def __init__(
        self, directory: Path, *, tls: TlsFiles | None = None, cluster: bool = False
    ) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        #: With `cluster`, a Cluster node (its bus on a port of its own), not yet in a cluster.
        self.cluster_port = _free_port() if cluster else 0
        #: With `tls`, the server speaks TLS only, on `tls_port`, and wants client certificates.
        self.tls = tls
        self.tls_port = _free_port() if tls is not None else 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _cluster_args(self) -> list[str]:
        if not self.cluster_port:
            return []
        return [
            "--cluster-enabled", "yes",
            "--cluster-port", str(self.cluster_port),
            "--cluster-config-file", str(self.directory / "nodes.conf"),
            "--cluster-node-timeout", "5000",
        ]  # fmt: skip

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
            *self._cluster_args(),
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


class RedisClusterServers:
    """Three Cluster masters on loopback, joined by `redis-cli --cluster create`, every slot
    served. Use as a context manager."""

    def __init__(self, directory: Path, masters: int = 3) -> None:
        self.nodes = [RedisServer(directory / f"node{i}", cluster=True) for i in range(masters)]

    @property
    def url(self) -> str:
        """A Cluster URL with one seed node, as a user would write it."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> None:
        for node in self.nodes:
            node.directory.mkdir(parents=True, exist_ok=True)
            node.start()
        cli = shutil.which("redis-cli")
        if cli is None:
            raise RuntimeError("redis-cli is not installed (it comes with redis-server)")
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=60,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT * 3
        while not all(self._ok(node) for node in self.nodes):
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.1)

    @staticmethod
    def _ok(node: RedisServer) -> bool:
        with socket.create_connection(("127.0.0.1", node.port), timeout=5) as sock:
            sock.sendall(b"CLUSTER INFO\r\n")
            return b"cluster_state:ok" in sock.recv(4096)

    def flush(self) -> None:
        for node in self.nodes:
            assert node.command("FLUSHALL") == b"+OK"

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> RedisClusterServers:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RedisSentinelServers:
    """A master `redis-server` and one Sentinel watching it as `mymaster`."""

    SERVICE = "mymaster"

    def __init__(self, directory: Path) -> None:
        self.master = RedisServer(directory / "master")
        self.directory = directory / "sentinel"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{self.SERVICE}/0"

    def start(self) -> None:
        self.master.directory.mkdir(parents=True, exist_ok=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.master.start()
        config = self.directory / "sentinel.conf"  # Sentinel rewrites its own file
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.directory}\n"
            f"sentinel monitor {self.SERVICE} 127.0.0.1 {self.master.port} 1\n"
        )
        self.process = subprocess.Popen(
            [redis_server_path(), str(config), "--sentinel"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while b"127.0.0.1" not in self._master_address():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Sentinel did not start")
            time.sleep(0.05)

    def _master_address(self) -> bytes:
        words = ("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.SERVICE)
        try:
            encoded = f"*{len(words)}\r\n".encode()
            for word in words:
                encoded += b"$%d\r\n%s\r\n" % (len(word), word.encode())
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(encoded)
                return sock.recv(4096)
        except OSError:
            return b""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop_process(process)
        self.master.stop()

    def __enter__(self) -> RedisSentinelServers:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
