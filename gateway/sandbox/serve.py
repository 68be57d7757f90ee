"""Both sandboxes in a process of their own, for the benchmark: `python -m gateway.sandbox.serve`.

The benchmark and the cross-process tests run the gateway against this server over loopback,
so the gateway's CPU and memory figures are its own. By default it serves the demo's world,
the one `gateway serve` embeds (every id the docs name); `--fullwhere-count` and
`--mews-count` add records to it (the benchmark asks for 1200 Mews guests, so a page of 1000
exists). Every upstream call can wait an added latency:

- `/fullwhere/...`: the Fullwhere Partner API sandbox (`X-API-KEY: demo-key`, `demo-secret`);
- `/mews/...`: the Mews Connector API sandbox (the public Mews demo tokens), its rate limit
  lifted so load runs measure the gateway, not the limiter (`--mews-rate-limit` puts one on);
- `GET /__bench/calls`: upstream calls so far, `{"fullwhere:get": 1, ...}`;
- `GET /__bench/mews-arrivals`: when each Mews call arrived (seconds on this server's
  monotonic clock, the last 10 000), to check a rate limit as the upstream counts it;
- `POST /__bench/reset`: set the counters to zero (and forget the arrivals);
- `GET /__bench/healthz`: `{"status": "ok"}` once serving;
- `POST /mews/front-desk/customers[/{id}]`: a guest added or changed in Mews itself; with
  `--webhook-url`, the Mews sandbox sends its General Webhooks there.

The `/__bench` routes exist only here, never on the gateway. It binds to loopback by default.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from collections.abc import Sequence

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.webhooks import WebhookSender
from gateway.sandbox.world import (
    DEFAULT_FULLWHERE_COUNT,
    DEFAULT_MEWS_COUNT,
    DEFAULT_SEED,
    GROUP_PORTFOLIO_TOKEN,
    GROUP_PROPERTY_TOKENS,
    PORTFOLIO_CHAIN_IDS,
    grown_world,
)
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN

#: Mews guests the benchmark asks for: enough for one `getAll` page of 1000 active guests.
BENCH_MEWS_COUNT = 1200
#: The Mews limit when none is asked for: none that a load run could reach.
UNLIMITED = 10**9
#: Arrival times kept for `/__bench/mews-arrivals`.
MAX_ARRIVALS = 10_000


class ArrivalLog:
    """Pure ASGI middleware: note when each HTTP request arrives, before anything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.times: deque[float] = deque(maxlen=MAX_ARRIVALS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.times.append(time.monotonic())
        await self.app(scope, receive, send)


def bench_sandboxes(
    *,
    latency: float = 0.0,
    seed: int = DEFAULT_SEED,
    fullwhere_count: int = DEFAULT_FULLWHERE_COUNT,
    mews_count: int = DEFAULT_MEWS_COUNT,
    mews_rate_limit: int = 0,
    mews_rate_window: float = 30.0,
    group: bool = False,
) -> Sandboxes:
    """The demo world's sandboxes (grown to these sizes), with `latency` seconds added to every
    call and no Mews rate limit (or `mews_rate_limit` calls per `mews_rate_window` seconds
    when above 0). `group`: Mews as the demo's hotel group (its tokens: `group_token_env`), else
    one property token over every guest."""
    world = grown_world(seed, fullwhere_count=fullwhere_count, mews_count=mews_count)
    # A window of one second keeps the limiter's memory small under load.
    limit = (
        {"rate_limit": mews_rate_limit, "rate_window": mews_rate_window}
        if mews_rate_limit > 0
        else {"rate_limit": 10**9, "rate_window": 1.0}
    )
    make = Sandboxes.group if group else Sandboxes.from_world
    return make(world, latency=latency, **limit)


def upstream_env(url: str) -> dict[str, str]:
    """The gateway's settings (production mode) for this server at `url` as both upstreams."""
    return {
        "FULLWHERE_BASE_URL": f"{url}/fullwhere",
        "FULLWHERE_API_KEY": "demo-key",
        "FULLWHERE_API_SECRET": "demo-secret",
        "MEWS_BASE_URL": f"{url}/mews",
        "MEWS_CLIENT_TOKEN": DEMO_CLIENT_TOKEN,
        "MEWS_ACCESS_TOKEN": DEMO_ACCESS_TOKEN,
    }


def group_token_env() -> dict[str, str]:
    """The Mews token settings for a server started with `--group`: the demo group's."""
    tokens = ",".join(f"{name}={token}" for name, token in GROUP_PROPERTY_TOKENS.items())
    return {
        "MEWS_ACCESS_TOKEN": GROUP_PORTFOLIO_TOKEN,
        "MEWS_CHAIN_IDS": ",".join(PORTFOLIO_CHAIN_IDS),
        "MEWS_ACCESS_TOKENS": tokens,
    }


def _json(data: object) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


def create_bench_app(sandboxes: Sandboxes) -> Starlette:
    """Both sandboxes mounted side by side, plus the `/__bench` counters."""
    controls = {"fullwhere": sandboxes.fullwhere.control, "mews": sandboxes.mews.control}
    mews = ArrivalLog(sandboxes.mews.app)

    async def calls(request: Request) -> Response:
        return _json(
            {
                f"{name}:{operation}": count
                for name, control in controls.items()
                for operation, count in sorted(control.calls.items())
                if count
            }
        )

    async def reset(request: Request) -> Response:
        for control in controls.values():
            control.reset_calls()
        mews.times.clear()
        return _json({"status": "reset"})

    async def mews_arrivals(request: Request) -> Response:
        return _json(list(mews.times))

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    return Starlette(
        routes=[
            Route("/__bench/calls", calls, methods=["GET"]),
            Route("/__bench/reset", reset, methods=["POST"]),
            Route("/__bench/healthz", healthz, methods=["GET"]),
            Route("/__bench/mews-arrivals", mews_arrivals, methods=["GET"]),
            Mount("/fullwhere", app=sandboxes.fullwhere.app),
            Mount("/mews", app=mews),
        ]
    )


ROUTES = """\
routes:
  /fullwhere/...      the Fullwhere Partner API (X-API-KEY: demo-key, X-API-SECRET: demo-secret)
  /mews/...           the Mews Connector API (the public Mews demo tokens)
  /__bench/healthz    {"status": "ok"} once serving
  /__bench/calls      upstream calls so far; POST /__bench/reset sets them to zero
  /__bench/mews-arrivals  when each Mews call arrived
"""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m gateway.sandbox.serve",
        description="Serve both sandboxes (and call counters) for the benchmark and tests.",
        epilog=ROUTES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument("--host", default="127.0.0.1", help="default %(default)s")
    root.add_argument("--port", type=int, default=8100, help="default %(default)s")
    root.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every upstream call"
    )
    root.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    root.add_argument(
        "--fullwhere-count",
        type=int,
        default=DEFAULT_FULLWHERE_COUNT,
        help="default %(default)s, the demo's; more adds records to the demo world",
    )
    root.add_argument(
        "--mews-count",
        type=int,
        default=DEFAULT_MEWS_COUNT,
        help="default %(default)s, the demo's; more adds records to the demo world",
    )
    root.add_argument(
        "--mews-rate-limit",
        type=int,
        default=0,
        help="Mews calls allowed per AccessToken per window (default 0: no limit)",
    )
    root.add_argument("--mews-rate-window", type=float, default=30.0, help="seconds (default 30)")
    root.add_argument(
        "--webhook-url",
        help="send Mews General Webhooks here when guests change (the gateway's "
        "/webhooks/mews/<secret>)",
    )
    root.add_argument(
        "--group",
        action="store_true",
        help="Mews as the demo's hotel group: a portfolio token over two chains and the "
        "property tokens paris and lyon (default: one token over every guest)",
    )
    root.add_argument("--log-level", default="warning", help="uvicorn's; default %(default)s")
    return root


def started(args: argparse.Namespace) -> str:
    """The line printed at start: where each sandbox is and what its world holds."""
    host, port = args.host, args.port
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    return (
        f"sandboxes at {base}: Fullwhere at {base}/fullwhere ({args.fullwhere_count} "
        f"customers), Mews at {base}/mews ({args.mews_count} guests), seed {args.seed}; "
        f"call counters at {base}/__bench/calls\n"
    )


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    args = parser().parse_args(argv)
    if args.latency < 0 or args.mews_rate_limit < 0 or args.mews_rate_window <= 0:
        raise SystemExit("--latency and --mews-rate-limit must not be negative, nor the window 0")
    sandboxes = bench_sandboxes(
        latency=args.latency,
        seed=args.seed,
        fullwhere_count=args.fullwhere_count,
        mews_count=args.mews_count,
        mews_rate_limit=args.mews_rate_limit,
        mews_rate_window=args.mews_rate_window,
        group=args.group,
    )
    sys.stderr.write(started(args))
    sys.stderr.flush()
    if args.webhook_url:
        WebhookSender(args.webhook_url).attach(sandboxes.mews)
    uvicorn.run(
        create_bench_app(sandboxes),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
