"""Subscriptions on `/graphql`: over WebSocket (the `graphql-transport-ws` protocol, as
graphql-ws and GraphiQL speak it) and over Server-Sent Events (GraphQL over SSE, distinct
connections mode: `POST /graphql` with `Accept: text/event-stream`, one operation a stream).

Both run `Schema.stream` for subscription operations only, with what queries get: the
caller's scopes (`customers:read`), trusted documents, the schema's limits. Bounds:

- a caller (by identity; anonymous ones by address) holds at most `max_connections_per_caller`
  connections per process (WebSocket: closed 1013; SSE: 429);
- a WebSocket runs at most `max_subscriptions_per_connection` subscriptions (more: an `error`
  message for that one);
- `connection_init` must come within `INIT_TIMEOUT` seconds (else closed 4408);
- a subscriber more than `subscription_buffer` changes behind is dropped: WebSocket closed
  1008 with the reason, SSE ended with an error then `complete`;
- keep-alive: a `ping` message (WebSocket) or a comment line (SSE) every `keepalive`
  seconds;
- on shutdown every connection ends cleanly: WebSocket closed 1001, SSE `complete`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import orjson
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response, StreamingResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from gateway.config import LiveSettings
from gateway.data.context import RequestContext
from gateway.http.auth import CredentialRefused
from gateway.http.caller import Caller, bearer_of, caller_of
from gateway.http.endpoint import RequestError, _checked, _format_error, _params
from gateway.http.persisted import PersistedQueryError, TrustedDocuments
from gateway.http.request_id import HEADER as REQUEST_ID_HEADER
from gateway.http.request_id import request_id_for
from gateway.http.responses import error_response

logger = logging.getLogger("gateway.live")

PROTOCOL: Final = "graphql-transport-ws"
EVENT_STREAM: Final = "text/event-stream"
#: Seconds a WebSocket may take to send `connection_init`.
INIT_TIMEOUT: Final = 10.0
#: WebSocket close codes: graphql-transport-ws's, then RFC 6455's.
BAD_MESSAGE, UNAUTHORIZED, FORBIDDEN, INIT_TIMED_OUT = 4400, 4401, 4403, 4408
DUPLICATE_ID, TOO_MANY_INITS = 4409, 4429
GOING_AWAY, POLICY, TRY_AGAIN_LATER = 1001, 1008, 1013
SHUTTING_DOWN: Final = "the server is shutting down; reconnect"

ContextFactory = Callable[[HTTPConnection, str], RequestContext]
Authenticate = Callable[[bytes | None], Awaitable[Caller]]
Payload = dict[str, Any]


class Refused(Exception):
    """A subscription that may not start: its errors, and the HTTP status SSE answers with."""

    def __init__(self, status: int, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.errors = [{"message": message, "extensions": {"code": code}}]


def _reason(text: str) -> str:
    """A close reason within RFC 6455's 123 bytes."""
    return text.encode()[:123].decode(errors="ignore")


