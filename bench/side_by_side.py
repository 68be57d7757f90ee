"""Side by side with a peer (`./dev bench --peer mesh`): this gateway and GraphQL Mesh over
the same sandboxes, one process each, no cross-request cache on either, their answers checked
equal, then the load runs interleaved and compared.

The headline is CPU milliseconds per request, each server's whole process tree over its load
runs: on a machine that the gateway, the peer, the sandboxes and the load tool share, the CPU
a request costs moves far less with the rest of the machine's work than throughput does."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load import LoadResult, run_load
from peers import mesh
from processes import (
    HOST,
    REQUEST_TIMEOUT,
    CpuWatch,
    Service,
    free_port,
    http_post,
    log,
    start_gateway,
    wait_idle,
)
from report import fmt
from scenarios import bench_world, graphql_body

from gateway.sandbox.world import linked_pairs


@dataclass
class PeerScenario:
    key: str
    title: str
    ours: bytes
    theirs: bytes
    runs: dict[str, list[LoadResult]] = field(default_factory=lambda: {"gateway": [], "mesh": []})


def peer_scenarios() -> tuple[list[PeerScenario], list[dict[str, Any]]]:
    """The two side-by-side queries, and the Fullwhere records of the page they read."""
    world = bench_world()
    single = next(fw for fw, _ in linked_pairs(world) if fw.get("mewsId"))
    one = [
        PeerScenario(
            "a",
            "one customer, fullwhere { firstName email } mews { firstName email }",
            graphql_body(mesh.ONE_CUSTOMER_GATEWAY, {"id": f"fullwhere:{single['id']}"}),
            graphql_body(mesh.ONE_CUSTOMER_MESH, {"id": single["id"]}),
        ),
        PeerScenario(
            "b",
            "customers(first: 100): id, fullwhere { firstName }, mews { firstName }",
            graphql_body(mesh.PAGE_GATEWAY),
            graphql_body(mesh.PAGE_MESH),
        ),
    ]
    return one, world.fullwhere_customers[:100]


def _answer(port: int, body: bytes) -> dict[str, Any]:
    status, raw = http_post(f"http://{HOST}:{port}/graphql", body, timeout=REQUEST_TIMEOUT)
    answer: dict[str, Any] = json.loads(raw)
    if status != 200 or answer.get("errors"):
        raise RuntimeError(f"HTTP {status}: {raw[:500]!r}")
    return answer


def check_peer_answers(
    scenarios: list[PeerScenario], page: list[dict[str, Any]], ours: int, theirs: int
) -> str:
    """Both gateways answer the same data; returns a line saying how far that was checked.

    Raises:
        RuntimeError: an answer has errors, or the data differs beyond the known difference.
    """
    one, many = scenarios
    mine = _answer(ours, one.ours)["data"]["customer"]
    other = _answer(theirs, one.theirs)["data"]["fullwhereCustomer"]
    if (mine["fullwhere"]["firstName"], mine["fullwhere"]["email"]) != (
        other["firstName"],
        other["email"],
    ) or (mine["mews"]["firstName"], mine["mews"]["email"]) != (
        other["mews"]["FirstName"],
        other["mews"]["Email"],
    ):
        raise RuntimeError(f"scenario a answers differ: {mine!r} vs {other!r}")
    equal, metadata_only, differences = mesh.same_data(
        _answer(ours, many.ours), _answer(theirs, many.theirs), page
    )
    if differences:
        raise RuntimeError("scenario b answers differ:\n" + "\n".join(differences[:5]))
    return (
        f"same data: scenario a, and {equal} of {equal + metadata_only} customers in scenario b "
        f"({metadata_only} linked only through metadata.mews.customer.Id, which Mesh's "
        "declarative join cannot follow, come back without their Mews profile from Mesh)"
    )


def run_peer(
    args: argparse.Namespace,
    info: dict[str, Any],
    sandbox: Service,
    sandbox_url: str,
    log_dir: Path,
    started: str,
    tool: str,
) -> int:
    """This gateway and the peer over the same sandboxes, one process each, no cross-request
    cache on either, the runs interleaved (gateway, peer, gateway, peer, ...)."""
    try:
        install = mesh.install(log)
    except mesh.PeerUnavailable as exc:
        log(f"peer run skipped: {exc}")
        return 0
    supergraph = mesh.compose(install, sandbox_url, log_dir)
    scenarios, page = peer_scenarios()
    gateway = start_gateway(sandbox_url, 1, True, log_dir)
    port = free_port()
    peer = Service(
        "mesh",
        mesh.serve_argv(install, supergraph, HOST, port),
        {**os.environ, "NODE_ENV": "production"},
        log_dir,
        port,
    )
    try:
        peer.wait_ready(f"http://{HOST}:{port}/healthcheck", timeout=120.0)
        log(f"gateway on port {gateway.port}, GraphQL Mesh (Hive Gateway) on port {port}")
        checked = check_peer_answers(scenarios, page, gateway.port, port)
        log(checked)
        sides = {"gateway": gateway, "mesh": peer}
        for round_ in range(args.rounds):
            for scenario in scenarios:
                for name, service in sides.items():
                    body = scenario.ours if name == "gateway" else scenario.theirs
                    run_load(args, service.port, body, log_dir, 1.0)  # warm the JIT and pools
                    wait_idle(gateway, peer, sandbox)
                    with CpuWatch(service, sandbox).phase() as cpu:
                        load = run_load(args, service.port, body, log_dir, args.duration)
                    load.gateway_cpu_s, load.sandbox_cpu_s = cpu.gateway_s, cpu.sandbox_s
                    load.tool_cpu_s, load.other_cpu_s = cpu.tool_s, cpu.other_s
                    scenario.runs[name].append(load)
                    log(
                        f"round {round_ + 1}, scenario {scenario.key}, {name}: "
                        f"{load.rps:.0f} req/s, p50 {fmt(load.p50_ms)} ms, "
                        f"CPU {fmt(cpu_ms_per_request([load]), 2)} ms/req, "
                        f"other CPU {cpu.pct(cpu.other_s):.0f}%, bad={load.bad}"
                    )
    finally:
        peer.stop()
        gateway.stop()
    print(render_peer(args, info, scenarios, started, tool, checked))
    return 1 if any(run.bad for s in scenarios for runs in s.runs.values() for run in runs) else 0


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def cpu_ms_per_request(runs: list[LoadResult]) -> float:
    """The server's CPU (every process of it) per request over `runs`: the CPU of all the
    rounds over all their requests, so a short round weighs what it served."""
    requests = sum(run.requests for run in runs)
    return 1000 * sum(run.gateway_cpu_s for run in runs) / requests if requests else 0.0


def cpu_ratios(scenario: PeerScenario) -> list[float]:
    """Mesh's CPU per request over this gateway's, round by round (the spread)."""
    return [
        cpu_ms_per_request([theirs]) / mine
        for ours, theirs in zip(scenario.runs["gateway"], scenario.runs["mesh"], strict=True)
        if (mine := cpu_ms_per_request([ours]))
    ]


def render_peer(
    args: argparse.Namespace,
    info: dict[str, Any],
    scenarios: list[PeerScenario],
    started: str,
    tool: str,
    checked: str,
) -> str:
    lines = [
        f"# Side by side with GraphQL Mesh ({started})",
        "",
        f"Machine: {info['cpu_model']}, {info['cpus_usable']} usable cores; load tool: {tool}, "
        f"c={args.concurrency}, {args.rounds} interleaved runs of {args.duration:g} s per side; "
        f"upstream latency {args.latency * 1000:g} ms; one process each, no cross-request cache.",
        f"Mesh: {checked}.",
        "",
        "CPU per request: every process of each server over its load runs, all rounds' CPU over "
        "all their requests; the ratio is Mesh's over this gateway's (its range over the rounds "
        "in brackets). req/s and p50 are the medians of the rounds.",
        "",
        "| query | this gateway | GraphQL Mesh | CPU ratio | req/s ratio |",
        "|---|---|---|---|---|",
    ]
    for s in scenarios:
        ours = _median([r.rps for r in s.runs["gateway"]])
        theirs = _median([r.rps for r in s.runs["mesh"]])
        p50 = {
            name: _median([r.p50_ms for r in runs if r.p50_ms is not None] or [0.0])
            for name, runs in s.runs.items()
        }
        cpu = {name: cpu_ms_per_request(runs) for name, runs in s.runs.items()}
        ratios = cpu_ratios(s) or [0.0]
        cpu_ratio = cpu["mesh"] / cpu["gateway"] if cpu["gateway"] else float("inf")
        ratio = ours / theirs if theirs else float("inf")
        lines.append(
            f"| ({s.key}) {s.title} | **{cpu['gateway']:.2f} ms CPU/req**, {ours:,.0f} req/s, "
            f"p50 {p50['gateway']:.1f} ms | **{cpu['mesh']:.2f} ms CPU/req**, {theirs:,.0f} "
            f"req/s, p50 {p50['mesh']:.1f} ms | **{cpu_ratio:.2f}** ({min(ratios):.2f} to "
            f"{max(ratios):.2f}) | {ratio:.2f} |"
        )
    other = [
        100 * r.other_cpu_s / r.seconds for s in scenarios for rs in s.runs.values() for r in rs
    ]
    lines.append("")
    lines.append(
        f"Other processes on the machine took {_median(other or [0.0]):.0f}% of one core "
        f"(median over the runs; {max(other or [0.0]):.0f}% at most)."
    )
    return "\n".join(lines)
