"""A production gateway (no transports given) over the sandboxes served on loopback: its
upstream calls go over real sockets through aiohttp, and a joined customer comes back."""

from __future__ import annotations

from typing import Any

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.fullwhere import DEFAULT_API_KEY, DEFAULT_API_SECRET
from gateway.sandbox.world import World, linked_pairs
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.conftest import gateway_http
from tests.support.loopback import serve_loopback

JOINED = """query($id: ID!) {
  customer(id: $id) { firstName mews { mewsId } }
}"""


class UserAgents:
    """Pure ASGI middleware: records the `user-agent` of each HTTP request to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            self.seen.append(headers.get(b"user-agent", b"").decode())
        await self.app(scope, receive, send)


async def test_a_production_gateway_joins_a_customer_over_aiohttp(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, guest = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    fullwhere, mews = UserAgents(sandboxes.fullwhere.app), UserAgents(sandboxes.mews.app)
    with serve_loopback(fullwhere) as fullwhere_url, serve_loopback(mews) as mews_url:
        app = create_app(
            load_settings(
                {
                    "GATEWAY_ALLOW_ANONYMOUS": "true",
                    "FULLWHERE_API_KEY": DEFAULT_API_KEY,
                    "FULLWHERE_API_SECRET": DEFAULT_API_SECRET,
                    "FULLWHERE_BASE_URL": fullwhere_url,
                    "MEWS_CLIENT_TOKEN": DEMO_CLIENT_TOKEN,
                    "MEWS_ACCESS_TOKEN": DEMO_ACCESS_TOKEN,
                    "MEWS_BASE_URL": mews_url,
                }
            )
        )
        async with app.router.lifespan_context(app), gateway_http(app) as http:
            response = await http.post(
                "/graphql", json={"query": JOINED, "variables": {"id": f"fullwhere:{fw['id']}"}}
            )
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert body["data"]["customer"] == {
        "firstName": fw["firstName"],
        "mews": {"mewsId": guest["Id"]},
    }
    for seen in (fullwhere.seen, mews.seen):
        assert seen
        assert all("aiohttp/" in agent for agent in seen), seen
