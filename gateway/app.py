"""The gateway's ASGI app: `create_app(settings)`.

One session per upstream (aiohttp, pooled, keep-alive) serves every request and is closed
with the app's lifespan. In demo mode both sandboxes run in-process: the clients reach them
through httpx's ASGI transport, and they are mounted under `/sandbox/...` for people to poke.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import Settings
from gateway.data.cache import ReadCache
from gateway.data.context import RequestContext
from gateway.data.idempotency import Idempotency, IdempotencyStore, check_same
from gateway.data.upstreams import GROUPED, Upstreams
from gateway.errors import GatewayError
from gateway.graphql import build_schema
from gateway.http.auth import BearerAuth, authenticator
from gateway.http.body_limit import BodyLimit
from gateway.http.cors import CORSMiddleware, cors_options
from gateway.http.endpoint import GraphQLEndpoint
from gateway.http.graphiql import graphiql_renderer, graphiql_routes
from gateway.http.health import Readiness, health_routes
from gateway.http.jwks import JwksCache
from gateway.http.live import Live
from gateway.http.persisted import TrustedDocuments
from gateway.http.request_id import RequestId
from gateway.http.tokens import JwtVerifier
from gateway.http.webhooks import webhook_routes
from gateway.identity.index import MemoryIdentityIndex
from gateway.identity.lock import MemorySyncLock
from gateway.identity.redis import RedisIdentityIndex, RedisSyncLock
from gateway.identity.sync import IdentitySync
from gateway.logs import install_redaction, secrets_of
from gateway.observability import metrics
from gateway.observability.tracing import Tracing, otlp_tracer_provider
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.webhooks import WebhookSender
from gateway.services.live import apply_mews_message, publish_found
from gateway.store import RedisStore, connect
from gateway.store.cache import RedisCacheLayer
from gateway.store.changes import ChangeBus, RedisChangeBus
from gateway.store.idempotency import RedisIdempotencyStore
from gateway.store.inbox import Inbox, MemoryInbox, RedisInbox
from gateway.store.limiter import RedisWindowLimiter
from gateway.store.links import Links
from gateway.upstream.errors import Source
from gateway.upstream.fullwhere import FullwhereClient, FullwhereCredentials
from gateway.upstream.mews import MewsClient, MewsCredentials
from gateway.upstream.mews_group import MewsGroup
from gateway.upstream.mews_types import MewsCustomerFilters
from gateway.upstream.resilience import (
    Backoff,
    CircuitBreaker,
    Deadline,
    Guard,
    RateLimiter,
    RetryPolicy,
    SlidingWindowLimiter,
    is_upstream_failure,
)
from gateway.upstream.session import AiohttpSession, HttpxSession, UpstreamSession

logger = logging.getLogger("gateway")

DEMO_HEADER = "x-gateway-mode"
#: The id the readiness probe asks Mews for: well-formed, and no guest's. `CustomerIds` with
#: `Count: 1` is valid under any reading of the docs ("required if no other filter").
PROBE_MEWS_ID = "00000000-0000-0000-0000-000000000000"

EXAMPLE_QUERY = """\
# One endpoint for Fullwhere (customer data platform) and Mews (hotel PMS).
# Press the play button, then explore the Docs panel.
query FirstCustomers {
  customers(first: 5) {
    totalCount
    edges {
      node {
        id
        displayName
        email
        phone
        link { method mewsId }
        mews { number classifications nationalityCode chainId property }
        conflicts { field values { source value } }
      }
    }
  }
}
"""


class DemoHeader:
    """Pure ASGI middleware: mark every HTTP response as coming from demo mode."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableHeaders(scope=message).append(DEMO_HEADER, "demo")
            await send(message)

        await self.app(scope, receive, send_marked)


def _session(
    source: Source, base_url: str, settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> UpstreamSession:
    """aiohttp to the upstream itself; httpx over `transport` when one is given."""
    timeout = httpx.Timeout(settings.timeouts.read, connect=settings.timeouts.connect)
    pool = settings.pool
    if transport is None:
        return AiohttpSession(
            source,
            base_url,
            timeout=timeout,
            max_connections=pool.max_connections,
            max_keepalive=pool.max_keepalive,
        )
    http = httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=timeout,
        limits=httpx.Limits(
            max_connections=pool.max_connections, max_keepalive_connections=pool.max_keepalive
        ),
    )
    return HttpxSession(http, source)


#: Seconds a request may run when REQUEST_DEADLINE_SECONDS sets no limit, for what must
#: outlive any request (a dropped cache key's tombstone, an idempotency claim).
UNBOUNDED_REQUEST_SECONDS = 60.0


