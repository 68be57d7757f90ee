"""Settings that were hard-coded reach what they size: the upstream connection pool
(`UPSTREAM_MAX_CONNECTIONS`) and the learned links each process keeps (`CACHE_MAX_LINKS`)."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.app import build_upstreams
from gateway.config import load_settings
from gateway.upstream.session import Answer, UpstreamSession
from tests.support.loopback import serve_loopback

REQUESTS = 4
REAL = {
    "FULLWHERE_API_KEY": "fw-key",
    "FULLWHERE_API_SECRET": "fw-secret",
    "MEWS_DISABLED": "true",
    "GATEWAY_ALLOW_ANONYMOUS": "true",
}


class ConcurrencyProbe:
    """An ASGI app that holds each request until `REQUESTS` have been in flight at once (or
    `hold` seconds pass), recording the most in flight and the client sockets seen."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.in_flight = 0
        self.most = 0
        self.peers: set[Any] = set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.peers.add(tuple(scope["client"]))
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(round(self.hold / 0.01)):
            if self.most >= REQUESTS:
                break
            await asyncio.sleep(0.01)
        self.in_flight -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def _get(session: UpstreamSession) -> Answer:
    return await session.send("GET", "/", content=None, params=None, headers={}, timeout=None)


async def _most_in_flight(env: dict[str, str], hold: float) -> int:
    probe = ConcurrencyProbe(hold)
    with serve_loopback(probe) as url:
        settings = load_settings({**REAL, "FULLWHERE_BASE_URL": url, **env})
        _, clients = build_upstreams(settings)
        (client,) = clients
        try:
            answers = await asyncio.gather(*(_get(client) for _ in range(REQUESTS)))
        finally:
            await client.aclose()
    assert all(answer.status_code == 200 for answer in answers)
    return probe.most


async def test_upstream_max_connections_bounds_the_calls_in_flight() -> None:
    assert await _most_in_flight({"UPSTREAM_MAX_CONNECTIONS": "2"}, hold=0.2) == 2


async def test_by_default_the_pool_lets_the_calls_run_together() -> None:
    assert await _most_in_flight({}, hold=10.0) == REQUESTS


def test_cache_max_links_bounds_the_links_kept_in_memory() -> None:
    async def learn(env: dict[str, str]) -> int:
        upstreams, clients = build_upstreams(load_settings(env))
        await upstreams.links.learn((f"mews-{n}", f"fw-{n}") for n in range(5))
        for client in clients:
            await client.aclose()
        return len(upstreams.links)

    assert asyncio.run(learn({"CACHE_MAX_LINKS": "3"})) == 3
    assert asyncio.run(learn({})) == 5


async def _connections_for_calls_one_by_one(env: dict[str, str]) -> int:
    probe = ConcurrencyProbe(hold=0)
    with serve_loopback(probe) as url:
        _, clients = build_upstreams(load_settings({**REAL, "FULLWHERE_BASE_URL": url, **env}))
        (client,) = clients
        try:
            for _ in range(3):
                assert (await _get(client)).status_code == 200
        finally:
            await client.aclose()
    return len(probe.peers)


async def test_upstream_max_keepalive_connections_zero_opens_one_connection_per_call() -> None:
    assert await _connections_for_calls_one_by_one({"UPSTREAM_MAX_KEEPALIVE_CONNECTIONS": "0"}) == 3
    assert await _connections_for_calls_one_by_one({}) == 1


async def _connections_for_two_bursts(env: dict[str, str]) -> int:
    """Connections opened for two bursts of `REQUESTS` calls at once, one after the other."""
    probe = ConcurrencyProbe(hold=10.0)
    with serve_loopback(probe) as url:
        _, clients = build_upstreams(load_settings({**REAL, "FULLWHERE_BASE_URL": url, **env}))
        (client,) = clients
        try:
            for _ in range(2):
                probe.most = 0
                answers = await asyncio.gather(*(_get(client) for _ in range(REQUESTS)))
                assert all(answer.status_code == 200 for answer in answers)
        finally:
            await client.aclose()
    return len(probe.peers)


async def test_upstream_max_keepalive_connections_caps_the_idle_connections_kept() -> None:
    # The first burst opens REQUESTS connections; one is kept, the second burst opens the rest.
    kept_one = {"UPSTREAM_MAX_KEEPALIVE_CONNECTIONS": "1"}
    assert await _connections_for_two_bursts(kept_one) == 2 * REQUESTS - 1
    assert await _connections_for_two_bursts({}) == REQUESTS
