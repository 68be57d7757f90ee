"""Real parts for the observability tests: the sandboxes on a loopback port (their call
counters and the headers they received at hand), an OTLP/HTTP sink, and `gateway serve` as
a real process in production mode pointed at them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.observability import metrics
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.serve import create_bench_app, upstream_env
from gateway.sandbox.world import World
from tests.support.loopback import _free_port, serve_loopback
from tests.support.processes import start_gateway, stop_session

START_TIMEOUT = 60.0
CLIENT_KEY = "client-key-0123456789"
# Settings the developer's shell may hold; each gateway process starts from none of them.
_OURS = ("FULLWHERE_", "MEWS_", "GATEWAY_", "CACHE_", "UPSTREAM_", "OTEL_", "PROMETHEUS_")


class HeaderRecorder:
    """Pure ASGI middleware keeping the `traceparent` header of every request it passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.traceparents: list[str | None] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers", ()))
            value = headers.get(b"traceparent")
            self.traceparents.append(value.decode() if value is not None else None)
        await self.app(scope, receive, send)


@dataclass
class SandboxServer:
    url: str
    sandboxes: Sandboxes
    recorder: HeaderRecorder

    def calls(self) -> dict[str, int]:
        """Upstream calls so far, by `<upstream>:<operation>`."""
        counts = {f"fullwhere:{k}": v for k, v in self.sandboxes.fullwhere.control.calls.items()}
        counts.update({f"mews:{k}": v for k, v in self.sandboxes.mews.control.calls.items()})
        return {k: v for k, v in counts.items() if v}


@pytest.fixture
def sandbox_server(world: World) -> Iterator[SandboxServer]:
    """Both sandboxes (the bench server's app) on a loopback port."""
    sandboxes = Sandboxes.from_world(world)
    recorder = HeaderRecorder(create_bench_app(sandboxes))
    with serve_loopback(recorder) as url:
        yield SandboxServer(url, sandboxes, recorder)


@dataclass
class OtlpSink:
    """An OTLP/HTTP traces endpoint on loopback that keeps every export it receives."""

    url: str
    exports: list[bytes] = field(default_factory=list)


@pytest.fixture
def otlp_sink() -> Iterator[OtlpSink]:
    sink = OtlpSink("")

    async def traces(request: Request) -> Response:
        sink.exports.append(await request.body())
        return Response(b"", media_type="application/x-protobuf")

    with serve_loopback(Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])) as url:
        sink.url = url
        yield sink


def production_env(sandbox_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env.update(upstream_env(sandbox_url))
    env.update(GATEWAY_API_KEYS=CLIENT_KEY, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


@dataclass
class GatewayProcess:
    process: subprocess.Popen[bytes]
    url: str
    output: Path
    #: Everything it printed, kept once it has stopped (its directory is gone then).
    final: str | None = None

    def text(self) -> str:
        """What it has printed so far (stdout and stderr)."""
        return self.final if self.final is not None else self.output.read_text(errors="replace")


@contextlib.contextmanager
def gateway_process(env: dict[str, str], workers: int = 1) -> Iterator[GatewayProcess]:
    """`gateway serve --workers N` until `/healthz` answers (and, for several workers,
    every worker has said it listens); stopped after the block."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "output.txt"
        process = start_gateway(port, workers, env, output)
        served = GatewayProcess(process, f"http://127.0.0.1:{port}", output)
        try:
            _wait_ready(served, workers)
            yield served
        finally:
            stop_session(process)
            served.final = served.text()


def _wait_ready(served: GatewayProcess, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if served.process.poll() is not None:
            pytest.fail(f"gateway exited with {served.process.returncode}:\n{served.text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"gateway not ready in {START_TIMEOUT:g} s:\n{served.text()}")
        ready = workers == 1 or "workers ready" in served.text()
        with contextlib.suppress(httpx.HTTPError):
            if ready and httpx.get(f"{served.url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def fresh_operation_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound on operation labels counts the names of the whole session: each test here
    starts below it, whatever ran before."""
    monkeypatch.setattr(metrics, "_operation_names", set())