#: How long past the longest request an idempotency claim waits for its answer before a
#: repeat is told the write may have been applied (Redis's clock: no skew between hosts).
LEASE_MARGIN_SECONDS = 2.0


def _longest_request(settings: Settings) -> float:
    return settings.resilience.request_deadline or UNBOUNDED_REQUEST_SECONDS


def build_guard(
    source: Source,
    settings: Settings,
    store: RedisStore | None = None,
    *,
    token: str | None = None,
) -> Guard:
    """Timeouts, retries, breaker (and for Mews the rate limit of the AccessToken `token`,
    the first one by default, shared by every process on `store`) of `source`. Breakers
    stay per process."""
    r = settings.resilience
    read = (r.fullwhere_timeout if source == "fullwhere" else r.mews_timeout) or (
        settings.timeouts.read
    )
    limiter: RateLimiter | None = None
    if source == "mews" and r.mews_rate_limit > 0 and settings.mews is not None:
        window, margin = r.mews_rate_window, r.mews_rate_margin
        if store is not None:
            limiter = RedisWindowLimiter(
                store,
                token or settings.mews.access_tokens[0],
                limit=r.mews_rate_limit,
                window=window,
                margin=margin,
                processes=settings.mews_processes,
            )
        else:
            # Without Redis, each replica keeps its share of the window.
            share = max(1, r.mews_rate_limit // settings.mews_processes)
            limiter = SlidingWindowLimiter(share, window, margin=margin)
    return Guard(
        source,
        retry=RetryPolicy(retries=r.retries, backoff=Backoff(r.backoff_base, r.backoff_cap)),
        breaker=(
            CircuitBreaker(r.breaker_threshold, r.breaker_cooldown)
            if r.breaker_threshold > 0
            else None
        ),
        limiter=limiter,
        timeout=httpx.Timeout(read, connect=settings.timeouts.connect),
        write_margin=r.write_margin,
    )


def build_upstreams(
    settings: Settings,
    *,
    fullwhere_transport: httpx.AsyncBaseTransport | None = None,
    mews_transport: httpx.AsyncBaseTransport | None = None,
    store: RedisStore | None = None,
) -> tuple[Upstreams, list[UpstreamSession]]:
    """The upstreams of `settings`, and the sessions to close after them."""
    clients: list[UpstreamSession] = []
    fullwhere = None
    if settings.fullwhere is not None:
        http = _session("fullwhere", settings.fullwhere.base_url, settings, fullwhere_transport)
        clients.append(http)
        fullwhere = FullwhereClient(
            http,
            FullwhereCredentials(settings.fullwhere.api_key, settings.fullwhere.api_secret),
            guard=build_guard("fullwhere", settings, store),
        )
    group = None
    if settings.mews is not None:
        http = _session("mews", settings.mews.base_url, settings, mews_transport)
        clients.append(http)
        group = MewsGroup(build_mews_clients(settings, http, store))
    upstreams = Upstreams(
        fullwhere_client=fullwhere,
        mews_client=group.primary if group is not None else None,
        mews_group=group,
        cache=ReadCache(
            ttl=settings.cache_ttl,
            maxsize=settings.cache_max_entries,
            max_bytes=settings.cache_max_bytes,
            stale_grace=settings.resilience.stale_grace,
            stale_if=is_upstream_failure,
            shared=(
                RedisCacheLayer(
                    store,
                    ttl=settings.cache_ttl,
                    grouped=GROUPED,
                    tombstone_ttl=_longest_request(settings),
                )
                if store is not None
                else None
            ),
        ),
        fullwhere_concurrency=settings.fullwhere_concurrency,
        links=Links(store, maxsize=settings.cache_max_links),
        identity=RedisIdentityIndex(store) if store is not None else MemoryIdentityIndex(),
        changes=(
            RedisChangeBus(store, block_seconds=settings.redis.timeout)
            if store is not None and settings.redis is not None
            else ChangeBus()
        ),
    )
    return upstreams, clients


def build_mews_clients(
    settings: Settings, http: UpstreamSession, store: RedisStore | None = None
) -> list[MewsClient]:
    """One client per Mews access token, each with a guard (and rate window) of its own:
    `MEWS_ACCESS_TOKEN` first (a portfolio token when `MEWS_CHAIN_IDS` are set), then the
    named tokens of `MEWS_ACCESS_TOKENS`."""
    mews = settings.mews
    assert mews is not None
    tokens: list[tuple[str | None, str]] = list(mews.named)
    if mews.access_token is not None:
        tokens.insert(0, (None, mews.access_token))
    return [
        MewsClient(
            http,
            MewsCredentials(mews.client_token, token, mews.client),
            guard=build_guard("mews", settings, store, token=token),
            chain_ids=mews.chain_ids if name is None else (),
            name=name,
        )
        for name, token in tokens
    ]


def build_verifier(settings: Settings) -> tuple[JwtVerifier | None, list[httpx.AsyncClient]]:
    """The JWT verifier of `settings` (None without a JWKS), and the client it fetches with."""
    if settings.jwt is None:
        return None, []
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeouts.read, connect=settings.timeouts.connect)
    )
    keys = JwksCache(http, settings.jwt.jwks_url, min_refresh=settings.jwt.jwks_min_refresh)
    verifier = JwtVerifier(
        keys, issuer=settings.jwt.issuer, audience=settings.jwt.audience, leeway=settings.jwt.leeway
    )
    return verifier, [http]


