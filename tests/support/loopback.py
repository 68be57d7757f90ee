"""Run an ASGI app on a loopback port in a background thread, for tests that need real
sockets (timeouts, dropped connections) rather than the in-process ASGI transport."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Literal

import httpx
import uvicorn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def loopback_server(
    app: Any,
    *,
    timeout: float = 10.0,
    grace: int = 1,
    lifespan: Literal["auto", "on", "off"] = "off",
    **options: Any,
) -> Iterator[tuple[str, uvicorn.Server]]:
    """Serve `app` on 127.0.0.1 until the block ends; yields its base URL and the server
    (set `should_exit` to start its graceful shutdown of `grace` seconds). `options` go to
    `uvicorn.Config` (`http`: the protocol the gateway serves with)."""
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan=lifespan,
        timeout_graceful_shutdown=grace,
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("loopback server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout)


@contextmanager
def serve_loopback(app: Any, *, timeout: float = 10.0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 until the block ends; yields its base URL."""
    with loopback_server(app, timeout=timeout) as (base_url, _):
        yield base_url


@asynccontextmanager
async def loopback_http(app: Any, **client_options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for `app` served on a loopback port; `client_options` go to httpx."""
    with serve_loopback(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, **client_options) as http:
            yield http
