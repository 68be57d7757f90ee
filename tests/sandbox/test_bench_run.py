"""`./dev bench` end to end, at its smallest: the sandbox server and real gateway processes on
loopback, the scenarios' answers checked and their upstream calls counted, and the report."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import run


def test_the_benchmark_runs_and_reports_each_chosen_scenario_beside_its_targets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = signal.getsignal(signal.SIGTERM)
    try:
        # One cold and one warm gateway, a single sample each, no throughput runs.
        argv = ["--scenarios", "1,5", "--workers", "1", "--requests", "1", "--warmup", "0"]
        code = run.main([*argv, "--duration", "0", "--latency", "0"])
    finally:
        signal.signal(signal.SIGTERM, handler)
    report = capsys.readouterr().out
    assert code == 0, report
    rows = [line for line in report.splitlines() if line.startswith(("1. ", "5. "))]
    assert [row.split("  ")[0] for row in rows] == [
        "1. one customer, both profiles (~40 fields)",
        "5. scenario 1, warm cache",
    ]
    # The cold read makes its two upstream calls; the warm one none.
    assert "  1. calls = 2: met" in report
    assert "  5. calls = 0: met" in report
    assert "under load (concurrency 32):" in report