def build_store(settings: Settings) -> RedisStore | None:
    """The shared store of `settings` (None without REDIS_URL); nothing is sent yet."""
    if settings.redis is None:
        return None
    return connect(settings.redis.url, prefix=settings.redis.prefix, timeout=settings.redis.timeout)


def build_sync(
    settings: Settings, upstreams: Upstreams, store: RedisStore | None = None
) -> IdentitySync:
    """The identity sync over `upstreams.identity`, within the Mews budget of `settings`;
    with `store`, one process of all that share it runs at a time."""
    r = settings.resilience
    return IdentitySync(
        upstreams.identity,
        fullwhere=upstreams.fullwhere_client,
        mews=upstreams.mews_group.clients if upstreams.mews_group is not None else None,
        settings=settings.sync,
        mews_limit=r.mews_rate_limit,
        mews_window=r.mews_rate_window,
        lock=(
            RedisSyncLock(store, ttl=settings.sync.lock_ttl)
            if store is not None
            else MemorySyncLock()
        ),
        changed=partial(publish_found, upstreams),
    )


def build_inbox(settings: Settings, upstreams: Upstreams, store: RedisStore | None) -> Inbox:
    """Where acknowledged webhook messages wait for their work: shared on Redis if any."""

    async def apply(message: dict[str, Any]) -> None:
        await apply_mews_message(upstreams, message)

    if store is not None and settings.redis is not None:
        return RedisInbox(store, apply, block_seconds=settings.redis.timeout)
    return MemoryInbox(apply)


async def _probe_mews(upstreams: Upstreams) -> None:
    """Every Mews token answers (a hotel group's revoked token shows here)."""
    probe: MewsCustomerFilters = {"CustomerIds": [PROBE_MEWS_ID]}
    calls = [client.get_all(probe, count=1) for client in upstreams.group.clients]
    for result in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(result, BaseException):
            raise result


