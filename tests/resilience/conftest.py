"""Helpers for the failure-behaviour tests: a fake clock whose sleeps are recorded instead of
slept, fast backoff settings, and GraphQL errors by path. (A gateway with its own settings:
`tests.conftest.gateway_with`.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Tiny backoff so tests that retry through the real gateway stay fast.
FAST = {"UPSTREAM_BACKOFF_BASE_SECONDS": "0.001", "UPSTREAM_BACKOFF_CAP_SECONDS": "0.002"}


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
