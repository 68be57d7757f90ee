"""The gateway behind a real router: its subgraph SDL (read from `_service`) composes with a
second subgraph ("stays", whose `Stay.customer` points at `Customer` by id) through The
Guild's composition library, Hive Gateway serves the supergraph, and a query across both
subgraphs answers what the gateway answers directly.

Hive Gateway forwards the client's `Authorization` (the gateway's API key) and `traceparent`
to the subgraphs (router/gateway.config.mjs): the gateway refuses the router without the key,
and its spans continue the client's trace. The pinned packages
(tests/federation/router/package-lock.json) are installed on first use.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs, mews_only
from tests.federation.stays import Booked, stays_app
from tests.support.loopback import serve_loopback

ROUTER_DIR = Path(__file__).with_name("router")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node not installed (apt-get install nodejs npm; .ci/run does it)"
)

API_KEY = "router-key-5f0c9a7e3b1d4e2a"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
CUSTOMER_FIELDS = "id displayName mews { firstName }"
STAYS = f"{{ stays {{ id room customer {{ {CUSTOMER_FIELDS} }} }} }}"
NODES = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Customer {{ {CUSTOMER_FIELDS} }} }} }}"


@pytest.fixture(scope="module")
def router_dir() -> Path:
    """The router folder, with its pinned packages installed from the lockfile when missing."""
    if not (ROUTER_DIR / "node_modules" / "@graphql-hive" / "gateway" / "package.json").is_file():
        npm = shutil.which("npm")
        assert npm is not None, "npm is needed once to install the router's packages"
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=ROUTER_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return ROUTER_DIR


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _compose(router: Path, subgraphs: dict[str, str]) -> str:
    assert NODE is not None
    done = subprocess.run(
        [NODE, "compose.mjs", *(f"{name}={url}" for name, url in subgraphs.items())],
        cwd=router,
        env={"PATH": str(Path(NODE).parent), "SUBGRAPH_AUTHORIZATION": f"Bearer {API_KEY}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"composition failed:\n{done.stderr}"
    return done.stdout


@pytest.fixture
def booked(world: World) -> list[Booked]:
    """Stays of linked customers by their Fullwhere ids, and of a guest only Mews knows."""
    linked = [fw for fw, guest in linked_pairs(world) if guest.get("FirstName")][:4]
    stays = [Booked(f"s{i}", f"10{i}", f"fullwhere:{fw['id']}") for i, fw in enumerate(linked)]
    return [*stays, Booked("s9", "109", f"mews:{mews_only(world)[0]['Id']}")]


@pytest.fixture
def tracing() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """A tracer provider for the gateway, and the exporter that catches its spans."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def _wait_ready(url: str, process: subprocess.Popen[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"Hive Gateway exited:\n{process.communicate()[1]}"
        try:
            if httpx.get(f"{url}/readiness", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("Hive Gateway did not become ready")


def _hive_gateway(router: Path, supergraph: Path) -> Iterator[str]:
    port = _free_port()
    command = [
        str(router / "node_modules" / ".bin" / "hive-gateway"),
        "supergraph",
        str(supergraph),
        "--config-path",
        str(router / "gateway.config.mjs"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--disable-websockets",
    ]
    assert NODE is not None
    process = subprocess.Popen(
        command,
        cwd=router,
        env={"PATH": str(Path(NODE).parent), "NODE_ENV": "production"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _post(url: str, query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
    response = httpx.post(
        url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {API_KEY}", **headers},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_query_across_both_subgraphs_through_hive_gateway(
    router_dir: Path,
    sandboxes: Sandboxes,
    booked: list[Booked],
    tracing: tuple[TracerProvider, InMemorySpanExporter],
    tmp_path: Path,
) -> None:
    settings = load_settings({"GATEWAY_FEDERATION": "true", "GATEWAY_API_KEYS": API_KEY}, demo=True)
    provider, exporter = tracing
    app = create_app(settings, sandboxes=sandboxes, tracer_provider=provider)
    with serve_loopback(app) as gateway, serve_loopback(stays_app(booked)) as stays:
        subgraphs = {"customers": f"{gateway}/graphql", "stays": f"{stays}/graphql"}
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(_compose(router_dir, subgraphs))
        assert 'join__type(graph: CUSTOMERS, key: "id")' in supergraph.read_text()

        ids = [b.customer_id for b in booked]
        direct = _post(f"{gateway}/graphql", NODES, {"ids": ids})
        for router in _hive_gateway(router_dir, supergraph):
            routed = _post(f"{router}/graphql", STAYS, traceparent=TRACEPARENT)
            refused = httpx.post(f"{router}/graphql", json={"query": STAYS}, timeout=30).json()

    assert "errors" not in direct and "errors" not in routed, (direct, routed)
    assert routed["data"]["stays"] == [
        {"id": b.id, "room": b.room, "customer": customer}
        for b, customer in zip(booked, direct["data"]["nodes"], strict=True)
    ]
    assert all(node["mews"]["firstName"] for node in direct["data"]["nodes"])
    # Without the key the gateway refuses the router's fetch: the stays come back with
    # their customers' ids only, and the gateway's reason.
    assert [s["customer"] for s in refused["data"]["stays"]] == [
        {"id": b.customer_id, "displayName": None, "mews": None} for b in booked
    ]
    assert any("authentication required" in e["message"] for e in refused["errors"])
    # The gateway's spans of the routed fetch continue the client's trace.
    operations = [s for s in exporter.get_finished_spans() if s.name.startswith("query")]
    assert any(format(s.context.trace_id, "032x") == TRACE_ID for s in operations)
