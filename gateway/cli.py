"""`gateway` command line: `serve`, `export-schema`, `fetch-graphiql`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from gateway import __version__
from gateway.config import (
    ConfigError,
    Settings,
    load_settings,
)
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _settings() -> Settings:
    return load_settings(os.environ)


def app_factory() -> object:
    """Entry point for uvicorn workers: each builds its app from the environment."""
    from gateway.app import create_app
    from gateway.logs import configure_logging

    settings = _settings()
    configure_logging(os.environ.get("GATEWAY_LOG_LEVEL", "info"), settings.telemetry.log_format)
    return create_app(settings)


def _upstreams(settings: Settings) -> str:
    where = {"Fullwhere": settings.fullwhere, "Mews": settings.mews}
    if settings.demo:
        return ", ".join(
            f"{name} sandbox" if cfg is not None else f"{name} disabled"
            for name, cfg in where.items()
        )
    return ", ".join(
        f"{name} at {cfg.base_url}" if cfg is not None else f"{name} disabled"
        for name, cfg in where.items()
    )


def banner(settings: Settings, host: str, port: int, workers: int = 1) -> str:
    """What `serve` prints first: the mode, unmistakably, and where everything is."""
    shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1") else host
    if ":" in shown:
        shown = f"[{shown}]"
    base = f"http://{shown}:{port}"
    if not settings.demo:
        keys = len(settings.api_keys)
        auth = (
            f"clients send Authorization: Bearer <key> ({keys} key{'s' if keys != 1 else ''})"
            if keys
            else "no client authentication (GATEWAY_ALLOW_ANONYMOUS)"
        )
        return (
            f"customer-gateway {__version__}: GraphQL at {base}/graphql"
            f" ({_upstreams(settings)}; {auth}); health at {base}/healthz, {base}/readyz\n"
        )
    line = "=" * 78
    per_worker = (
        f"\n  {workers} workers: each has its own sandboxes, so a write shows only in the\n"
        "  worker that made it. Use one worker to try mutations."
        if workers > 1
        else ""
    )
    return f"""{line}
  DEMO MODE - simulated Fullwhere and Mews with generated customers. No real data.
  Set FULLWHERE_API_KEY/FULLWHERE_API_SECRET and MEWS_CLIENT_TOKEN/MEWS_ACCESS_TOKEN
  to use the real APIs. Responses carry `x-gateway-mode: demo`.{per_worker}
  Upstreams: {_upstreams(settings)} (in-process)
{line}
  GraphiQL:        {base}/graphql   (open in a browser)
  Health:          {base}/healthz   {base}/readyz
  Fullwhere sandbox: {base}/sandbox/fullwhere/partners/customer/list
                     headers X-API-KEY: demo-key, X-API-SECRET: demo-secret
  Mews sandbox:      {base}/sandbox/mews/api/connector/v1/customers/getAll
                     body ClientToken/AccessToken: the public Mews demo tokens
                     ClientToken {DEMO_CLIENT_TOKEN}
                     AccessToken {DEMO_ACCESS_TOKEN}
  Try:
    curl -s {base}/graphql -H 'content-type: application/json' \\
      -d '{{"query":"{{ customers(first: 2) {{ edges {{ node {{ id displayName email }} }} }} }}"}}'
{line}
"""


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.logs import JsonFormatter, uvicorn_log_config
    from gateway.server import serve_workers

    if args.demo:
        # Through the environment, so that every worker process builds the same app.
        os.environ["GATEWAY_DEMO"] = "true"
    log_level = _log_level(args.log_level)
    os.environ["GATEWAY_LOG_LEVEL"] = log_level  # for the workers' own logging
    settings = _settings()
    log_format = settings.telemetry.log_format
    text = banner(settings, args.host, args.port, args.workers)
    if log_format == "json":  # one object per line, the banner included
        record = logging.LogRecord("gateway", logging.INFO, __file__, 0, text.strip(), None, None)
        text = JsonFormatter().format(record) + "\n"
    sys.stderr.write(text)
    sys.stderr.flush()
    options: dict[str, Any] = {
        "app": "gateway.cli:app_factory",
        "factory": True,
        "host": args.host,
        "port": args.port,
        "log_level": log_level,
        "access_log": False,
        "server_header": False,  # no software banner for scanners
        # uvloop and httptools (dependencies) when installed, else asyncio and h11.
        "loop": "auto",
        "http": "auto",
        # Within `docker stop`'s 10 s grace: in-flight requests finish, then the process ends.
        "timeout_graceful_shutdown": 8,
    }
    log_config = uvicorn_log_config(log_format)
    if log_config is not None:
        options["log_config"] = log_config
    if args.workers == 1:
        uvicorn.run(**options)
        return 0
    # On Linux each worker listens on its own SO_REUSEPORT socket, so connections spread.
    return serve_workers(options, args.workers)


def export_schema(args: argparse.Namespace) -> int:
    from gateway.schema import export_sdl

    sys.stdout.write(export_sdl())
    return 0


def fetch_graphiql(args: argparse.Namespace) -> int:
    from gateway.http.assets import main as fetch_main

    fetch_main(args.rest)
    return 0


def _log_level(option: str | None) -> str:
    """--log-level, else GATEWAY_LOG_LEVEL (checked like every setting), else info."""
    if option:
        return option
    raw = os.environ.get("GATEWAY_LOG_LEVEL", "").strip().lower() or "info"
    if raw not in LOG_LEVELS:
        raise ConfigError("GATEWAY_LOG_LEVEL", f"one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return raw


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="gateway", description=__doc__)
    root.add_argument("--version", action="version", version=__version__)
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve /graphql, /healthz and /readyz")
    run.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    run.add_argument("--port", type=_bounded(1, 65535), default=8000, help="default 8000")
    run.add_argument(
        "--workers", type=_bounded(1, 64), default=1, help="worker processes (default 1)"
    )
    run.add_argument(
        "--demo",
        action="store_true",
        help="use the embedded sandboxes even when credentials are set (as GATEWAY_DEMO=true)",
    )
    run.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=None,
        help="default: GATEWAY_LOG_LEVEL, else info",
    )
    run.set_defaults(handler=serve)
    commands.add_parser("export-schema", help="print the SDL").set_defaults(handler=export_schema)
    fetch = commands.add_parser(
        "fetch-graphiql", help="download the pinned GraphiQL assets for offline use"
    )
    fetch.add_argument("rest", nargs=argparse.REMAINDER, help="--dest DIR, --force")
    fetch.set_defaults(handler=fetch_graphiql)
    return root


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        code = args.handler(args)
    except ConfigError as exc:
        sys.stderr.write(f"gateway: configuration error: {exc}\n")
        code = 2
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)
