"""A production gateway over a hotel group's sandboxes served on loopback: a portfolio token
over two chains plus the property tokens `paris` and `lyon`, and what each token sent."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from gateway.app import create_app
from gateway.config import load_settings
from gateway.identity.index import MewsEntry
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.fullwhere import DEFAULT_API_KEY, DEFAULT_API_SECRET
from gateway.sandbox.world import (
    GROUP_PORTFOLIO_TOKEN,
    GROUP_PROPERTY_TOKENS,
    PORTFOLIO_CHAIN_IDS,
    PROPERTY_CHAIN_IDS,
    World,
)
from gateway.upstream.mews import DEMO_CLIENT_TOKEN, PROPERTY_KEY
from tests.conftest import Gateway, gateway_http
from tests.support.loopback import serve_loopback

#: The group world's guests were all updated in the last two years: the sync reads no older.
SYNC_SINCE = (datetime.now(UTC) - timedelta(days=3 * 365)).date().isoformat()
#: Which token a recorded call went with, by its access token.
TOKEN_NAMES = {
    GROUP_PORTFOLIO_TOKEN: "portfolio",
    **{t: n for n, t in GROUP_PROPERTY_TOKENS.items()},
}


def group_env(*, portfolio: bool = True, properties: bool = True) -> dict[str, str]:
    """The gateway's Mews settings for the group (without the base URL)."""
    env = {"MEWS_CLIENT_TOKEN": DEMO_CLIENT_TOKEN}
    if portfolio:
        env["MEWS_ACCESS_TOKEN"] = GROUP_PORTFOLIO_TOKEN
        env["MEWS_CHAIN_IDS"] = ",".join(PORTFOLIO_CHAIN_IDS)
    if properties:
        env["MEWS_ACCESS_TOKENS"] = ",".join(f"{n}={t}" for n, t in GROUP_PROPERTY_TOKENS.items())
    return env


@dataclass(frozen=True)
class Call:
    """One request the Mews sandbox received."""

    token: str
    operation: str
    body: dict[str, Any]
    status: int
    at: float


class Recorder:
    """Pure ASGI middleware: records every Mews call (token name, operation, body, status)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: list[Call] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status: list[int] = []

        async def receive_recorded() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def send_recorded(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        at = time.monotonic()
        await self.app(scope, receive_recorded, send_recorded)
        body = orjson.loads(b"".join(chunks) or b"{}")
        operation = scope["path"].removeprefix("/api/connector/v1/")
        token = TOKEN_NAMES.get(body.get("AccessToken"), "other")
        self.calls.append(Call(token, operation, body, status[0] if status else 0, at))

    def of(self, operation: str) -> list[Call]:
        return [call for call in self.calls if call.operation == operation]


@dataclass
class GroupGateway:
    gateway: Gateway
    sandboxes: Sandboxes
    mews: Recorder
    app: Any

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        return await self.gateway.data(query, variables)

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        return await self.gateway.post(query, variables)

    async def index(self, guests: Iterable[dict[str, Any]]) -> None:
        """Put `guests` (with their place) in the identity index, as an earlier sync did."""
        names = {chain: name for name, chain in PROPERTY_CHAIN_IDS.items()}
        entries = [
            MewsEntry.from_record({**g, PROPERTY_KEY: names[g["ChainId"]]})
            if g["ChainId"] in names
            else MewsEntry.from_record(g)
            for g in guests
        ]
        await self.app.state.upstreams.identity.put_mews(entries)


@asynccontextmanager
async def group_gateway(
    world: World,
    *,
    env: dict[str, str] | None = None,
    portfolio: bool = True,
    properties: bool = True,
    **mews: Any,
) -> AsyncIterator[GroupGateway]:
    """The gateway (its background sync off: tests run it) over the group's sandboxes."""
    sandboxes = Sandboxes.group(world, **mews)
    recorder = Recorder(sandboxes.mews.app)
    with (
        serve_loopback(sandboxes.fullwhere.app) as fullwhere_url,
        serve_loopback(recorder) as mews_url,
    ):
        settings = load_settings(
            {
                "GATEWAY_ALLOW_ANONYMOUS": "true",
                "FULLWHERE_API_KEY": DEFAULT_API_KEY,
                "FULLWHERE_API_SECRET": DEFAULT_API_SECRET,
                "FULLWHERE_BASE_URL": fullwhere_url,
                "MEWS_BASE_URL": mews_url,
                "SYNC_INTERVAL_SECONDS": "0",
                "SYNC_MEWS_SINCE": SYNC_SINCE,
                **group_env(portfolio=portfolio, properties=properties),
                **(env or {}),
            }
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app), gateway_http(app) as http:
            yield GroupGateway(Gateway(http, sandboxes, app), sandboxes, recorder, app)
