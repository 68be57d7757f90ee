"""Fixtures shared by the whole suite: the seeded sandboxes and a gateway on top of them."""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, build_world


@pytest.fixture(scope="session")
def seeded_world() -> World:
    return build_world()


@pytest.fixture
def world(seeded_world: World) -> World:
    """A private copy: sandboxes write into their records."""
    return copy.deepcopy(seeded_world)


def sandboxes_of(world: World) -> Sandboxes:
    """Both sandboxes, serving (and writing into) the records of `world`."""
    return Sandboxes.from_world(world)


@pytest.fixture
def sandboxes(world: World) -> Sandboxes:
    return sandboxes_of(world)


class Gateway:
    """A test client for the gateway app, with the sandboxes' call counters at hand."""

    def __init__(self, http: httpx.AsyncClient, sandboxes: Sandboxes, app: Any) -> None:
        self.http = http
        self.sandboxes = sandboxes
        self.app = app

    async def post(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        response = await self.http.post("/graphql", json=body, **kw)
        assert response.headers["content-type"].startswith("application/"), response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """`data` of a response that must have no errors."""
        result = await self.post(query, variables)
        assert "errors" not in result, result["errors"]
        return result["data"]

    def calls(self) -> dict[str, int]:
        """Upstream calls so far, by `<source>:<operation>`."""
        counts = {f"fullwhere:{k}": v for k, v in self.sandboxes.fullwhere.control.calls.items()}
        counts.update({f"mews:{k}": v for k, v in self.sandboxes.mews.control.calls.items()})
        return {k: v for k, v in counts.items() if v}

    def reset_calls(self) -> None:
        self.sandboxes.fullwhere.control.reset_calls()
        self.sandboxes.mews.control.reset_calls()


def make_app(sandboxes: Sandboxes, env: dict[str, str] | None = None) -> Any:
    return create_app(load_settings(env or {}, demo=True), sandboxes=sandboxes)


def gateway_http(app: Any) -> httpx.AsyncClient:
    """An in-process HTTP client for a gateway app (close it, or use it with `async with`)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


@asynccontextmanager
async def gateway_with(
    sandboxes: Sandboxes, env: dict[str, str] | None = None
) -> AsyncIterator[Gateway]:
    """A demo gateway over `sandboxes`, configured by `env`."""
    app = make_app(sandboxes, env)
    async with gateway_http(app) as http:
        yield Gateway(http, sandboxes, app)


@pytest.fixture
async def gateway(sandboxes: Sandboxes) -> AsyncIterator[Gateway]:
    async with gateway_with(sandboxes) as gateway:
        yield gateway


# --- Credential scan -------------------------------------------------------------------
# Every response a gateway app sends (in-process or on a loopback port) and every log record
# of the whole session are checked for the configured credentials, as they happen (bodies)
# and at the end (log lines): tests/security/test_no_credentials.py runs last and asserts.


class CredentialScan:
    """What the session's gateway apps sent and logged, checked for credentials as it
    happens: the demo ones, and every credential a gateway app of the session was given."""

    def __init__(self) -> None:
        from gateway.config import DEMO_MEWS_ACCESS_TOKEN, DEMO_MEWS_CLIENT_TOKEN

        self.secrets: set[str] = {"demo-secret", DEMO_MEWS_CLIENT_TOKEN, DEMO_MEWS_ACCESS_TOKEN}
        self.responses = 0
        self.log_records = 0
        self.leaks: list[str] = []

    def learn(self, settings: Any) -> None:
        from gateway.logs import MIN_SECRET_LENGTH, secrets_of

        self.secrets.update(s for s in secrets_of(settings) if len(s) >= MIN_SECRET_LENGTH)

    def known(self) -> set[str]:
        """The secrets configured so far: learned from apps, or given to the log redactor
        (every app registers its credentials there when it is created)."""
        from gateway.logs import REDACTOR

        return self.secrets | REDACTOR.secrets

    def check(self, where: str, text: str) -> None:
        self.leaks += [f"{where}: {secret[:4]}…" for secret in self.known() if secret in text]

    def check_response(self, where: str, data: bytes) -> None:
        self.responses += 1
        self.check(f"response to {where}", data.decode("utf-8", "replace"))


class _LogRecorder(logging.Handler):
    def __init__(self, scan: CredentialScan) -> None:
        super().__init__(logging.NOTSET)
        self.scan = scan

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text += "\n" + (record.exc_text or "") + (record.stack_info or "")
        self.scan.log_records += 1
        self.scan.check(f"log record of {record.name}", text)


def _recording_call(scan: CredentialScan, call: Any) -> Any:
    from gateway.config import Settings

    async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
        settings = getattr(self.state, "settings", None)
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or not isinstance(settings, Settings)
            or path.startswith("/sandbox/")  # the sandboxes' own answers, not the gateway's
        ):
            await call(self, scope, receive, send)
            return
        scan.learn(settings)
        sent: list[bytes] = []

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                sent.extend(b"%s: %s\n" % (k, v) for k, v in message.get("headers", ()))
            elif message["type"] == "http.response.body":
                sent.append(message.get("body", b""))
            await send(message)

        try:
            await call(self, scope, receive, recording_send)
        finally:
            scan.check_response(f"{scope.get('method')} {path}", b"".join(sent))

    return __call__


@pytest.fixture(scope="session", autouse=True)
def credential_scan() -> Iterator[CredentialScan]:
    from starlette.applications import Starlette

    scan = CredentialScan()
    original = Starlette.__call__
    Starlette.__call__ = _recording_call(scan, original)  # type: ignore[method-assign]
    recorder = _LogRecorder(scan)
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.INFO)  # what `gateway serve` logs by default
    try:
        yield scan
    finally:
        Starlette.__call__ = original  # type: ignore[method-assign]
        root.removeHandler(recorder)
        root.setLevel(level)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "last: run after every other test of the session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)
