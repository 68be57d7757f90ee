"""`/healthz` and `/readyz`: liveness, per-upstream readiness, 503 when an upstream is down,
and the demo mode's marks (the body's `mode`/`notice` and the `x-gateway-mode` header)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from gateway.upstream.mews import DEMO_ACCESS_TOKEN as DEMO_MEWS_ACCESS_TOKEN
from gateway.upstream.mews import DEMO_CLIENT_TOKEN as DEMO_MEWS_CLIENT_TOKEN
from tests.conftest import Gateway, gateway_http
from tests.support.loopback import serve_loopback


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _real_env(**extra: str) -> dict[str, str]:
    """Production mode, no retries (so a dead upstream is reported at once)."""
    return {
        "GATEWAY_ALLOW_ANONYMOUS": "true",
        "UPSTREAM_RETRIES": "0",
        **extra,
    }


async def _client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    # The lifespan closes the upstream sessions.
    async with app.router.lifespan_context(app), gateway_http(app) as http:
        yield http


async def test_healthz_says_the_process_is_alive_without_calling_upstreams(
    gateway: Gateway,
) -> None:
    response = await gateway.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "mode": "demo"}
    assert response.headers["cache-control"] == "no-store"
    assert gateway.calls() == {}


async def test_demo_readyz_reports_each_upstream_and_the_mode(gateway: Gateway) -> None:
    response = await gateway.http.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["mode"] == "demo"
    assert "DEMO MODE" in body["notice"]
    assert body["upstreams"] == {"fullwhere": {"status": "ok"}, "mews": {"status": "ok"}}


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/graphql"])
async def test_every_demo_response_carries_the_demo_header(gateway: Gateway, path: str) -> None:
    if path == "/graphql":
        response = await gateway.http.post(path, json={"query": "{ __typename }"})
    else:
        response = await gateway.http.get(path)
    assert response.headers["x-gateway-mode"] == "demo"


async def test_readyz_probes_once_per_round_and_reuses_the_report(gateway: Gateway) -> None:
    now = [100.0]
    gateway.app.state.readiness.clock = lambda: now[0]

    for _ in range(3):
        assert (await gateway.http.get("/readyz")).status_code == 200
    assert gateway.calls() == {"fullwhere:list": 1, "mews:customers/getAll": 1}

    now[0] += gateway.app.state.readiness.ttl
    await gateway.http.get("/readyz")
    assert gateway.calls() == {"fullwhere:list": 2, "mews:customers/getAll": 2}


async def test_readyz_is_503_naming_the_failing_upstream(gateway: Gateway) -> None:
    gateway.sandboxes.mews.control.fail_next("customers/getAll", times=10, status=503)
    response = await gateway.http.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["upstreams"]["fullwhere"] == {"status": "ok"}
    mews = body["upstreams"]["mews"]
    assert mews["status"] == "unavailable"
    assert mews["code"].startswith("UPSTREAM_")


async def test_readyz_reports_a_hanging_upstream_as_timed_out(gateway: Gateway) -> None:
    gateway.app.state.readiness.timeout = 0.2
    gateway.sandboxes.fullwhere.control.fail_next("list", kind="hang", hang_seconds=2)
    response = await gateway.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["upstreams"]["fullwhere"]["code"] == "UPSTREAM_TIMEOUT"


async def test_production_readyz_is_503_when_an_upstream_port_is_closed(
    sandboxes: Sandboxes,
) -> None:
    """Real mode, over real sockets: Fullwhere points at a closed loopback port, Mews at a
    live sandbox on loopback."""
    with serve_loopback(sandboxes.mews.app) as mews_url:
        env = _real_env(
            FULLWHERE_API_KEY="health-test-key",
            FULLWHERE_API_SECRET="health-test-secret",
            FULLWHERE_BASE_URL=f"http://127.0.0.1:{_closed_port()}",
            MEWS_CLIENT_TOKEN=DEMO_MEWS_CLIENT_TOKEN,
            MEWS_ACCESS_TOKEN=DEMO_MEWS_ACCESS_TOKEN,
            MEWS_BASE_URL=mews_url,
        )
        app = create_app(load_settings(env))
        async for http in _client(app):
            response = await http.get("/readyz")
            health = await http.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["mode"] == "production"
    assert "notice" not in body
    assert body["upstreams"]["mews"] == {"status": "ok"}
    fullwhere = body["upstreams"]["fullwhere"]
    assert fullwhere["status"] == "unavailable"
    assert fullwhere["code"] == "UPSTREAM_UNAVAILABLE"
    assert "health-test-secret" not in response.text
    assert "x-gateway-mode" not in response.headers
    assert health.status_code == 200  # alive, though not ready
    assert health.json() == {"status": "ok", "mode": "production"}


async def test_production_readyz_reports_a_disabled_upstream_and_stays_ready(
    sandboxes: Sandboxes,
) -> None:
    with serve_loopback(sandboxes.fullwhere.app) as fullwhere_url:
        env = _real_env(
            FULLWHERE_API_KEY="demo-key",
            FULLWHERE_API_SECRET="demo-secret",
            FULLWHERE_BASE_URL=fullwhere_url,
            MEWS_DISABLED="true",
        )
        app = create_app(load_settings(env))
        async for http in _client(app):
            response = await http.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["upstreams"] == {
        "fullwhere": {"status": "ok"},
        "mews": {"status": "disabled"},
    }


async def test_readyz_probe_is_valid_under_the_strictest_reading_of_the_mews_docs(
    gateway: Gateway,
) -> None:
    # "CustomerIds: required if no other filter is provided", read as "always".
    gateway.sandboxes.mews.require_customer_ids = True
    response = await gateway.http.get("/readyz")
    assert response.json()["upstreams"]["mews"] == {"status": "ok"}
    assert response.status_code == 200
    assert gateway.calls()["mews:customers/getAll"] == 1
