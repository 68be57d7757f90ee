"""GraphiQL in headless Chromium with no route off this machine: it must load from the
gateway's own assets, run a query itself and show the result in its result pane."""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, graphql_sync
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gateway.http.assets import fetch_graphiql_assets, load_manifest
from gateway.http.graphiql import (
    GRAPHQL_ACCEPT,
    content_security_policy,
    graphiql_page,
    graphiql_routes,
    render_graphiql,
    wants_graphiql,
)
from tests.support.loopback import serve_loopback

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="chromium not installed; .ci/run installs it"
)

QUERY = "{ greeting }"
GREETING = "hello from the loopback gateway"
SCHEMA = build_schema("type Query { greeting: String! }")
# Only loopback is reachable: names resolve nowhere and anything else goes to a dead proxy.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
    "--enable-logging=stderr",
    "--log-level=0",
    "--window-size=1280,800",
    "--virtual-time-budget=10000",
]


@dataclass
class Seen:
    """What the loopback GraphQL endpoint received."""

    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def make_app(seen: Seen) -> Starlette:
    async def graphql_endpoint(request: Request) -> Response:
        if wants_graphiql(request):
            return graphiql_page(request, default_query=QUERY)
        body = await request.json()
        seen.posts.append((request.headers.get("accept", ""), body))
        result = graphql_sync(
            SCHEMA,
            body["query"],
            root_value={"greeting": GREETING},
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        return JSONResponse(result.formatted, media_type="application/graphql-response+json")

    async def cdn_page(request: Request) -> Response:
        return HTMLResponse(
            render_graphiql("/graphql", local=False, default_query=QUERY),
            headers={"Content-Security-Policy": content_security_policy(local=False)},
        )

    return Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/cdn", cdn_page),
            *graphiql_routes(),
        ]
    )


@dataclass
class Run:
    dom: str
    log: str
    screenshot: Path


@pytest.fixture(scope="module", autouse=True)
def vendor_assets() -> Path:
    # Not a skip: without the assets the offline page cannot work, so the test must fail.
    return fetch_graphiql_assets()


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    with serve_loopback(make_app(seen)) as base_url:
        yield base_url, seen


def run_chromium(url: str, tmp_path: Path) -> Run:
    screenshot = tmp_path / "page.png"
    proc = subprocess.run(
        [
            str(CHROMIUM),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=25,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return Run(dom=proc.stdout, log=proc.stderr, screenshot=screenshot)


def result_pane_text(dom: str) -> str:
    """The text of GraphiQL's result viewer, line by line as CodeMirror rendered it."""
    start = dom.find('aria-label="Result Window"')
    assert start != -1, "GraphiQL's result window is not in the page"
    pane = dom[start : dom.find("</section>", start)]
    lines = re.findall(r'<pre class="\s*CodeMirror-line\s*"[^>]*>(.*?)</pre>', pane, re.S)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", line)) for line in lines)


def test_graphiql_renders_and_runs_a_query_from_local_assets(
    server: tuple[str, Seen], tmp_path: Path
) -> None:
    base_url, seen = server
    run = run_chromium(f"{base_url}/graphql?autorun", tmp_path)

    assert 'id="graphiql" data-state="ready"' in run.dom
    assert "graphiql-container" in run.dom
    assert json.loads(result_pane_text(run.dom).replace("\xa0", " ")) == {
        "data": {"greeting": GREETING}
    }
    executed = [(accept, body) for accept, body in seen.posts if body["query"] == QUERY]
    assert executed, f"GraphiQL never sent the query; it sent {seen.posts!r}"
    assert all(accept == GRAPHQL_ACCEPT for accept, _ in seen.posts)
    # GraphiQL also introspected the schema for its editor.
    assert any("__schema" in body["query"] for _, body in seen.posts)
    assert "Content Security Policy" not in run.log
    assert run.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cdn_is_unreachable_from_the_test_browser(server: tuple[str, Seen], tmp_path: Path) -> None:
    """Guards the test above: its success cannot have come from the CDN."""
    base_url, seen = server
    cdn_files = [f"{load_manifest().cdn}/{f.relpath}" for f in load_manifest().files]
    assert all(url.startswith("https://") for url in cdn_files)

    run = run_chromium(f"{base_url}/cdn?autorun", tmp_path)

    assert 'id="graphiql" data-state="failed"' in run.dom
    assert "graphiql-container" not in run.dom
    assert seen.posts == []


SUBSCRIPTION = "subscription { customerChanged { id } }"
SUBSCRIPTION_SCHEMA = build_schema(
    "type Query { greeting: String! } "
    "type Subscription { customerChanged: Change } type Change { id: ID! }"
)
CHANGE = {"data": {"customerChanged": {"id": "mews:ea9b749f-df7c-4925-9dc6-4584d02290ff"}}}


def make_subscription_app(seen: Seen) -> Starlette:
    """GraphiQL whose default document is a subscription; the endpoint answers it over SSE
    (GraphQL over SSE, distinct connections: one `next`, then `complete`)."""

    async def graphql_endpoint(request: Request) -> Response:
        if wants_graphiql(request):
            return graphiql_page(request, default_query=SUBSCRIPTION)
        body = await request.json()
        accept = request.headers.get("accept", "")
        seen.posts.append((accept, body))
        if accept == "text/event-stream":
            events = f"event: next\ndata: {json.dumps(CHANGE)}\n\nevent: complete\ndata:\n\n"
            return Response(events, media_type="text/event-stream")
        result = graphql_sync(SUBSCRIPTION_SCHEMA, body["query"])
        return JSONResponse(result.formatted, media_type="application/graphql-response+json")

    return Starlette(routes=[Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
                             *graphiql_routes()])  # fmt: skip


def test_graphiql_runs_a_subscription_over_sse_and_shows_its_change(tmp_path: Path) -> None:
    seen = Seen()
    with serve_loopback(make_subscription_app(seen)) as base_url:
        run = run_chromium(f"{base_url}/graphql?autorun", tmp_path)

    streamed = [body for accept, body in seen.posts if accept == "text/event-stream"]
    assert [body["query"] for body in streamed] == [SUBSCRIPTION]
    assert json.loads(result_pane_text(run.dom).replace("\xa0", " ")) == CHANGE