def _payload(result: ExecutionResult) -> Payload:
    payload: Payload = {}
    if not isinstance(result, PreExecutionError):
        payload["data"] = result.data
    if result.errors:
        payload["errors"] = [_format_error(error) for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


class Live:
    """What both transports share: how a subscription starts, and the bounds."""

    def __init__(
        self,
        schema: Any,
        context_factory: ContextFactory,
        documents: TrustedDocuments,
        authenticate: Authenticate,
        settings: LiveSettings,
    ) -> None:
        self.schema = schema
        self.context_factory = context_factory
        self.documents = documents
        self.authenticate = authenticate
        self.settings = settings
        self._held: Counter[str] = Counter()
        self._closing: asyncio.Event | None = None
        self._restore: list[tuple[int, Any]] = []

    # -- bounds and shutdown -----------------------------------------------------------------

    @property
    def closing(self) -> asyncio.Event:
        if self._closing is None:
            self._closing = asyncio.Event()
        return self._closing

    def admit(self, caller: Caller, connection: HTTPConnection) -> Callable[[], None]:
        """Count one more connection of `caller`; returns what ends it (call it once).

        Raises:
            Refused: the caller holds as many as it may already.
        """
        who = caller.identity
        if caller.kind == "anonymous" and connection.client is not None:
            who += connection.client.host
        limit = self.settings.max_connections_per_caller
        if self._held[who] >= limit:
            raise Refused(429, f"too many subscription connections: at most {limit} per caller")
        self._held[who] += 1

        def release() -> None:
            self._held[who] -= 1
            if not self._held[who]:
                del self._held[who]

        return release

    def watch_shutdown(self) -> None:
        """End every connection as soon as the server is told to stop: the server waits for
        open connections before it shuts the app down, so the app hears SIGTERM/SIGINT itself
        (the server's own handlers still run)."""
        if threading.current_thread() is not threading.main_thread():
            return  # signals reach the main thread only (tests serve from others)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)

            def handler(sig: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.closing.set)
                if callable(previous):
                    previous(sig, frame)

            signal.signal(signum, handler)
            self._restore.append((signum, previous))

    def shutdown(self) -> None:
        self.closing.set()
        for signum, previous in self._restore:
            signal.signal(signum, previous)
        self._restore.clear()

    # -- one subscription --------------------------------------------------------------------

    async def start(
        self,
        params: Payload,
        caller: Caller,
        connection: HTTPConnection,
        on_dropped: Callable[[Exception], None],
    ) -> AsyncIterator[ExecutionResult]:
        """The results of the subscription `params` asks for.

        Raises:
            Refused: the caller may not run it (scope, trusted documents, a malformed request).
        """
        if (needed := caller.missing_scope(OperationType.SUBSCRIPTION)) is not None:
            raise Refused(
                403,
                f"subscription operations need the scope {needed}, which this token does not grant",
                "FORBIDDEN",
            )
        try:
            params = {**params, "query": self.documents.query_for(params, caller)}
            query, variables, operation_name, extensions = _checked(params)
        except PersistedQueryError as exc:
            raise Refused(exc.status, exc.message, exc.code) from None
        except RequestError as exc:
            raise Refused(exc.status, exc.message) from None
        context = self.context_factory(connection, request_id_for(connection.scope))
        context.on_dropped = on_dropped
        stream: AsyncIterator[ExecutionResult] = await self.schema.stream(
            query,
            variable_values=variables,
            context_value=context,
            operation_name=operation_name,
            operation_extensions=extensions,
            allowed_operation_types={OperationType.SUBSCRIPTION},
        )
        return stream

    # -- Server-Sent Events ------------------------------------------------------------------

    async def event_stream(self, request: Request) -> Response:
        """`POST /graphql` with `Accept: text/event-stream`."""
        headers = {REQUEST_ID_HEADER: request_id_for(request.scope)}
        caller = caller_of(request.scope)
        try:
            params = await _params(request)
        except RequestError as exc:
            return error_response(exc.status, exc.message, headers=headers | exc.headers)
        dropped: asyncio.Queue[Exception] = asyncio.Queue(1)
        try:
            # Counted here, released by the stream: a stream that never starts (the client
            # left before the answer) must not hold the count, so it is taken again there.
            self.admit(caller, request)()
            results = await self.start(params, caller, request, dropped.put_nowait)
        except Refused as exc:
            return error_response(exc.status, str(exc), exc.code, headers=headers)
        events = self._events(results, dropped, caller, request)
        return StreamingResponse(
            events,
            media_type=EVENT_STREAM,
            headers=headers | {"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    async def _events(
        self,
        results: AsyncIterator[ExecutionResult],
        dropped: asyncio.Queue[Exception],
        caller: Caller,
        connection: HTTPConnection,
    ) -> AsyncIterator[bytes]:
        try:
            release = self.admit(caller, connection)
        except Refused as exc:  # another stream of the caller started meanwhile
            yield _sse("next", {"errors": exc.errors})
            yield b"event: complete\ndata:\n\n"
            return
        try:
            async with _Merged(results, dropped, self.closing) as merged:
                while True:
                    try:
                        kind, value = await asyncio.wait_for(merged.next(), self.settings.keepalive)
                    except TimeoutError:
                        yield b":\n\n"  # keep-alive comment
                        continue
                    if kind == "next":
                        yield _sse("next", _payload(value))
                        continue
                    if kind == "dropped":
                        yield _sse("next", {"errors": Refused(0, str(value)).errors})
                    elif kind == "closing":
                        yield _sse("next", {"errors": Refused(0, SHUTTING_DOWN).errors})
                    yield b"event: complete\ndata:\n\n"
                    return
        finally:
            release()

    # -- WebSocket ---------------------------------------------------------------------------

    async def websocket(self, websocket: WebSocket) -> None:
        if PROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(code=POLICY, reason=f"speak the {PROTOCOL} subprotocol")
            return
        await websocket.accept(subprotocol=PROTOCOL)
        await _Connection(self, websocket).run()


def _sse(event: str, payload: Payload) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


class _Merged:
    """A subscription's results, its drop and the server's shutdown, as one stream of
    `(kind, value)`: `next`, `done`, `dropped`, `closing`."""

    def __init__(
        self,
        results: AsyncIterator[ExecutionResult],
        dropped: asyncio.Queue[Exception],
        closing: asyncio.Event,
    ) -> None:
        self._results = results
        self._dropped = dropped
        self._closing = closing
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(1)
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> _Merged:
        self._tasks = [
            asyncio.create_task(self._pump()),
            asyncio.create_task(self._watch()),
        ]
        return self

    async def _pump(self) -> None:
        try:
            async for result in self._results:
                await self._queue.put(("next", result))
                if isinstance(result, PreExecutionError):
                    break
        except Exception as exc:  # a dropped subscriber ends its generator with SlowConsumer
            await self._queue.put(("dropped", exc))
            return
        await self._queue.put(("done", None))

    async def _watch(self) -> None:
        closing = asyncio.create_task(self._closing.wait())
        dropped = asyncio.create_task(self._dropped.get())
        done, pending = await asyncio.wait({closing, dropped}, return_when="FIRST_COMPLETED")
        for task in pending:
            task.cancel()
        if dropped in done:
            await self._queue.put(("dropped", dropped.result()))
        else:
            await self._queue.put(("closing", None))

    async def next(self) -> tuple[str, Any]:
        return await self._queue.get()

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        aclose = getattr(self._results, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


class _Connection:
    """One graphql-transport-ws connection."""

    def __init__(self, live: Live, websocket: WebSocket) -> None:
        self.live = live
        self.websocket = websocket
        self.settings = live.settings
        self.caller: Caller | None = None
        self.running: dict[str, asyncio.Task[None]] = {}
        self._send_lock = asyncio.Lock()
        self._closed = False

    async def run(self) -> None:
        try:
            caller = await self._init()
            if caller is None:
                return
            release = self.live.admit(caller, self.websocket)
            try:
                self.caller = caller
                await self.send({"type": "connection_ack"})
                await self._serve()
            finally:
                release()
        except Refused as exc:
            await self.close(TRY_AGAIN_LATER, str(exc))
        except WebSocketDisconnect:
            pass
        finally:
            for task in self.running.values():
                task.cancel()

    async def _init(self) -> Caller | None:
        try:
            message = await asyncio.wait_for(self._receive(), INIT_TIMEOUT)
        except TimeoutError:
            await self.close(INIT_TIMED_OUT, "Connection initialisation timeout")
            return None
        if message is None:
            return None
        if message.get("type") != "connection_init":
            await self.close(UNAUTHORIZED, "Unauthorized")
            return None
        try:
            return await self.live.authenticate(self._token(message.get("payload")))
        except CredentialRefused as exc:
            await self.close(FORBIDDEN, f"Forbidden: {exc.message}")
            return None

    def _token(self, payload: Any) -> bytes | None:
        """The credential of `connection_init` (browsers cannot set headers on a WebSocket):
        `{"Authorization": "Bearer <key or token>"}`, else the upgrade request's header."""
        value = None
        if isinstance(payload, dict):
            value = payload.get("Authorization") or payload.get("authorization")
        if isinstance(value, str):
            return bearer_of(value, "replace")
        return bearer_of(self.websocket.headers.get("authorization"))

    async def _receive(self) -> Payload | None:
        """The next message, or None once the connection was closed for a bad one."""
        text = await self.websocket.receive_text()
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.close(BAD_MESSAGE, "Invalid message received")
            return None
        return message

    async def _serve(self) -> None:
        pinging = asyncio.create_task(self._keepalive())
        closing = asyncio.create_task(self._on_shutdown())
        try:
            while not self._closed:
                message = await self._receive()
                if message is None or not await self._handle(message):
                    return
        finally:
            pinging.cancel()
            closing.cancel()

    async def _handle(self, message: Payload) -> bool:
        """Act on one message; False once the connection is closed."""
        kind = message["type"]
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self.close(TOO_MANY_INITS, "Too many initialisation requests")
            return False
        elif kind == "subscribe":
            return await self._subscribe(message)
        elif kind == "complete":
            task = self.running.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            await self.close(BAD_MESSAGE, f"Invalid message type {kind[:40]!r}")
            return False
        return True

    async def _subscribe(self, message: Payload) -> bool:
        operation_id, payload = message.get("id"), message.get("payload")
        if not isinstance(operation_id, str) or not operation_id or not isinstance(payload, dict):
            await self.close(BAD_MESSAGE, "Invalid subscribe message")
            return False
        if operation_id in self.running:
            await self.close(DUPLICATE_ID, _reason(f"Subscriber for {operation_id} already exists"))
            return False
        limit = self.settings.max_subscriptions_per_connection
        if len(self.running) >= limit:
            errors = Refused(0, f"too many subscriptions: at most {limit} per connection").errors
            await self.send({"id": operation_id, "type": "error", "payload": errors})
            return True
        self.running[operation_id] = asyncio.create_task(self._run(operation_id, payload))
        return True

    async def _run(self, operation_id: str, payload: Payload) -> None:
        assert self.caller is not None
        try:
            results = await self.live.start(payload, self.caller, self.websocket, self._dropped)
        except Refused as exc:
            await self.send({"id": operation_id, "type": "error", "payload": exc.errors})
            self.running.pop(operation_id, None)
            return
        try:
            async for result in results:
                if isinstance(result, PreExecutionError):
                    errors = _payload(result).get("errors", [])
                    await self.send({"id": operation_id, "type": "error", "payload": errors})
                    return
                await self.send({"id": operation_id, "type": "next", "payload": _payload(result)})
            await self.send({"id": operation_id, "type": "complete"})
        except asyncio.CancelledError:
            raise
        except WebSocketDisconnect:
            return
        except Exception as exc:  # a dropped subscriber ends its generator with SlowConsumer
            await self.close(POLICY, _reason(str(exc)))
        finally:
            self.running.pop(operation_id, None)
            aclose = getattr(results, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def _dropped(self, exc: Exception) -> None:
        # Called by the bus, possibly while this connection's send is stuck on the client.
        asyncio.get_running_loop().create_task(self.close(POLICY, _reason(str(exc))))

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.settings.keepalive)
            await self.send({"type": "ping"})

    async def _on_shutdown(self) -> None:
        await self.live.closing.wait()
        await self.close(GOING_AWAY, SHUTTING_DOWN)

    async def send(self, message: Payload) -> None:
        if self._closed:
            return
        async with self._send_lock:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self.websocket.send_text(orjson.dumps(message).decode())

    async def close(self, code: int, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self.running.values():
            if task is not asyncio.current_task():
                task.cancel()
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self.websocket.close(code=code, reason=_reason(reason))


__all__ = ["EVENT_STREAM", "PROTOCOL", "Live"]
