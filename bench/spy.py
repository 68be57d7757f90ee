"""Profile the gateway under one benchmark scenario: `.venv/bin/python bench/spy.py`.

Starts the sandbox server and a gateway exactly as `bench/run.py` does, drives the scenario
at concurrency 32 (wrk, or the Python load generator), samples the gateway's workers with
py-spy meanwhile, and prints where the time goes: by package, by function (own time) and by
function (time including callees), as percentages of the samples.

py-spy is a development tool, not a dependency: `.venv/bin/pip install py-spy`.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import count_calls, run_load
from processes import HOST, free_port, start_gateway, start_sandboxes, wait_idle
from scenarios import Scenario, _no_errors, build_scenarios
from side_by_side import peer_scenarios

# Where a sample's time goes: the deepest frame that matches one of these names it.
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("parse + validate the query", (
        "_prepare_operation_async", "graphql/language/parser", "graphql/validation",
    )),
    ("serialize the response", ("_serialize (gateway/http/endpoint.py",)),
    ("upstream calls (httpx, httpcore, JSON decoding)", (
        "httpx/", "httpcore/", "(gateway/upstream/",
    )),
    ("execute: resolvers, value completion, per-field tasks", (
        "graphql/execution", "strawberry/schema/schema_converter", "graphql/pyutils/gather",
        "Schema._execute_operation", "(gateway/graphql/", "(gateway/services/", "(gateway/domain/",
        "(gateway/data/", "aiodataloader",
    )),
    ("HTTP server (uvicorn, h11)", ("h11/", "uvicorn/", "selector_events")),
    ("Starlette and the gateway's middleware", ("starlette/", "(gateway/http/")),
    ("event loop: running and scheduling tasks", ("asyncio/",)),
)  # fmt: skip

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")


def package_of(path: str) -> str:
    """A short owner for a source file as py-spy names it: `gateway/graphql`, `strawberry`,
    `graphql`, `asyncio`, `stdlib` (a module of its own), ..."""
    parts = path.split("/")
    if len(parts) == 1:
        return "stdlib" if path.endswith(".py") or path.startswith("<frozen") else path
    if parts[0] == "gateway" and len(parts) > 2:
        return f"gateway/{parts[1]}"
    return parts[0]


def summarize(raw: Path, top: int) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    phases: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        names = []
        for frame in frames:
            match = _FRAME.match(frame)
            func, path = (match["func"], match["file"]) if match else (frame, "?")
            names.append((f"{func} ({path})", package_of(path)))
        phase = next(
            (
                name
                for frame in reversed(frames)
                for name, keys in PHASES
                if any(key in frame for key in keys)
            ),
            "other",
        )
        phases[phase] += count
        own[names[-1][0]] += count
        packages[names[-1][1]] += count
        for name in {name for name, _ in names}:
            inclusive[name] += count
    if not total:
        return "no samples"

    def table(title: str, counter: collections.Counter[str]) -> list[str]:
        lines = [title]
        for name, count in counter.most_common(top):
            lines.append(f"  {100 * count / total:5.1f}%  {name}")
        return lines

    out = [f"{total} samples (on-CPU only: py-spy leaves idle waits out)"]
    out += table("by phase (the deepest frame that tells):", phases)
    out += table("own time by package:", packages)
    out += table("own time by function:", own)
    # The outer frames (event loop, server, middleware) hold nearly everything: skip them.
    inner = collections.Counter({k: v for k, v in inclusive.items() if v < 0.85 * total})
    out += table("time including callees (frames under 85%):", inner)
    return "\n".join(out)


def _scenario(key: str) -> Scenario:
    """A bench scenario by key; `a` and `b` are the side-by-side queries, cold."""
    if key in "12345":
        return next(s for s in build_scenarios() if s.key == key)
    peer = next(s for s in peer_scenarios()[0] if s.key == key)
    return Scenario(peer.key, peer.title, peer.ours, {}, 0, False, _no_errors, [])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--scenario", default="5", choices=[*"12345", "a", "b"],
        help="a bench scenario, or a side-by-side query (a, b: run them with --latency 0)",
    )  # fmt: skip
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--latency", type=float, default=0.020)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--out", help="also keep py-spy's collapsed stacks here")
    args = p.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.path.exists(spy):
        raise SystemExit("py-spy not found: .venv/bin/pip install py-spy")
    wrk = shutil.which("wrk")
    scenario = _scenario(args.scenario)
    workdir = Path(tempfile.mkdtemp(prefix="gateway-profile-"))
    port = free_port()
    url = f"http://{HOST}:{port}"
    sandbox = start_sandboxes(port, args.latency, workdir)
    gateway = None
    try:
        sandbox.wait_ready(f"{url}/__bench/healthz")
        gateway = start_gateway(url, args.workers, not scenario.warm, workdir)
        count_calls(url, gateway.port, scenario)  # checks the answer (and warms)
        load_args = argparse.Namespace(wrk=wrk, concurrency=args.concurrency)
        run_load(load_args, gateway.port, scenario.body, workdir, 1.0)
        wait_idle(gateway, sandbox)
        workers = gateway.workers()
        raws = []
        spies = []
        for pid in workers:
            raw = workdir / f"spy-{pid}.txt"
            raws.append(raw)
            spies.append(
                subprocess.Popen(
                    [spy, "record", "--pid", str(pid), "--rate", str(args.rate), "--format",
                     "raw", "--output", str(raw), "--duration", str(round(args.seconds)),
                     "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        time.sleep(0.5)
        load = run_load(load_args, gateway.port, scenario.body, workdir, args.seconds)
        for spy_process in spies:
            try:
                spy_process.wait(args.seconds + 30)
            except subprocess.TimeoutExpired:
                spy_process.kill()
                spy_process.wait(5)
        merged = workdir / "stacks.txt"
        merged.write_text("".join(r.read_text() for r in raws if r.exists()))
        print(
            f"scenario {scenario.key} ({scenario.name}), {args.workers} worker(s), "
            f"concurrency {args.concurrency}: {load.rps:.0f} req/s, {load.bad} bad"
        )
        print(summarize(merged, args.top))
        if args.out:
            shutil.copy(merged, args.out)
    finally:
        if gateway is not None:
            gateway.stop()
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
