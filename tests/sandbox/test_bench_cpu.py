"""The benchmark's CPU per request: the sampler counts every process of a server (its workers,
and workers that exit during the run), and the side-by-side report puts the CPU ratio first."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from load import LoadResult
from processes import Service
from side_by_side import PeerScenario, cpu_ms_per_request, render_peer

BURN_S = 0.4  # CPU seconds each worker spends, counted by its own process_time
TICK_S = 0.05  # /proc counts in ticks of 10 ms; a few of them either way

# A supervisor that forks two workers once told to go: both burn BURN_S of CPU, the first
# exits and is reaped, the second reports through a pipe and stays alive.
SUPERVISOR = textwrap.dedent(
    f"""
    import os, signal, sys, time

    go = sys.argv[1]
    while not os.path.exists(go):
        time.sleep(0.01)
    read, write = os.pipe()
    children = []
    for index in range(2):
        pid = os.fork()
        if pid == 0:
            while time.process_time() < {BURN_S}:
                pass
            if index == 0:
                os._exit(0)
            os.write(write, b"x")
            signal.pause()
        children.append(pid)
    os.waitpid(children[0], 0)
    os.read(read, 1)
    print("ready", flush=True)
    signal.pause()
    """
)


def _wait_for_line(service: Service, line: bytes) -> None:
    deadline = time.monotonic() + 60
    while line not in service.log_path.read_bytes():
        assert service.popen.poll() is None, service.log_tail()
        assert time.monotonic() < deadline, "the supervisor never got ready"
        time.sleep(0.02)


def test_the_cpu_sampler_sums_every_process_of_a_server_reaped_workers_included(
    tmp_path: Path,
) -> None:
    go = tmp_path / "go"
    argv = [sys.executable, "-c", SUPERVISOR, str(go)]
    service = Service("group", argv, {"PATH": "/usr/bin:/bin"}, tmp_path, 0)
    try:
        before = service.cpu_seconds()
        go.touch()
        _wait_for_line(service, b"ready")
        spent = service.cpu_seconds() - before
        alive = service.pids()
    finally:
        service.stop()
    assert len(alive) == 2  # the supervisor and the worker it did not reap
    # Both workers' CPU: the live one's own, the reaped one's in its parent's cutime.
    assert 2 * BURN_S - TICK_S <= spent < 2 * BURN_S + 0.5


def _run(requests: int, cpu_s: float) -> LoadResult:
    return LoadResult("wrk", requests, 5.0, requests / 5.0, 0, 1.0, 2.0, gateway_cpu_s=cpu_s)


def test_cpu_per_request_weighs_each_round_by_the_requests_it_served() -> None:
    assert cpu_ms_per_request([_run(1000, 1.0), _run(3000, 1.0)]) == 0.5
    assert cpu_ms_per_request([]) == 0.0


def test_the_side_by_side_report_leads_with_cpu_per_request_and_its_ratio() -> None:
    scenario = PeerScenario("a", "one customer", b"", b"")
    scenario.runs["gateway"] = [_run(4000, 2.0), _run(4000, 2.4)]  # 0.5 and 0.6 ms
    scenario.runs["mesh"] = [_run(1000, 1.5), _run(1000, 1.5)]  # 1.5 ms each
    args = argparse.Namespace(concurrency=10, rounds=2, duration=5.0, latency=0.0)
    info = {"cpu_model": "Test CPU", "cpus_usable": 2}
    report = render_peer(args, info, [scenario], "now", "wrk", "same data")
    row = next(line for line in report.splitlines() if line.startswith("| (a)"))
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    assert cells[1].startswith("**0.55 ms CPU/req**, 800 req/s")
    assert cells[2].startswith("**1.50 ms CPU/req**, 200 req/s")
    assert cells[3] == "**2.73** (2.50 to 3.00)"
    assert cells[4] == "4.00"
