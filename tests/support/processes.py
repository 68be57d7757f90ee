"""Stopping a server process started by a test, and everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

#: Seconds a gateway may take to stop on SIGTERM (its own bound is 9 s: 8 s graceful + 1).
STOP_TIMEOUT = 15.0


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