def create_app(
    settings: Settings,
    *,
    sandboxes: Sandboxes | None = None,
    fullwhere_transport: httpx.AsyncBaseTransport | None = None,
    mews_transport: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """The gateway app. In demo mode, `sandboxes` (seeded ones by default) are its upstreams.

    Traces go to `tracer_provider` when given, else over OTLP when the settings name an
    endpoint; without either, nothing is traced.
    """
    telemetry = settings.telemetry
    metrics.enable(telemetry.metrics)
    own_provider = None
    if tracer_provider is None and telemetry.traces_endpoint is not None:
        tracer_provider = own_provider = otlp_tracer_provider(telemetry.traces_endpoint)
    # The demo's own sandboxes send Mews's webhooks to this gateway (given ones are the
    # caller's: tests decide for themselves).
    demo_webhooks = settings.demo and sandboxes is None and bool(settings.live.webhook_secret)
    if settings.demo:
        sandboxes = sandboxes or Sandboxes.seeded(latency=settings.demo_latency)
        settings = sandboxes.settings_for(settings)
        fullwhere_transport = fullwhere_transport or httpx.ASGITransport(
            app=sandboxes.fullwhere.app
        )
        mews_transport = mews_transport or httpx.ASGITransport(app=sandboxes.mews.app)
    store = build_store(settings)
    upstreams, clients = build_upstreams(
        settings,
        fullwhere_transport=fullwhere_transport,
        mews_transport=mews_transport,
        store=store,
    )
    tokens, token_clients = build_verifier(settings)
    to_close: list[UpstreamSession | httpx.AsyncClient | WebhookSender] = [
        *clients,
        *token_clients,
    ]
    install_redaction(secrets_of(settings))
    schema = build_schema(settings=settings)
    idempotency: Idempotency = (
        RedisIdempotencyStore(
            store,
            ttl=settings.idempotency_ttl,
            lease=_longest_request(settings) + LEASE_MARGIN_SECONDS,
            check=check_same,
        )
        if store is not None
        else IdempotencyStore(
            ttl=settings.idempotency_ttl,
            maxsize=settings.idempotency_max_entries,
            max_bytes=settings.idempotency_max_bytes,
        )
    )

    def context_for(request: HTTPConnection, request_id: str) -> RequestContext:
        seconds = settings.resilience.request_deadline
        return RequestContext.for_request(
            upstreams,
            settings=settings,
            idempotency=idempotency,
            request_id=request_id,
            request=request,
            deadline=Deadline.after(seconds) if seconds > 0 else None,
        )

    sync = build_sync(settings, upstreams, store)
    inbox = build_inbox(settings, upstreams, store)

    async def identity_section() -> dict[str, Any]:
        try:
            return (await upstreams.identity.state()).summary(time.time())
        except GatewayError as exc:  # the shared store is away; the section says so
            return {"status": "unavailable", "code": exc.code}

    readiness = Readiness(
        {
            "fullwhere": (
                (lambda: upstreams.fullwhere.list_customers(page=1, limit=1))
                if upstreams.fullwhere_client is not None
                else None
            ),
            "mews": (
                (lambda: _probe_mews(upstreams)) if upstreams.mews_client is not None else None
            ),
        },
        demo=settings.demo,
        sections={"identityIndex": identity_section},
        shared={"redis": store.ping} if store is not None else None,
    )

    documents = TrustedDocuments(settings.persisted_documents, required=settings.require_persisted)
    live = Live(
        schema, context_for, documents, authenticator(settings.api_keys, tokens), settings.live
    )
    routes: list[BaseRoute] = [
        Route(
            "/graphql",
            GraphQLEndpoint(
                schema,
                context_for,
                page=graphiql_renderer(default_query=EXAMPLE_QUERY),
                documents=documents,
                event_stream=live.event_stream,
                max_response_bytes=settings.max_response_bytes,
            ),
            # No `methods`: the endpoint answers OPTIONS and 405s itself, with a JSON body.
        ),
        WebSocketRoute("/graphql", live.websocket),
        *webhook_routes(
            settings.live.webhook_secret if upstreams.mews_client is not None else None,
            inbox,
            max_bytes=settings.live.max_webhook_bytes,
        ),
        *health_routes(readiness),
        *graphiql_routes(),
        *(metrics.metrics_routes(telemetry.metrics_token) if telemetry.metrics else []),
    ]
    if settings.demo and sandboxes is not None:
        routes += [
            Mount("/sandbox/fullwhere", app=sandboxes.fullwhere.app),
            Mount("/sandbox/mews", app=sandboxes.mews.app),
        ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The identity index builds in the background: the gateway serves meanwhile.
        syncing = (
            asyncio.create_task(sync.run_forever(), name="identity-sync")
            if settings.sync.interval > 0
            else None
        )
        await upstreams.changes.start()
        if settings.live.webhook_secret:
            await inbox.start()
        live.watch_shutdown()
        try:
            yield
        finally:
            live.shutdown()
            await upstreams.changes.aclose()
            await inbox.aclose()
            if syncing is not None:
                syncing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await syncing
            for client in to_close:
                await client.aclose()
            await upstreams.identity.aclose()
            if store is not None:
                await store.aclose()
            if own_provider is not None:
                own_provider.shutdown()  # sends the spans still waiting in the batch

    # In the order requests meet them: the server span (and the caller's `traceparent`)
    # covers every answer; every answer has a request id; refusals carry CORS headers and the
    # demo mark; a request without a credential is refused before its body is read.
    middleware = [
        *([Middleware(Tracing, provider=tracer_provider)] if tracer_provider is not None else []),
        Middleware(RequestId),
        *(
            [Middleware(CORSMiddleware, **cors_options(settings.cors_origins))]
            if settings.cors_origins
            else []
        ),
        *([Middleware(DemoHeader)] if settings.demo else []),
        *(
            [Middleware(BearerAuth, keys=settings.api_keys, tokens=tokens)]
            if settings.api_keys or tokens is not None
            else []
        ),
        Middleware(
            BodyLimit,
            max_body_bytes=settings.max_body_bytes,
            max_upload_bytes=settings.max_upload_bytes,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    if demo_webhooks and sandboxes is not None:
        sender = WebhookSender(
            f"http://gateway.demo/webhooks/mews/{settings.live.webhook_secret}",
            transport=httpx.ASGITransport(app=app),
        )
        sender.attach(sandboxes.mews)
        to_close.append(sender)
        app.state.webhook_sender = sender
    app.state.settings = settings
    app.state.upstreams = upstreams
    app.state.store = store
    app.state.sandboxes = sandboxes
    app.state.schema = schema
    app.state.readiness = readiness
    app.state.sync = sync
    app.state.inbox = inbox
    app.state.live = live
    return app
