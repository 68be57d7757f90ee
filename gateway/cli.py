"""`gateway` command line: `serve`, `export-schema`, `fetch-graphiql`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from gateway import __version__
from gateway.config import ConfigError, Settings, load_settings

EXAMPLE_QUERY = """\
{
  customers(first: 3) {
    totalCount
    edges { node { id displayName email link { method } mews { number classifications } } }
  }
}"""


def _settings() -> Settings:
    return load_settings(os.environ, demo=os.environ.get("GATEWAY_DEMO", "").lower() == "true")


def app_factory() -> object:
    """Entry point for uvicorn workers: each builds its app from the environment."""
    from gateway.app import create_app

    return create_app(_settings())


def banner(settings: Settings, host: str, port: int) -> str:
    shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1") else host
    base = f"http://{shown}:{port}"
    if not settings.demo:
        upstreams = ", ".join(
            f"{name} at {cfg.base_url}"
            for name, cfg in (("Fullwhere", settings.fullwhere), ("Mews", settings.mews))
            if cfg is not None
        )
        return f"customer-gateway {__version__}: GraphQL at {base}/graphql ({upstreams})\n"
    line = "=" * 78
    return f"""{line}
  DEMO MODE - simulated Fullwhere and Mews with generated customers. No real data.
  Set FULLWHERE_API_KEY/FULLWHERE_API_SECRET and MEWS_CLIENT_TOKEN/MEWS_ACCESS_TOKEN
  to use the real APIs.
{line}
  GraphiQL:        {base}/graphql   (open in a browser)
  Health:          {base}/healthz   {base}/readyz
  Fullwhere sandbox: {base}/sandbox/fullwhere/partners/customer/list
                     headers X-API-KEY: demo-key, X-API-SECRET: demo-secret
  Mews sandbox:      {base}/sandbox/mews/api/connector/v1/customers/getAll
                     body ClientToken/AccessToken: the public Mews demo tokens
                     ClientToken {settings.mews.client_token if settings.mews else ''}
                     AccessToken {settings.mews.access_token if settings.mews else ''}
  Try:
    curl -s {base}/graphql -H 'content-type: application/json' \\
      -d '{{"query":"{{ customers(first: 2) {{ edges {{ node {{ id displayName email }} }} }} }}"}}'
{line}
"""


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.demo:
        os.environ["GATEWAY_DEMO"] = "true"
    settings = _settings()
    sys.stderr.write(banner(settings, args.host, args.port))
    uvicorn.run(
        "gateway.cli:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
    )
    return 0


def export_schema(args: argparse.Namespace) -> int:
    from gateway.schema import export_sdl

    sys.stdout.write(export_sdl())
    return 0


def fetch_graphiql(args: argparse.Namespace) -> int:
    from gateway.http.assets import main as fetch_main

    fetch_main(args.rest)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="gateway", description=__doc__)
    root.add_argument("--version", action="version", version=__version__)
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve /graphql, /healthz and /readyz")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--demo", action="store_true", help="use the embedded sandboxes")
    run.add_argument("--log-level", default="info")
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
