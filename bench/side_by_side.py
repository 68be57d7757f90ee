"""Side by side with a peer (`./dev bench --peer mesh`): this gateway and GraphQL Mesh over
the same sandboxes, one process each, no cross-request cache on either, their answers checked
equal, then the load runs interleaved and the medians compared."""

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
                    load = run_load(args, service.port, body, log_dir, args.duration)
                    scenario.runs[name].append(load)
                    log(
                        f"round {round_ + 1}, scenario {scenario.key}, {name}: "
                        f"{load.rps:.0f} req/s, p50 {fmt(load.p50_ms)} ms, bad={load.bad}"
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
        "| query | this gateway | GraphQL Mesh | ratio |",
        "|---|---|---|---|",
    ]
    for s in scenarios:
        ours = _median([r.rps for r in s.runs["gateway"]])
        theirs = _median([r.rps for r in s.runs["mesh"]])
        p50 = {
            name: _median([r.p50_ms for r in runs if r.p50_ms is not None] or [0.0])
            for name, runs in s.runs.items()
        }
        ratio = ours / theirs if theirs else float("inf")
        lines.append(
            f"| ({s.key}) {s.title} | {ours:,.0f} req/s, p50 {p50['gateway']:.1f} ms "
            f"| {theirs:,.0f} req/s, p50 {p50['mesh']:.1f} ms | {ratio:.2f} |"
        )
    lines.append("")
    lines.append("Figures are the medians of the interleaved runs.")
    return "\n".join(lines)
