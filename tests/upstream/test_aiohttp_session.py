"""`AiohttpSession`, the production HTTP path, over real loopback sockets: the Fullwhere
sandbox served by uvicorn, and raw servers that misbehave on purpose."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import httpx
import orjson
import pytest

from gateway.upstream.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from gateway.upstream.fullwhere import FullwhereClient, FullwhereCredentials
from gateway.upstream.session import AiohttpSession, Answer
from tests.support.fullwhere_data import ALICE, API_KEY, API_SECRET, fullwhere_sandbox
from tests.support.loopback import _free_port, serve_loopback

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
TIMEOUT = httpx.Timeout(0.5, connect=0.5)
OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


def session(base_url: str, *, max_connections: int = 10) -> AiohttpSession:
    return AiohttpSession(
        "fullwhere",
        base_url,
        timeout=TIMEOUT,
        max_connections=max_connections,
        max_keepalive=max_connections,
    )


async def send(http: AiohttpSession, method: str = "GET", **options: object) -> Answer:
    timeout = options.pop("timeout", None)
    assert timeout is None or isinstance(timeout, httpx.Timeout)
    content = b'{"a": 1}' if method == "POST" else None
    return await http.send(method, "/x", content=content, params=None, headers={}, timeout=timeout)


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """The request line of the next request on the connection (its body read and dropped),
    or None when the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.split(b"\r\n")
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            await reader.readexactly(int(value))
    return lines[0]


