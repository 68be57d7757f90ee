"""GraphiQL page and its self-hosted assets, over the ASGI transport."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway import cli
from gateway.http import assets, graphiql
from gateway.http.assets import AssetFile, fetch_graphiql_assets, load_manifest
from gateway.http.graphiql import (
    GRAPHQL_ACCEPT,
    graphiql_renderer,
    graphiql_routes,
    render_graphiql,
    wants_graphiql,
)

CDN = load_manifest().cdn.rstrip("/")
QUERY = "{ __typename }"


PAGE = graphiql_renderer(default_query=QUERY)


async def graphql_endpoint(request: Request) -> Response:
    if wants_graphiql(request):
        return await PAGE(request)
    body = await request.json()
    if body.get("query") != QUERY:
        return JSONResponse({"errors": [{"message": "unexpected query"}]}, status_code=400)
    return JSONResponse({"data": {"__typename": "Query"}})


APP = Starlette(
    routes=[Route("/graphql", graphql_endpoint, methods=["GET", "POST"]), *graphiql_routes()]
)


@pytest.fixture(scope="module")
def vendor_dir() -> Path:
    return fetch_graphiql_assets()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


@pytest.fixture
def no_assets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(graphiql, "VENDOR_DIR", tmp_path / "vendor")


def _srcs(html: str) -> list[str]:
    return re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)


def _config(html: str) -> dict[str, str]:
    match = re.search(r'<script type="application/json" id="graphiql-config">(.*?)</script>', html)
    assert match is not None
    config: dict[str, str] = json.loads(match.group(1))
    return config


async def test_page_references_local_assets_when_present(
    vendor_dir: Path, client: httpx.AsyncClient
) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    srcs = _srcs(response.text)
    expected = [f"/graphiql/static/vendor/{f.relpath}" for f in load_manifest().files]
    assert set(expected) <= set(srcs)
    assert not any(CDN in src for src in srcs)
    assert _config(response.text) == {
        "endpoint": "/graphql",
        "defaultQuery": QUERY,
        "accept": GRAPHQL_ACCEPT,
        "assets": "local",
    }


async def test_page_falls_back_to_cdn_of_same_versions_when_assets_missing(
    no_assets: None,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(graphiql, "_warned_cdn", False)
    first = await client.get("/graphql", headers={"Accept": "text/html"})
    second = await client.get("/graphql", headers={"Accept": "text/html"})
    for f in load_manifest().files:
        assert f'"{CDN}/{f.package}@{f.version}/{f.path}" integrity="{f.sri}"' in first.text
    assert "/graphiql/static/vendor/" not in first.text
    assert _config(first.text)["assets"] == "cdn"
    # The bootstrap script is ours and always local.
    assert '<script src="/graphiql/static/graphiql-init.js"></script>' in first.text
    assert second.text == first.text
    warnings = [r for r in caplog.records if "fetch-graphiql" in r.getMessage()]
    assert len(warnings) == 1


async def test_csp_allows_only_self_hosted_scripts_and_styles(
    vendor_dir: Path, client: httpx.AsyncClient
) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    policy = response.headers["content-security-policy"]
    csp = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    # No inline script: every <script> either has a src or is the inert JSON config block.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
    assert inline == [' type="application/json" id="graphiql-config"']
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_csp_of_cdn_page_allows_the_cdn_origin(
    no_assets: None, client: httpx.AsyncClient
) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    policy = response.headers["content-security-policy"]
    assert f"script-src 'self' {CDN};" in policy
    assert f"style-src 'self' {CDN};" in policy


JS_TYPES = {"text/javascript", "application/javascript"}


@pytest.mark.parametrize("asset", load_manifest().files, ids=lambda f: f.relpath)
async def test_vendor_files_served_with_content_type_and_pinned_bytes(
    vendor_dir: Path, client: httpx.AsyncClient, asset: AssetFile
) -> None:
    response = await client.get(f"/graphiql/static/vendor/{asset.relpath}")
    assert response.status_code == 200
    expected = {"text/css"} if asset.path.endswith(".css") else JS_TYPES
    assert response.headers["content-type"].split(";")[0] in expected
    assert hashlib.sha256(response.content).hexdigest() == asset.sha256


async def test_bootstrap_files_served_with_content_types(client: httpx.AsyncClient) -> None:
    script = await client.get("/graphiql/static/graphiql-init.js")
    style = await client.get("/graphiql/static/graphiql-page.css")
    assert script.status_code == style.status_code == 200
    assert script.headers["content-type"].split(";")[0] in JS_TYPES
    assert "createRoot" in script.text
    assert style.headers["content-type"].startswith("text/css")


async def test_post_to_endpoint_is_graphql_not_the_page(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": QUERY}, headers={"Accept": GRAPHQL_ACCEPT}
    )
    assert response.json() == {"data": {"__typename": "Query"}}


def test_default_query_cannot_close_the_config_block() -> None:
    html = render_graphiql("/graphql", local=True, default_query="</script><script>alert(1)")
    assert "</script><script>alert(1)" not in html
    assert _config(html)["defaultQuery"] == "</script><script>alert(1)"


def test_fetch_is_idempotent(vendor_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in vendor_dir.rglob("*") if p.is_file()}
    assert fetch_graphiql_assets() == vendor_dir
    after = {p: p.stat().st_mtime_ns for p in vendor_dir.rglob("*") if p.is_file()}
    assert after == before
    assert graphiql.assets_present()


def test_fetch_repairs_a_tampered_file_and_drops_stale_versions(
    vendor_dir: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "vendor"
    shutil.copytree(vendor_dir, dest)
    react = next(f for f in load_manifest().files if f.package == "react")
    (dest / react.relpath).write_text("tampered")
    stale = dest / "react@0.0.1"
    stale.mkdir()
    untouched = dest / "graphiql@3.9.0/graphiql.min.js"
    mtime = untouched.stat().st_mtime_ns

    assert fetch_graphiql_assets(dest) == dest

    assert hashlib.sha256((dest / react.relpath).read_bytes()).hexdigest() == react.sha256
    assert untouched.stat().st_mtime_ns == mtime
    assert not stale.exists()


def test_integrity_mismatch_is_refused() -> None:
    react = next(p for p in load_manifest().packages if p.name == "react")
    with pytest.raises(assets.GraphiQLAssetError, match="integrity mismatch"):
        assets._check_integrity(react, b"not the react tarball")


def test_cli_reports_ready(
    vendor_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "vendor"
    shutil.copytree(vendor_dir, dest)
    with pytest.raises(SystemExit) as exited:
        cli.main(["fetch-graphiql", "--dest", str(dest)])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert f"GraphiQL assets ready in {dest}" in out
    assert "graphiql 3.9.0" in out


def test_the_command_takes_the_options_its_help_lists(vendor_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "elsewhere"
    shutil.copytree(vendor_dir, dest)
    command = [sys.executable, "-m", "gateway", "fetch-graphiql"]
    shown = subprocess.run([*command, "--help"], capture_output=True, text=True, check=True)
    done = subprocess.run(
        [*command, "--dest", str(dest)], capture_output=True, text=True, timeout=60, check=False
    )
    assert "--dest DEST" in shown.stdout and "--force" in shown.stdout
    assert done.returncode == 0, done.stderr
    assert f"GraphiQL assets ready in {dest}" in done.stdout
    forced = cli.parser().parse_args(["fetch-graphiql", "--force", "--dest", str(dest)])
    assert forced.force is True and forced.dest == dest
