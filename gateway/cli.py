"""`gateway` command line: `serve`, `sync`, `export-schema`, `persist-documents`,
`fetch-graphiql`."""

from __future__ import annotations

import argparse
import gc
import logging
import math
import os
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from gateway import __version__
from gateway.config import (
    GATEWAY_LOG_LEVEL,
    LOG_LEVELS,
    VARIABLES,
    ConfigError,
    Settings,
    load_settings,
    markdown,
)
from gateway.http.assets import FETCH_DESCRIPTION, add_fetch_options
from gateway.upstream.mews import DEMO_CLIENT_TOKEN


def _settings() -> Settings:
    return load_settings(os.environ)


def tune_gc(young_threshold: int) -> None:
    """Garbage collection for a long-lived worker: what exists once the app is built (the
    modules, the schema) is frozen out of every later collection, and the youngest
    generation is collected every `young_threshold` allocations (CPython's default is 700;
    a request allocates thousands of objects). docs/operations.md has the figures."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)


def app_factory() -> object:
    """Entry point for uvicorn workers: each builds its app from the environment."""
    from gateway.app import create_app
    from gateway.logs import configure_logging

    settings = _settings()
    configure_logging(settings.telemetry.log_level, settings.telemetry.log_format)
    app = create_app(settings)
    tune_gc(settings.gc_young_threshold)
    return app


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
        accepted = [f"{keys} API key{'s' if keys != 1 else ''}"] if keys else []
        if settings.jwt is not None:
            accepted.append(f"JWTs of {settings.jwt.issuer}")
        auth = (
            f"clients send Authorization: Bearer <credential> ({' or '.join(accepted)})"
            if accepted
            else "no client authentication (GATEWAY_ALLOW_ANONYMOUS)"
        )
        return (
            f"customer-gateway {__version__}: GraphQL at {base}/graphql"
            f" ({_upstreams(settings)}; {auth}); health at {base}/healthz, {base}/readyz\n"
        )
    from gateway.sandbox.world import GROUP_PROPERTY_TOKENS  # demo mode only

    paris = GROUP_PROPERTY_TOKENS["paris"]
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
  Sandboxes: POST JSON, as to the real APIs (a browser's GET gets their 404).
  Fullwhere, headers X-API-KEY: demo-key, X-API-SECRET: demo-secret:
    curl -s {base}/sandbox/fullwhere/partners/customer/list \\
      -H 'X-API-KEY: demo-key' -H 'X-API-SECRET: demo-secret' \\
      -H 'content-type: application/json' -d '{{"limit": 2}}'
  Mews, ClientToken and AccessToken in the body (the demo is a hotel group; this is
  the token of its property `paris`, see docs/groups.md):
    curl -s {base}/sandbox/mews/api/connector/v1/customers/getAll \\
      -H 'content-type: application/json' -d '{{"Client": "curl",
      "ClientToken": "{DEMO_CLIENT_TOKEN}",
      "AccessToken": "{paris}",
      "Extent": {{"Customers": true}}, "ActivityStates": ["Active"],
      "Limitation": {{"Count": 2}}}}'
  Try the gateway:
    curl -s {base}/graphql -H 'content-type: application/json' \\
      -d '{{"query":"{{ customers(first: 2) {{ edges {{ node {{ id displayName email }} }} }} }}"}}'
{line}
"""


