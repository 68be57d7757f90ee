"""How `gateway sync` shows a run: a progress line per source, redrawn in place on a
terminal, one plain line per step otherwise (logs, CI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from gateway.identity.index import SyncState


def _eta(done: float, total: float, elapsed: float) -> str:
    if done <= 0 or total <= done:
        return "-"
    seconds = elapsed * (total - done) / done
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _bar(done: float, total: float, width: int = 20) -> str:
    filled = int(width * min(1.0, done / total)) if total else 0
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _rate(count: int, elapsed: float) -> str:
    return f"{count / elapsed:.0f}/s" if elapsed > 0 else "-"


def describe(state: SyncState, elapsed: float) -> str:
    """One line for the source being read."""
    if state.phase == "fullwhere":
        done, total = state.fullwhere_records, state.fullwhere_total or 0
        return (
            f"fullwhere {_bar(done, total)} {done}/{total} records, "
            f"{state.fullwhere_pages} pages, {_rate(done, elapsed)}, "
            f"ETA {_eta(done, total, elapsed)}"
        )
    done, total = state.mews_windows_done, state.mews_windows_total
    eta = f"ETA {_eta(done, total, elapsed)}"
    if state.mews_budget_wait > 0:
        eta = f"waiting {state.mews_budget_wait:.0f} s for its Mews budget (SYNC_MEWS_BUDGET)"
    return (
        f"mews      {_bar(done, total)} {state.mews_records} guests, {state.mews_calls} calls, "
        f"windows {done}/{total}, {_rate(state.mews_records, elapsed)}, {eta}"
    )


class ProgressPrinter:
    """Callable with each saved `SyncState` of a run."""

    def __init__(
        self, stream: TextIO, *, tty: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.tty = tty
        self.clock = clock
        self._phase = ""
        self._phase_start = self._seen = clock()
        self._last = ""

    def __call__(self, state: SyncState) -> None:
        if state.phase not in ("fullwhere", "mews"):
            return
        now = self.clock()
        if state.phase != self._phase:
            if self.tty and self._phase:
                self.stream.write("\n")
            # A phase's first state comes after its first page: its time began at the last
            # state of the previous phase (or at the start).
            self._phase, self._phase_start = state.phase, self._seen
        self._seen = now
        line = describe(state, now - self._phase_start)
        if line == self._last:
            return
        self._last = line
        self.stream.write(f"\r{line}\033[K" if self.tty else line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._phase:
            self.stream.write("\n")
            self.stream.flush()
