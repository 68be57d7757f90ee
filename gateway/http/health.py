"""`/healthz` (the process answers) and `/readyz` (configured, and every enabled upstream
answers), for load balancers, orchestrators and people.

`/readyz` makes the cheapest read each API has, both upstreams at once, each bounded in time.
With shared state it also probes Redis as the gateway uses it (a script call and a multi-key
read on its own keys): a Redis that cannot be reached makes the report `degraded` (still 200,
so that a Redis outage does not take every replica out of the load balancer while reads go
on) and names it under `shared`; a Redis set up wrong (permission, TLS, credentials, a
Cluster node behind a plain URL or the reverse) makes it `unavailable`, with the cause.
Its report is kept for a few seconds and concurrent probes share one round: /readyz needs no
credentials, so a flood of it must not spend the upstreams' rate limits (Mews allows 200
calls per AccessToken per 30 s).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway import __version__
from gateway.errors import GatewayError
from gateway.http.responses import json_response
from gateway.upstream.errors import UpstreamError

logger = logging.getLogger("gateway.health")

PROBE_TIMEOUT_SECONDS = 5.0
REPORT_TTL_SECONDS = 3.0
DEMO_NOTICE = "DEMO MODE: simulated upstreams with generated data, not real customers"

#: One upstream's probe: any answer is fine; an exception (or no answer in time) is not.
Probe = Callable[[], Awaitable[object]]
#: A section shown in the report that does not decide readiness (the identity sync).
Section = Callable[[], Awaitable[dict[str, Any]]]


class Readiness:
    """Probes the upstreams (None = disabled) and reports, cached for `ttl` seconds."""

    def __init__(
        self,
        probes: Mapping[str, Probe | None],
        *,
        demo: bool,
        sections: Mapping[str, Section] | None = None,
        shared: Mapping[str, Probe] | None = None,
        timeout: float = PROBE_TIMEOUT_SECONDS,
        ttl: float = REPORT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probes = dict(probes)
        #: Shared state (Redis): reported, and `degraded` when failing, never `unavailable`.
        self.shared = dict(shared or {})
        self.demo = demo
        self.sections = dict(sections or {})
        self.timeout = timeout
        self.ttl = ttl
        self.clock = clock
        self._report: dict[str, Any] | None = None
        self._taken_at = 0.0
        self._lock: asyncio.Lock | None = None

    async def report(self) -> dict[str, Any]:
        """`{"status": "ready"|"unavailable", "mode", "version", "upstreams": {...}}`."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one round at a time; waiters take its report
            if self._report is None or self.clock() - self._taken_at >= self.ttl:
                self._report = await self._probe_all()
                self._taken_at = self.clock()
            return self._report

    async def _probe_all(self) -> dict[str, Any]:
        names = list(self.probes)
        shared_names = list(self.shared)
        results = await asyncio.gather(
            *(self._probe(name, self.probes[name]) for name in names),
            *(self._probe(name, self.shared[name]) for name in shared_names),
        )
        upstreams = dict(zip(names, results[: len(names)], strict=True))
        shared = dict(zip(shared_names, results[len(names) :], strict=True))
        ready = all(result["status"] in ("ok", "disabled") for result in upstreams.values())
        # Redis down degrades; Redis set up wrong (ACL, TLS, cluster mode) is not ready.
        ready = ready and not any(result.get("misconfigured") for result in shared.values())
        status = "ready" if ready else "unavailable"
        if ready and any(result["status"] != "ok" for result in shared.values()):
            status = "degraded"
        report: dict[str, Any] = {
            "status": status,
            "mode": "demo" if self.demo else "production",
            "version": __version__,
            "upstreams": upstreams,
        }
        for name, section in self.sections.items():
            report[name] = await section()
        if shared:
            report["shared"] = shared
        if self.demo:
            report["notice"] = DEMO_NOTICE
        return report

    async def _probe(self, name: str, probe: Probe | None) -> dict[str, Any]:
        if probe is None:
            return {"status": "disabled"}
        try:
            await asyncio.wait_for(probe(), timeout=self.timeout)
        except (UpstreamError, GatewayError) as exc:
            # /readyz is anonymous: the code and status only; the upstream's words go to the log.
            logger.warning("readiness probe of %s failed: %s", name, exc)
            report: dict[str, Any] = {"status": "unavailable", "code": exc.code}
            if cause := getattr(exc, "cause", None):  # the shared store says why
                report["cause"] = cause
                report["message"] = getattr(exc, "hint", None)
            if getattr(exc, "misconfigured", False):  # a setting to fix, not an outage
                report["misconfigured"] = True
            status = getattr(exc, "status", None)
            if status is not None:
                report["upstreamStatus"] = status
            return report
        except TimeoutError:
            return {
                "status": "unavailable",
                "code": "UPSTREAM_TIMEOUT",
                "message": f"no answer in {self.timeout:g} s",
            }
        except Exception as exc:
            # A bug, not an outage: the log has the trace, the body only the kind.
            logger.exception("readiness probe of %s failed", name)
            return {
                "status": "unavailable",
                "code": "INTERNAL_SERVER_ERROR",
                "message": type(exc).__name__,
            }
        return {"status": "ok"}


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return json_response(body, status, headers={"cache-control": "no-store"})


def health_routes(readiness: Readiness) -> list[BaseRoute]:
    mode = "demo" if readiness.demo else "production"

    async def healthz(request: Request) -> Response:
        # Liveness only: never touches an upstream, so an outage does not restart us.
        return _json({"status": "ok", "mode": mode})

    async def readyz(request: Request) -> Response:
        report = await readiness.report()
        return _json(report, 503 if report["status"] == "unavailable" else 200)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
