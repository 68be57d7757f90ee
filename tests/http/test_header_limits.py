"""The HTTP server's limits on a request's headers, over a real socket: a client that sends
its headers too slowly is answered 408 and cut off; headers over the size limit are answered
431 before the app sees the request. Both answers are GraphQL errors."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.http.protocol import HTTP_PROTOCOL
from gateway.sandbox.demo import Sandboxes
from tests.conftest import make_app
from tests.support.loopback import loopback_server

KEY = "gw-header-limit-key-5e2a"
START = b"POST /graphql HTTP/1.1\r\nHost: gateway.test\r\ncontent-type: application/json\r\n"


@pytest.fixture
def port(sandboxes: Sandboxes, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("GATEWAY_HEADER_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("GATEWAY_MAX_HEADER_BYTES", "8192")
    app = make_app(sandboxes, {"GATEWAY_API_KEYS": KEY})
    with loopback_server(app, http=HTTP_PROTOCOL) as (base_url, _):
        yield int(base_url.rsplit(":", 1)[1])


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def graphql_error(answer: bytes) -> dict[str, Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    [error] = json.loads(body)["errors"]
    return dict(error)


def test_a_client_sending_its_headers_slowly_is_cut_off(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(START)
        closed = False
        # One header byte every 0.1 s: never idle, never done. Sent for at most 10 s.
        for _ in range(100):
            try:
                sock.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
            sock.settimeout(0.0)
            try:
                peeked = sock.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                peeked = None
            finally:
                sock.settimeout(10)
            if peeked is not None:
                closed = True
                break
        assert closed, "the server kept a connection whose headers never ended"
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    error = graphql_error(answer)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "0.5 s" in error["message"]


def test_a_silent_connection_is_closed_after_the_header_timeout(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        answer = read_all(sock)  # sends nothing; the server ends it
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_headers_over_the_size_limit_are_refused_before_the_app(port: int) -> None:
    huge = b"authorization: Bearer " + b"k" * 1_300_000 + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # Closed after its answer, maybe while the rest was still on its way.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(START + huge + b"content-length: 2\r\n\r\n{}")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    error = graphql_error(answer)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "8192 bytes" in error["message"]


def test_a_request_within_the_limits_is_served_on_a_kept_alive_connection(port: int) -> None:
    request = (
        START + f"authorization: Bearer {KEY}\r\n".encode() + b"content-length: 31\r\n\r\n"
        b'{"query": "{ __typename }"}    '
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(request)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
            time.sleep(0.3)  # within the keep-alive; the next request's clock starts anew


def test_serve_runs_the_protocol_with_the_header_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from gateway import cli

    options: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda **kw: options.update(kw))
    with pytest.raises(SystemExit):
        cli.main(["serve", "--demo", "--port", "1"])
    assert options["http"] == HTTP_PROTOCOL
