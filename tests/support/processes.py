"""Real processes on loopback for cross-process tests: the sandbox server
(`python -m gateway.sandbox.serve`) and `gateway serve`, each in a session of its own, with
its output in a file, stopped (and, if need be, killed) at the end; and `start_gateway` /
`stop_session` for tests that drive a gateway process themselves."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.support.loopback import _free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
# Settings a developer's shell may hold; each process starts from none of them.
_OURS = ("FULLWHERE_", "MEWS_", "GATEWAY_", "CACHE_", "UPSTREAM_", "DEMO_", "REDIS_", "REQUEST_")


class Process:
    """A server process on `port`; `get`/`post` talk to it on a new connection each."""

    def __init__(self, argv: list[str], env: Mapping[str, str], port: int, log: Path) -> None:
        self.port = port
        self.log = log
        with log.open("wb") as sink:
            self.popen = subprocess.Popen(
                argv, cwd=ROOT, env=dict(env), stdout=sink, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            payload = None if body is None else json.dumps(body)
            headers = {"content-type": "application/json"} if body is not None else {}
            connection.request(method, path, payload, headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            connection.close()

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        status, result = self.request(
            "POST", "/graphql", {"query": query, "variables": variables or {}}
        )
        assert status == 200, result
        return result

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"exited with {self.popen.returncode}:\n{self.text()}")
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                if self.request("GET", path)[0] == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"not ready in {START_TIMEOUT:g} s:\n{self.text()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(STOP_TIMEOUT)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


@contextlib.contextmanager
def sandbox_server(directory: Path, *options: str) -> Iterator[Process]:
    """Both sandboxes in a process of their own (`options` go to its command line)."""
    port = _free_port()
    argv = [sys.executable, "-m", "gateway.sandbox.serve", "--port", str(port), *options]
    process = Process(argv, clean_env(), port, directory / f"sandbox-{port}.log")
    try:
        process.wait_ready("/__bench/healthz")
        yield process
    finally:
        process.stop()


def gateway_env(sandbox: Process, **extra: str) -> dict[str, str]:
    """Production settings pointing at `sandbox`, with `extra` on top. No identity sync
    unless `extra` asks for one: its calls would blur the counts other tests make."""
    base = f"http://127.0.0.1:{sandbox.port}"
    defaults = {
        "FULLWHERE_BASE_URL": f"{base}/fullwhere",
        "FULLWHERE_API_KEY": "demo-key",
        "FULLWHERE_API_SECRET": "demo-secret",
        "MEWS_BASE_URL": f"{base}/mews",
        "MEWS_CLIENT_TOKEN": DEMO_CLIENT_TOKEN,
        "MEWS_ACCESS_TOKEN": DEMO_ACCESS_TOKEN,
        "GATEWAY_ALLOW_ANONYMOUS": "true",
        "SYNC_INTERVAL_SECONDS": "0",
    }
    return clean_env(**{**defaults, **extra})


@contextlib.contextmanager
def gateway_server(directory: Path, env: Mapping[str, str], workers: int = 1) -> Iterator[Process]:
    """`gateway serve` on a free port with `env`."""
    port = _free_port()
    argv = [sys.executable, "-m", "gateway", "serve", "--port", str(port),
            "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    process = Process(argv, env, port, directory / f"gateway-{port}.log")
    try:
        process.wait_ready("/healthz")
        yield process
    finally:
        process.stop()


def start_gateway(
    port: int, workers: int, env: dict[str, str], output: Path
) -> subprocess.Popen[bytes]:
    """`python -m gateway serve --port P --workers N` in a session of its own (its workers go
    with it, whatever happens), stdout and stderr into `output`."""
    with output.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port),
             "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def stop_session(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to `process` (started with `start_new_session=True`), SIGKILL to its session
    if it has not ended within `timeout`, and SIGKILL to whatever is left in it after."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # anything left in its session


def wait_index_complete(process: Process, timeout: float = 90.0) -> None:
    """Until the gateway's `/readyz` says its identity index is complete."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, report = process.request("GET", "/readyz")
        if report.get("identityIndex", {}).get("complete"):
            return
        time.sleep(0.2)
    raise AssertionError(f"the sync did not finish in {timeout:g} s:\n{process.text()}")
