"""How the upstream clients put a request on the wire: an `UpstreamSession`.

In production it is an `AiohttpSession`: aiohttp costs about a tenth of the CPU per call of
`httpx.AsyncClient` here. `HttpxSession` wraps an `httpx.AsyncClient`, for a transport of
its own: demo mode reaches the in-process sandboxes through `httpx.ASGITransport`, and tests
pass transports too.

Each session turns its library's transport failures into the `UpstreamError` tree in one
place, alike: not connected (refused, connect or pool timeout) is `sent=False`; a timeout or
a broken connection after the request went out is `sent=True`, since a write may have been
applied. Causes are dropped (`from None`): library exceptions carry URLs and headers, which
may hold credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Final, Protocol

import aiohttp
import httpx
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ConnectionKey
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from gateway.upstream import errors
from gateway.upstream.errors import Source

#: Seconds an idle connection stays open for reuse (httpx's default, kept): servers close
#: idle connections after a few seconds (Node's default is 5), and a request sent on one
#: they are closing fails.
DEFAULT_KEEPALIVE_EXPIRY: Final = 5.0


@dataclass(frozen=True, slots=True)
class Answer:
    """An upstream's response, read in full. `headers` ignores the case of names."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


@dataclass
class Wire:
    """Whether the request being sent has left the process (its headers went out), and
    whom to tell when it does."""

    sent: bool = False
    on_sent: Callable[[], None] | None = None


_wire: ContextVar[Wire | None] = ContextVar("gateway_upstream_wire", default=None)


@contextmanager
def watching_the_wire(on_sent: Callable[[], None] | None = None) -> Iterator[Wire]:
    """Note, for the block, whether a session put its request on the wire (and call
    `on_sent` when it does): a call cut off before that was certainly not applied."""
    wire = Wire(on_sent=on_sent)
    token = _wire.set(wire)
    try:
        yield wire
    finally:
        _wire.reset(token)


def _on_the_wire() -> None:
    wire = _wire.get()
    if wire is not None and not wire.sent:
        wire.sent = True
        if wire.on_sent is not None:
            wire.on_sent()


async def _headers_sent(
    _session: aiohttp.ClientSession,
    _context: SimpleNamespace,
    _params: aiohttp.TraceRequestHeadersSentParams,
) -> None:
    _on_the_wire()


class UpstreamSession(Protocol):
    """Sends requests to one upstream at `base_url`; owns its connections."""

    @property
    def base_url(self) -> str: ...

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        timeout: httpx.Timeout | None,
    ) -> Answer:
        """Send one request (`path` below `base_url`) and read the whole answer.

        `timeout` None uses the session's own.

        Raises:
            UpstreamTimeout: no connection, or no answer, in time.
            UpstreamUnavailable: the connection was refused or broke.
        """
        ...

    async def aclose(self) -> None:
        """Close the connections; the session sends nothing after."""
        ...


def as_session(http: httpx.AsyncClient | UpstreamSession, source: Source) -> UpstreamSession:
    """`http` as a session: an `httpx.AsyncClient` is wrapped (its owner still closes it)."""
    if isinstance(http, httpx.AsyncClient):
        return HttpxSession(http, source)
    return http


def _not_connected(source: Source) -> errors.UpstreamError:
    return errors.UpstreamTimeout(source, "could not connect in time", sent=False)


def _no_answer(source: Source) -> errors.UpstreamError:
    # Whether a write was applied is unknown; the retry layer says so for writes.
    return errors.UpstreamTimeout(source, "no answer in time", sent=True)


def _refused(source: Source) -> errors.UpstreamError:
    return errors.UpstreamUnavailable(source, "connection refused", sent=False)


def _broken(source: Source, exc: BaseException) -> errors.UpstreamError:
    return errors.UpstreamUnavailable(
        source, f"connection failed ({type(exc).__name__})", sent=True
    )