def serve(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from gateway.http.protocol import HTTP_PROTOCOL
    from gateway.logs import JsonFormatter, uvicorn_log_config
    from gateway.server import check_port_free, serve_workers

    if args.demo:
        # Through the environment, so that every worker process builds the same app.
        os.environ["GATEWAY_DEMO"] = "true"
    log_level = _log_level(args.log_level)
    os.environ["GATEWAY_LOG_LEVEL"] = log_level  # for the workers' own logging
    os.environ["GATEWAY_WORKERS"] = str(args.workers)  # each worker's share of the Mews limit
    settings = _settings()
    try:  # before the banner, which would say the gateway is about to serve
        check_port_free(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        sys.stderr.write(
            f"gateway serve: cannot listen on {args.host}:{args.port}: {reason}; "
            "stop what uses it or choose another --port\n"
        )
        return STARTUP_FAILURE
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
        # uvloop when installed; httptools (a dependency), with limits on the headers.
        "loop": "auto",
        "http": HTTP_PROTOCOL,
        # Subscriptions send small messages: compressing them saves little, and each
        # WebSocket's compressor would hold about 100 KB (most of an idle subscription's cost).
        "ws_per_message_deflate": False,
        # In-flight requests finish: the grace covers the request deadline (see shutdown_grace).
        "timeout_graceful_shutdown": shutdown_grace(settings.resilience.request_deadline),
    }
    log_config = uvicorn_log_config(log_format)
    if log_config is not None:
        options["log_config"] = log_config
    if args.workers == 1:
        uvicorn.run(**options)
        return 0
    if settings.redis is not None:
        # On Linux each worker listens on its own SO_REUSEPORT socket, so connections spread.
        return serve_workers(options, args.workers)
    from gateway.store.private import private_redis

    # Workers must share their state: without REDIS_URL, one Redis of their own.
    with private_redis(args.workers) as url:
        os.environ["REDIS_URL"] = url  # the workers read their settings from the environment
        sys.stderr.write(
            f"gateway: no REDIS_URL; the {args.workers} workers share a private redis-server "
            f"({url}), stopped with them (`REDIS_URL={url} gateway sync --status` reads its "
            "identity index). Set REDIS_URL to share state with other replicas.\n"
        )
        sys.stderr.flush()
        return serve_workers(options, args.workers)


#: Seconds of graceful shutdown when requests have no deadline (REQUEST_DEADLINE_SECONDS=0).
DEFAULT_SHUTDOWN_GRACE = 30
#: Seconds beyond the request deadline: a request's answer is written after its last call.
SHUTDOWN_MARGIN = 1


def shutdown_grace(request_deadline: float) -> int:
    """Seconds in-flight requests get to finish on SIGTERM: past the request deadline, so
    every request ends by its deadline (with an answer) before the server would cut it."""
    if request_deadline <= 0:
        return DEFAULT_SHUTDOWN_GRACE
    return math.ceil(request_deadline) + SHUTDOWN_MARGIN


#: Why `gateway sync` needs REDIS_URL: a sync of its own would be thrown away at exit.
NO_SHARED_INDEX = (
    "gateway sync: no REDIS_URL: without it the identity index lives inside each serving "
    "process, which syncs it itself (its state: GET /readyz, identityIndex); set REDIS_URL "
    "to the Redis the gateway uses to sync or read that index from here\n"
)


def sync(args: argparse.Namespace) -> int:
    """One full identity-index sync in the foreground, or (`--status`) the index's state."""
    import asyncio
    import json
    import time

    from gateway.app import build_store, build_sync, build_upstreams
    from gateway.errors import GatewayError
    from gateway.identity.progress import ProgressPrinter
    from gateway.sandbox.demo import Sandboxes
    from gateway.upstream.errors import UpstreamError

    settings = _settings()
    if settings.redis is None:
        sys.stderr.write(NO_SHARED_INDEX)
        return 2
    transports: dict[str, Any] = {}
    if settings.demo:
        import httpx

        sandboxes = Sandboxes.seeded()
        settings = sandboxes.settings_for(settings)
        transports = {
            "fullwhere_transport": httpx.ASGITransport(app=sandboxes.fullwhere.app),
            "mews_transport": httpx.ASGITransport(app=sandboxes.mews.app),
        }

    async def run() -> int:
        store = build_store(settings)
        upstreams, clients = build_upstreams(settings, store=store, **transports)
        try:
            if args.status:
                state = await upstreams.identity.state()
                sys.stdout.write(json.dumps(state.summary(time.time()), indent=2) + "\n")
                return 0
            printer = ProgressPrinter(sys.stdout, tty=sys.stdout.isatty())
            try:
                done = await build_sync(settings, upstreams, store).run_once(printer)
            except (UpstreamError, GatewayError) as exc:
                printer.finish()
                sys.stderr.write(f"gateway sync: failed: {exc.code}: {exc}\n")
                return 1
            printer.finish()
            if done is None:
                sys.stdout.write("another process is running the sync; nothing to do\n")
                return 0
            sys.stdout.write(
                f"done: {done.fullwhere_records} Fullwhere customers, {done.mews_records} "
                f"Mews guests ({done.mews_calls} Mews calls)\n"
            )
            return 0
        finally:
            for client in clients:
                await client.aclose()
            await upstreams.identity.aclose()
            if store is not None:
                await store.aclose()

    return asyncio.run(run())


def export_schema(args: argparse.Namespace) -> int:
    from gateway.graphql import export_sdl, export_subgraph_sdl

    sys.stdout.write(export_subgraph_sdl() if args.federation else export_sdl())
    return 0


def persist_documents(args: argparse.Namespace) -> int:
    """Print the documents file for the `.graphql` files under `args.directory`, after
    checking each against the schema (errors go to stderr, and nothing is printed)."""
    import orjson
    from graphql import GraphQLError, parse, validate

    from gateway.graphql import build_schema
    from gateway.http.persisted import collect_documents, manifest

    try:
        files = collect_documents(args.directory)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"gateway persist-documents: {exc}\n")
        return 1
    schema = build_schema()._schema
    problems = []
    for path, text in files.items():
        try:
            errors = validate(schema, parse(text))
        except GraphQLError as exc:
            errors = [exc]
        problems += [f"{path}: {error.message}" for error in errors]
    if problems:
        sys.stderr.write("".join(f"gateway persist-documents: {p}\n" for p in problems))
        return 1
    documents = manifest(files.values())
    sys.stdout.write(orjson.dumps(documents, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stderr.write(f"{len(documents)} documents from {len(files)} files\n")
    return 0


def fetch_graphiql(args: argparse.Namespace) -> int:
    from gateway.http.assets import run_fetch

    return run_fetch(args)


def _log_level(option: str | None) -> str:
    """--log-level, else GATEWAY_LOG_LEVEL (checked like every setting), else info."""
    return option or GATEWAY_LOG_LEVEL.read(os.environ)


def settings_help(args: argparse.Namespace) -> int:
    """Every environment variable: an env-file template, or the docs' Markdown tables."""
    if args.markdown:
        sys.stdout.write(markdown())
        return 0
    for variable in VARIABLES:
        text = f"{variable.description} ({variable.accepts}; default: {variable.default_text})"
        # ">= 1" stays on one line: a comment line ending in "=" would read as a variable.
        bound = _plain_links(text).replace(">= ", ">=\0")
        for line in textwrap.wrap(bound, ENV_FILE_WIDTH - 2):
            print(f"# {line.replace(chr(0), ' ')}")
        print(f"# {variable.name}=")
    return 0


#: Columns of the env-file template's comment lines.
ENV_FILE_WIDTH = 100
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)#]+)(?:#[^)]*)?\)")


def _plain_links(text: str) -> str:
    """`[Scaling](scaling.md#x)` as an env file reads it: `Scaling, docs/scaling.md`."""
    return _MARKDOWN_LINK.sub(r"\1, docs/\2", text)


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
    syncing = commands.add_parser(
        "sync", help="run one full identity-index sync in the foreground, with progress"
    )
    syncing.add_argument("--status", action="store_true", help="print the index's state instead")
    syncing.set_defaults(handler=sync)
    exporting = commands.add_parser("export-schema", help="print the SDL")
    exporting.add_argument(
        "--federation",
        action="store_true",
        help="print the Apollo Federation v2 subgraph SDL (GATEWAY_FEDERATION=true) instead",
    )
    exporting.set_defaults(handler=export_schema)
    persist = commands.add_parser(
        "persist-documents",
        help="print the trusted documents file (GATEWAY_PERSISTED_DOCUMENTS) for a folder of "
        ".graphql files",
    )
    persist.add_argument("directory", help="searched recursively for *.graphql")
    persist.set_defaults(handler=persist_documents)
    fetch = commands.add_parser(
        "fetch-graphiql",
        help="download the pinned GraphiQL assets for offline use",
        description=FETCH_DESCRIPTION,
    )
    add_fetch_options(fetch)
    fetch.set_defaults(handler=fetch_graphiql)
    listing = commands.add_parser("settings", help="list every environment variable read")
    listing.add_argument(
        "--markdown", action="store_true", help="as the tables of docs/configuration.md"
    )
    listing.set_defaults(handler=settings_help)
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
