"""`gateway serve` as a real process for a test, and stopping it with everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Seconds a gateway may take to stop on SIGTERM (its own bound is 9 s: 8 s graceful + 1).
STOP_TIMEOUT = 15.0


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
