"""Helpers for the failure-behaviour tests: a gateway with its own settings, a fake clock
whose sleeps are recorded instead of slept, and clients with a guard over the sandboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from gateway.app import Sandboxes
from tests.conftest import Gateway, make_app

#: Tiny backoff so tests that retry through the real gateway stay fast.
FAST = {"UPSTREAM_BACKOFF_BASE_SECONDS": "0.001", "UPSTREAM_BACKOFF_CAP_SECONDS": "0.002"}


@asynccontextmanager
async def gateway_with(sandboxes: Sandboxes, env: dict[str, str]) -> AsyncIterator[Gateway]:
    app = make_app(sandboxes, env)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as http:
        yield Gateway(http, sandboxes, app)


class FakeClock:
    """A monotonic clock that only moves when told to, or when `sleep` is awaited."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def errors_by_path(result: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(error.get("path") or ()): error for error in result.get("errors", [])}


def constant(value: float) -> Callable[[], float]:
    return lambda: value