class HttpxSession:
    """An `httpx.AsyncClient` (with its base URL, timeouts and transport) as a session."""

    def __init__(self, http: httpx.AsyncClient, source: Source) -> None:
        self._http = http
        self._source: Source = source

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    def __repr__(self) -> str:
        return f"HttpxSession({self.base_url!r})"

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        timeout: httpx.Timeout | None,
    ) -> Answer:
        source = self._source
        # Its transports are in process (the sandboxes) or test doubles: the request is
        # handed over at once, so it counts as sent from here.
        _on_the_wire()
        try:
            response = await self._http.request(
                method,
                path,
                content=content,
                params=params,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            raise _not_connected(source) from None
        except httpx.TimeoutException:
            raise _no_answer(source) from None
        except httpx.ConnectError:
            raise _refused(source) from None
        except httpx.TransportError as exc:
            raise _broken(source, exc) from None
        return Answer(response.status_code, response.headers, response.content)

    async def aclose(self) -> None:
        await self._http.aclose()


def client_timeout(timeout: httpx.Timeout) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for httpx's: `connect` bounds the TCP connect (`sock_connect`),
    `pool` + `connect` the wait for a free connection and its connect (aiohttp's `connect`),
    `read` each read of the answer (`sock_read`). aiohttp has no write timeout; the request
    bodies are small, and the guard's deadline bounds the whole call."""
    acquire = (
        None if timeout.pool is None or timeout.connect is None else timeout.pool + timeout.connect
    )
    return aiohttp.ClientTimeout(
        total=None, connect=acquire, sock_connect=timeout.connect, sock_read=timeout.read
    )


def env_proxy(url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy (and its credentials) that `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` name for
    `url`, as httpx honoured them; None without one. Looked up once per session: aiohttp's
    `trust_env` would look it up, and read `~/.netrc`, in a thread on every request."""
    try:
        return get_env_proxy_for_url(url)
    except LookupError:
        return None, None


def _wire_trace() -> aiohttp.TraceConfig:
    """Tells `watching_the_wire` when a request's headers go out: connected, no longer
    waiting for the pool."""
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_headers_sent)
    trace.freeze()
    return trace


class _Connector(aiohttp.TCPConnector):
    """A `TCPConnector` that keeps at most `max_keepalive` idle connections per host
    (aiohttp alone keeps every released one, up to `limit`), closing the oldest."""

    def __init__(self, *, limit: int, max_keepalive: int, keepalive_expiry: float) -> None:
        keep = max_keepalive > 0
        super().__init__(
            limit=limit,
            force_close=not keep,
            keepalive_timeout=keepalive_expiry if keep else None,
        )
        self._max_keepalive = max_keepalive

    def _release(
        self,
        key: ConnectionKey,
        protocol: ResponseHandler,
        *,
        should_close: bool = False,
    ) -> None:
        super()._release(key, protocol, should_close=should_close)
        idle = self._conns.get(key)
        # Idle connections queue oldest first (reuse takes the oldest too): the one closest
        # to its expiry goes.
        while idle and len(idle) > self._max_keepalive:
            oldest, _ = idle.popleft()
            oldest.close()


class AiohttpSession:
    """One `aiohttp.ClientSession` to one upstream, made on first use (aiohttp needs the
    running event loop): at most `max_connections` open, `max_keepalive` of them idle for
    `keepalive_expiry` seconds (0 closes each after its answer), through the proxy the
    environment names (`env_proxy`), no redirects followed, no cookies kept, gzip and deflate
    answers decompressed.

    aiohttp resends a request once when its connection drops before the answer starts (as a
    kept-alive one the server has closed does), but only for idempotent methods
    (`IDEMPOTENT_METHODS` in aiohttp/client.py: GET, HEAD, OPTIONS, TRACE, PUT, DELETE); the
    writes here are POSTs, so a write is never sent twice.

    Args:
        source: the upstream, named in the errors.
        base_url: what every `path` is appended to.
        timeout: the timeouts of a call that names none.
    """

    def __init__(
        self,
        source: Source,
        base_url: str,
        *,
        timeout: httpx.Timeout,
        max_connections: int,
        max_keepalive: int,
        keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY,
    ) -> None:
        self._source: Source = source
        self._base = base_url.rstrip("/")
        self._client_timeout = client_timeout(timeout)
        self._max_connections = max_connections
        self._max_keepalive = max_keepalive
        self._keepalive_expiry = keepalive_expiry
        self._urls: dict[str, URL] = {}
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def base_url(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"AiohttpSession({self._source!r}, {self._base!r})"

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        connector = _Connector(
            limit=self._max_connections,
            max_keepalive=self._max_keepalive,
            keepalive_expiry=self._keepalive_expiry,
        )
        proxy, proxy_auth = env_proxy(URL(self._base))
        self._session = aiohttp.ClientSession(
            connector=connector,
            proxy=proxy,
            proxy_auth=proxy_auth,
            timeout=self._client_timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
            trace_configs=[_wire_trace()],
        )
        return self._session

    def _url(self, path: str) -> URL:
        # The paths are a handful of constants: each is parsed once.
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = URL(self._base + path)
        return url

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        timeout: httpx.Timeout | None,
    ) -> Answer:
        session = self._session or self._open()
        source = self._source
        try:
            async with session.request(
                method,
                self._url(path),
                data=content,
                params=params,
                headers=headers,
                timeout=self._client_timeout if timeout is None else client_timeout(timeout),
                allow_redirects=False,
            ) as response:
                body = await response.read()
        # Order matters: the timeouts are `OSError`s, `ConnectionTimeoutError` a timeout.
        except aiohttp.ConnectionTimeoutError:
            raise _not_connected(source) from None
        except TimeoutError:  # aiohttp's `SocketTimeoutError`, `ServerTimeoutError`
            raise _no_answer(source) from None
        except aiohttp.ClientConnectorError:
            raise _refused(source) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise _broken(source, exc) from None
        return Answer(response.status, response.headers, body)

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None