@asynccontextmanager
async def raw_server(handle: Handler) -> AsyncIterator[str]:
    """`handle` serving each connection on a free loopback port; yields the base URL."""

    async def bounded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(handle(reader, writer), 5.0)
        except TimeoutError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(bounded, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts, reads the request, never answers (until the client gives up)."""
    await read_request(reader)
    await reader.read()


def closed_url() -> str:
    """A loopback URL nothing listens on (its port bound, then released)."""
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture
async def fullwhere() -> AsyncIterator[tuple[FullwhereClient, AiohttpSession]]:
    with serve_loopback(fullwhere_sandbox().app) as url:
        http = session(url)
        try:
            yield FullwhereClient(http, FullwhereCredentials(API_KEY, API_SECRET)), http
        finally:
            await http.aclose()


async def test_a_get_with_params_and_headers_reads_the_json_answer(
    fullwhere: tuple[FullwhereClient, AiohttpSession],
) -> None:
    client, _ = fullwhere
    assert await client.get_customer(ALICE["id"]) == ALICE


async def test_a_post_sends_its_json_body(
    fullwhere: tuple[FullwhereClient, AiohttpSession],
) -> None:
    client, _ = fullwhere
    created = await client.import_customer({"firstName": "Hugo", "lastName": "Petit"})
    assert (created["firstName"], created["lastName"]) == ("Hugo", "Petit")
    assert await client.get_customer(created["id"]) == created


async def test_the_answer_headers_ignore_case(
    fullwhere: tuple[FullwhereClient, AiohttpSession],
) -> None:
    _, http = fullwhere
    answer = await http.send(
        "GET", "/partners/customer", content=None, params={"id": "x"}, headers={}, timeout=None
    )
    assert answer.status_code == 401  # no credentials sent
    assert answer.headers.get("Content-Type") == answer.headers.get("content-type")
    assert answer.headers.get("content-type", "").startswith("application/json")


async def failure(url: str, headers: Mapping[str, str] | None = None) -> UpstreamError:
    """The error of one POST to `url`, sent with `headers`."""
    http = session(url)
    try:
        await http.send(
            "POST", "/x", content=b"{}", params=None, headers=headers or {}, timeout=None
        )
    except UpstreamError as exc:
        return exc
    finally:
        await http.aclose()
    raise AssertionError("the call succeeded")


async def test_a_closed_port_is_refused_and_nothing_was_sent() -> None:
    error = await failure(closed_url())
    assert isinstance(error, UpstreamUnavailable)
    assert (error.message, error.sent) == ("connection refused", False)


async def test_a_server_that_never_answers_times_out_after_sending() -> None:
    async with raw_server(silent) as url:
        error = await failure(url)
    assert isinstance(error, UpstreamTimeout)
    assert (error.message, error.sent) == ("no answer in time", True)


async def test_waiting_for_a_free_connection_too_long_is_not_sent() -> None:
    async with raw_server(silent) as url:
        http = session(url, max_connections=1)
        try:
            held = asyncio.create_task(send(http))  # takes the one connection, never answered
            await asyncio.sleep(0.1)
            with pytest.raises(UpstreamTimeout) as caught:
                await send(http, "POST", timeout=httpx.Timeout(1.0, connect=0.1, pool=0.1))
            with pytest.raises(UpstreamTimeout):
                await held
        finally:
            await http.aclose()
    assert caught.value.message == "could not connect in time"
    assert caught.value.sent is False


async def test_a_connection_closed_mid_answer_is_unavailable_after_sending() -> None:
    sandbox = fullwhere_sandbox()
    sandbox.control.fail_next("get", kind="disconnect")  # drops its answer after a few bytes
    with serve_loopback(sandbox.app) as url:
        http = session(url)
        client = FullwhereClient(http, FullwhereCredentials(API_KEY, API_SECRET))
        try:
            with pytest.raises(UpstreamUnavailable) as caught:
                await client.get_customer(ALICE["id"])
        finally:
            await http.aclose()
    assert caught.value.message == "connection failed (ClientPayloadError)"
    assert caught.value.sent is True


class DropsAllButTheFirst:
    """Answers the first request it gets; reads every later one, then closes the connection
    without a word. Records each request line."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (line := await read_request(reader)) is not None:
            self.requests.append(line)
            if len(self.requests) > 1:
                return
            writer.write(OK)
            await writer.drain()


@pytest.mark.parametrize(("method", "sent"), [("POST", 2), ("GET", 3)])
async def test_a_dropped_write_is_sent_once_a_dropped_read_may_be_resent(
    method: str, sent: int
) -> None:
    """The second request goes on the kept-alive connection and is dropped: aiohttp resends
    idempotent methods once, on a new connection, and never a POST."""
    server = DropsAllButTheFirst()
    async with raw_server(server) as url:
        http = session(url)
        try:
            await send(http, method)
            with pytest.raises(UpstreamUnavailable) as caught:
                await send(http, method)
        finally:
            await http.aclose()
    assert caught.value.sent is True
    assert caught.value.message == "connection failed (ServerDisconnectedError)"
    assert [line.split(b" ")[0] for line in server.requests] == [method.encode()] * sent


async def drops(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads the request, then closes the connection without a word."""
    await read_request(reader)


@pytest.mark.parametrize("handler", [silent, drops, None], ids=["silent", "drops", "refused"])
async def test_no_error_holds_a_credential(handler: Handler | None) -> None:
    key, secret = "pk_live_never_in_an_error_1a2b", "sk_live_never_in_an_error_9f3c"
    credentials = {"X-API-KEY": key, "X-API-SECRET": secret}  # as the Fullwhere client sends
    if handler is None:
        error = await failure(closed_url(), credentials)
    else:
        async with raw_server(handler) as url:
            error = await failure(url, credentials)
    assert error.__cause__ is None and error.__suppress_context__
    for text in (str(error), repr(error), error.message):
        assert key not in text
        assert secret not in text


class Proxy:
    """A forward proxy that records each request line and answers it itself."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (line := await read_request(reader)) is not None:
            self.requests.append(line)
            writer.write(OK)
            await writer.drain()


@pytest.mark.parametrize("bypassed", [False, True])
async def test_the_proxy_the_environment_names_carries_the_calls(
    monkeypatch: pytest.MonkeyPatch, bypassed: bool
) -> None:
    proxy = Proxy()
    upstream = closed_url()
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    if bypassed:
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with raw_server(proxy) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        http = session(upstream)
        try:
            if bypassed:  # straight to the upstream, where nothing listens
                with pytest.raises(UpstreamUnavailable, match="connection refused"):
                    await send(http, "POST")
            else:
                assert (await send(http, "POST")).status_code == 200
        finally:
            await http.aclose()
    assert proxy.requests == ([] if bypassed else [f"POST {upstream}/x HTTP/1.1".encode()])


def test_a_session_made_before_the_event_loop_runs_sends_inside_it() -> None:
    """As `create_app` makes it: the aiohttp session itself is made on the first call."""
    with serve_loopback(fullwhere_sandbox().app) as url:
        http = session(url)  # no event loop is running here

        async def get() -> Answer:
            try:
                return await http.send(
                    "GET",
                    "/partners/customer",
                    content=None,
                    params={"id": ALICE["id"]},
                    headers={"X-API-KEY": API_KEY, "X-API-SECRET": API_SECRET},
                    timeout=None,
                )
            finally:
                await http.aclose()

        answer = asyncio.run(get())
    assert answer.status_code == 200
    assert orjson.loads(answer.content) == ALICE
