"""GraphiQL page for `/graphql`, served from the gateway's own copy of the pinned bundle.

The page loads React, ReactDOM and GraphiQL from the static mount (`graphiql_routes()`) once
`gateway fetch-graphiql` has put them in place, and from the CDN (same pinned versions, with
Subresource Integrity) until then. Its bootstrap is a static script reading a JSON config
block, so the Content-Security-Policy needs neither inline scripts nor `eval`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from gateway.http.assets import STATIC_DIR, VENDOR_DIR, AssetFile, load_manifest

logger = logging.getLogger(__name__)

STATIC_PREFIX = "/graphiql/static"
GRAPHQL_ACCEPT = "application/graphql-response+json, application/json"
DEFAULT_QUERY = """\
# Welcome to GraphiQL. Write a query, then press Ctrl-Enter (or the run button).
{
  __typename
}
"""

_warned_cdn = False


def assets_present() -> bool:
    """True when every pinned file is in the vendor dir (fetch writes them atomically)."""
    for asset in load_manifest().files:
        target = VENDOR_DIR / asset.relpath
        if not target.is_file() or target.stat().st_size != asset.size:
            return False
    return True


def graphiql_routes() -> list[BaseRoute]:
    """The static mount the page's assets and bootstrap script are served from."""
    return [
        Mount(STATIC_PREFIX, app=StaticFiles(directory=STATIC_DIR), name="graphiql-static"),
    ]


def _cdn_origin() -> str:
    return load_manifest().cdn.rstrip("/")


def content_security_policy(*, local: bool) -> str:
    """Self-hosted everything; the CDN origin is allowed only for the fallback page.

    No 'unsafe-inline' for styles either: GraphiQL's dialogs (settings, shortcuts) try to
    inject a scroll-lock <style>, which is refused with a console message; the dialogs still
    work and graphiql-page.css already keeps the body from scrolling.
    """
    assets = "'self'" if local else f"'self' {_cdn_origin()}"
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {assets}",
            f"style-src {assets}",
            # GraphiQL's stylesheet embeds its fonts and icons as data: URLs.
            "font-src 'self' data:",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _asset_tag(asset: AssetFile, *, local: bool, static_prefix: str) -> str:
    if local:
        url, cors = f"{static_prefix}/vendor/{asset.relpath}", ""
    else:
        url, cors = f"{_cdn_origin()}/{asset.relpath}", ' crossorigin="anonymous"'
    if asset.path.endswith(".css"):
        return f'<link rel="stylesheet" href="{url}" integrity="{asset.sri}"{cors}>'
    return f'<script src="{url}" integrity="{asset.sri}"{cors}></script>'


def _json_for_html(value: object) -> str:
    # Keep "</script>" and friends from ending the JSON block early.
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_graphiql(
    endpoint: str,
    *,
    local: bool,
    default_query: str = DEFAULT_QUERY,
    title: str = "GraphiQL",
    static_prefix: str = STATIC_PREFIX,
) -> str:
    """HTML for a GraphiQL page talking to `endpoint`, with local or CDN assets."""
    files = load_manifest().files
    css = [
        _asset_tag(f, local=local, static_prefix=static_prefix)
        for f in files
        if f.path.endswith(".css")
    ]
    js = [
        _asset_tag(f, local=local, static_prefix=static_prefix)
        for f in files
        if f.path.endswith(".js")
    ]
    config = {
        "endpoint": endpoint,
        "defaultQuery": default_query,
        "accept": GRAPHQL_ACCEPT,
        "assets": "local" if local else "cdn",
    }
    html_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="robots" content="noindex">',
            f"<title>{html_title}</title>",
            *css,
            f'<link rel="stylesheet" href="{static_prefix}/graphiql-page.css">',
            "</head>",
            "<body>",
            '<div id="graphiql" data-state="loading">Loading GraphiQL…</div>',
            '<script type="application/json" id="graphiql-config">'
            f"{_json_for_html(config)}</script>",
            *js,
            f'<script src="{static_prefix}/graphiql-init.js"></script>',
            "</body>",
            "</html>",
            "",
        ]
    )


def graphiql_page(
    request: Request,
    *,
    endpoint: str | None = None,
    default_query: str = DEFAULT_QUERY,
    title: str = "GraphiQL",
) -> HTMLResponse:
    """The GraphiQL page for `endpoint` (default: the request's own path)."""
    global _warned_cdn
    local = assets_present()
    if not local and not _warned_cdn:
        _warned_cdn = True
        logger.warning(
            "GraphiQL assets are not installed; the page loads them from %s. "
            "Run `gateway fetch-graphiql` to serve them locally.",
            _cdn_origin(),
        )
    html = render_graphiql(
        endpoint or request.url.path, local=local, default_query=default_query, title=title
    )
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": content_security_policy(local=local),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


def graphiql_renderer(
    *,
    endpoint: str | None = None,
    default_query: str = DEFAULT_QUERY,
    title: str = "GraphiQL",
) -> Callable[[Request], Awaitable[Response]]:
    """`graphiql_page` with its settings bound, as an async page handler."""

    async def render(request: Request) -> Response:
        return graphiql_page(request, endpoint=endpoint, default_query=default_query, title=title)

    return render


def wants_graphiql(request: Request) -> bool:
    """A browser navigation: GET whose Accept asks for HTML (not a GraphQL-over-HTTP GET)."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")
