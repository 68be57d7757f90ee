"""Knobs shared by both sandboxes: request counting, added latency and injected faults.

Tests and benchmarks hold a `SandboxControl` and ask it how many calls an operation got, or
tell it to slow every call down or to fail the next N calls of an operation.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal

from starlette.responses import Response

FaultKind = Literal["status", "hang", "malformed", "disconnect"]


@dataclass
class Fault:
    """One injected failure, used for the next `remaining` calls of an operation."""

    kind: FaultKind
    remaining: int
    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 30.0


class InjectedDisconnect(Exception):
    """Raised inside a sandbox handler to drop the connection without an answer."""


@dataclass
class SandboxControl:
    """Per-sandbox switches. `latency` is seconds added to every call."""

    latency: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    #: (monotonic arrival time, operation) of the latest calls, for rate checks "at arrival";
    #: bounded, so load runs do not grow it without end.
    arrivals: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=100_000))
    faults: dict[str, list[Fault]] = field(default_factory=dict)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def reset_calls(self) -> None:
        self.calls.clear()
        self.arrivals.clear()

    def most_in_any_window(self, operation: str, window: float) -> int:
        """The most calls of `operation` that arrived within any `window` seconds."""
        times = [at for at, name in self.arrivals if name == operation]
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def fail_next(
        self,
        operation: str,
        times: int = 1,
        *,
        kind: FaultKind = "status",
        status: int = 500,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        hang_seconds: float = 30.0,
    ) -> None:
        """Make the next `times` calls of `operation` fail in the given way.

        `status` answers `status` with `body` (the sandbox's documented error body when
        empty); `hang` waits `hang_seconds` before answering normally; `malformed` answers
        200 with a body that is not JSON; `disconnect` drops the connection.
        """
        self.faults.setdefault(operation, []).append(
            Fault(kind, times, status, body, dict(headers or {}), hang_seconds)
        )

    def take_fault(self, operation: str) -> Fault | None:
        queue = self.faults.get(operation)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    async def enter(self, operation: str) -> Fault | None:
        """Count a call, apply latency, and return the fault to apply, if any."""
        self.calls[operation] += 1
        self.arrivals.append((time.monotonic(), operation))
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self.take_fault(operation)
        if fault is not None and fault.kind == "hang":
            await asyncio.sleep(fault.hang_seconds)
            return None
        return fault


def malformed_response(status: int = 200) -> Response:
    """A body that claims to be JSON and is not."""
    return Response(b'{"truncated": ', status_code=status, media_type="application/json")
