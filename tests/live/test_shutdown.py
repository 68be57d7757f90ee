"""A gateway told to stop ends its subscriptions cleanly first: a WebSocket is closed 1001
with a reason, an SSE stream gets an error saying so and `complete` (a real process, SIGTERM)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import httpx

from tests.live.support import WsClient
from tests.support.processes import gateway_env, gateway_server, sandbox_server

CHANGED = "subscription { customerChanged { id } }"


async def test_sigterm_closes_websocket_and_sse_subscriptions_cleanly(tmp_path: Path) -> None:
    with sandbox_server(tmp_path) as sandbox, gateway_server(tmp_path, gateway_env(sandbox)) as gw:
        base_url = f"http://127.0.0.1:{gw.port}"
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=20) as http,
            http.stream(
                "POST", "/graphql", json={"query": CHANGED},
                headers={"accept": "text/event-stream"},
            ) as stream,
            WsClient.connect(base_url) as client,
        ):  # fmt: skip
            await client.subscribe("1", CHANGED)
            assert stream.status_code == 200
            os.killpg(gw.popen.pid, signal.SIGTERM)
            code, reason = await client.closed(timeout=20)
            lines = [line async for line in stream.aiter_lines()]
        await asyncio.to_thread(gw.popen.wait, 20)
        log = gw.text()
    assert (code, reason) == (1001, "the server is shutting down; reconnect")
    events = [line for line in lines if line.startswith(("event:", "data:"))]
    assert events[0] == "event: next"
    assert "shutting down" in json.loads(events[1].removeprefix("data:"))["errors"][0]["message"]
    assert events[2:] == ["event: complete", "data:"]
    # Ended by the streams themselves, not by the server cancelling them at the grace's end.
    assert "timeout graceful shutdown exceeded" not in log
