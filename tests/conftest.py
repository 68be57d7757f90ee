"""Fixtures shared by the whole suite: the seeded sandboxes and a gateway on top of them."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, build_world
from tests.support.credential_scan import CredentialScan, scanning


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


@pytest.fixture(autouse=True)
def credential_scan() -> Iterator[CredentialScan]:
    """Fails the test whose gateway responses or log lines held a configured credential."""
    with scanning() as scan:
        yield scan
    assert scan.leaks == [], f"a credential leaked: {scan.leaks}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The order's seed, also under `-q` (which hides pytest-randomly's header line)."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(
            f"tests ran in random order: repeat it with --randomly-seed={seed}"
        )
