"""Configuration from environment variables, validated once at start-up.

Every variable the gateway reads is one row of `VARIABLES`: its name, how it is parsed and
bounded, its default, what it means and where it is documented. The rows drive
`load_settings`, the tables in docs/configuration.md (`gateway settings --markdown`) and the
configuration tests, so a default or a bound is written once.

`load_settings(os.environ)` returns a frozen `Settings` or raises `ConfigError` naming the
variable and what it expects; the CLI prints that one line and exits.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from gateway import __version__
from gateway.domain.unify import DEFAULT_PRECEDENCE, Precedence
from gateway.http.persisted import read_documents
from gateway.identity.lock import DEFAULT_LOCK_TTL
from gateway.identity.sync import (
    DEFAULT_INTERVAL,
    DEFAULT_MEWS_BUDGET,
    DEFAULT_MEWS_SINCE,
    SyncSettings,
)
from gateway.observability.metrics import MULTIPROC_ENV
from gateway.observability.tracing import DEFAULT_SERVICE_NAME
from gateway.store.links import DEFAULT_MAX_LINKS
from gateway.store.redis import DEFAULT_PREFIX as DEFAULT_REDIS_PREFIX
from gateway.store.redis import DEFAULT_TIMEOUT as DEFAULT_REDIS_TIMEOUT
from gateway.store.redis import SCHEMES as REDIS_SCHEMES

# Mews's public demo tokens (published in its documentation), which the Mews sandbox accepts.
from gateway.upstream.mews import DEMO_ACCESS_TOKEN as DEMO_MEWS_ACCESS_TOKEN
from gateway.upstream.mews import DEMO_CLIENT_TOKEN as DEMO_MEWS_CLIENT_TOKEN
from gateway.upstream.session import DEFAULT_KEEPALIVE_EXPIRY

T = TypeVar("T")


class ConfigError(ValueError):
    """A setting is missing or malformed."""

    def __init__(self, variable: str, expected: str) -> None:
        super().__init__(f"{variable}: expected {expected}")
        self.variable = variable
        self.expected = expected


# --- The table's machinery ------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A section of docs/configuration.md: its title and what follows the table."""

    title: str
    note: str = ""


@dataclass(frozen=True)
class Variable(Generic[T]):
    """One environment variable.

    `parse` turns a non-empty, stripped value into `T` or raises `ValueError` whose text says
    what is expected (and never repeats a value that may be secret). `accepts` says the same
    for the docs; `shown` is the default as the docs write it, when it is not `default`.
    """

    name: str
    group: Group
    default: T
    parse: Callable[[str], T] = field(repr=False)
    accepts: str
    description: str
    shown: str | None = None
    #: "integer" and "number" rows carry their bounds (the tests read them).
    kind: str = "text"
    minimum: float | None = None
    maximum: float | None = None

    def raw(self, env: Mapping[str, str]) -> str:
        """The value in `env`, stripped ("" when unset)."""
        return env.get(self.name, "").strip()

    def read(self, env: Mapping[str, str]) -> T:
        """The parsed value in `env`, or the default when unset or empty.

        Raises:
            ConfigError: the value is malformed; names this variable.
        """
        raw = self.raw(env)
        if not raw:
            return self.default
        try:
            return self.parse(raw)
        except ValueError as exc:
            raise ConfigError(self.name, str(exc)) from None

    @property
    def default_text(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.default is None or self.default == ():
            return "none"
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        if isinstance(self.default, float):
            return f"`{self.default:g}`"
        return f"`{getattr(self.default, 'value', self.default)}`"


def _number_parser(kind: type[T], minimum: float, maximum: float | None) -> Callable[[str], T]:
    noun = "an integer" if kind is int else "a number"
    expected = (
        f"{noun} >= {minimum:g}" if maximum is None else f"{noun} from {minimum:g} to {maximum:g}"
    )

    def parse(raw: str) -> T:
        try:
            value = kind(raw)  # type: ignore[call-arg]
        except ValueError:
            value = None
        # "nan" and "inf" parse as floats but are no lifetime or timeout.
        if (
            value is None
            or not math.isfinite(value)  # type: ignore[arg-type]
            or value < minimum  # type: ignore[operator]
            or (maximum is not None and value > maximum)  # type: ignore[operator]
        ):
            raise ValueError(f"{expected}, got {raw!r}")
        return value

    return parse


def _number(
    name: str,
    group: Group,
    default: T,
    description: str,
    *,
    minimum: float,
    maximum: float | None = None,
    kind: type[int] | type[float] = float,
    shown: str | None = None,
) -> Variable[T]:
    accepts = ("integer" if kind is int else "number") + (
        f" >= {minimum:g}" if maximum is None else f", {minimum:g} to {maximum:g}"
    )
    return Variable(
        name,
        group,
        default,
        _number_parser(kind, minimum, maximum),  # type: ignore[arg-type]
        accepts,
        description,
        shown,
        "integer" if kind is int else "number",
        minimum,
        maximum,
    )


def _integer(
    name: str, group: Group, default: int, description: str, *, minimum: int
) -> Variable[int]:
    return _number(name, group, default, description, minimum=minimum, kind=int)


def _parse_flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("0", "false", "no", "off"):
        return False
    if lowered in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"true or false, got {lowered!r}")


def _flag(name: str, group: Group, description: str, *, default: bool = False) -> Variable[bool]:
    return Variable(name, group, default, _parse_flag, "flag", description, kind="flag")


def _url_parser(example: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            # Never echo the URL: it may carry a password.
            raise ValueError("an http(s) URL such as " + example)
        return raw.rstrip("/")

    return parse


def _url(name: str, group: Group, description: str, *, example: str) -> Variable[str | None]:
    return Variable(name, group, None, _url_parser(example), "http(s) URL", description)


def _secret(name: str, group: Group, description: str) -> Variable[str | None]:
    return Variable(name, group, None, str, "text, never shown", description)


_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9._~-]{16,200}")


def _parse_webhook_secret(raw: str) -> str:
    if not _WEBHOOK_SECRET.fullmatch(raw):  # never echo it: it is a credential
        raise ValueError("16 to 200 of A-Z a-z 0-9 . _ ~ - (it is a segment of the URL)")
    return raw


def _choice(
    name: str, group: Group, default: T, choices: Mapping[str, T], description: str
) -> Variable[T]:
    def parse(raw: str) -> T:
        lowered = raw.lower()
        if lowered not in choices:
            raise ValueError(f"one of {', '.join(choices)}, got {lowered!r}")
        return choices[lowered]

    return Variable(name, group, default, parse, " / ".join(choices), description)


def _parse_origins(raw: str) -> tuple[str, ...]:
    """Comma-separated browser origins (`scheme://host[:port]`), or `*` for any."""
    origins = []
    for part in raw.split(","):
        origin = part.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if origin != "*" and (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path
            or parts.query
            or parts.fragment
        ):
            raise ValueError(
                f"comma-separated origins such as https://app.example.com, got {part!r}"
            )
        origins.append(origin if origin == "*" else f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


# RFC 6750 bearer tokens (token68): what fits after `Authorization: Bearer `.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_TOKEN_CHARACTERS = "A-Z a-z 0-9 . _ ~ + / - ="


def _parse_api_keys(raw: str) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in raw.split(",") if key.strip())
    for position, key in enumerate(keys, start=1):
        if not _BEARER_TOKEN.fullmatch(key):
            # Never echo a key: say which one is wrong, not what it is.
            raise ValueError(
                f"comma-separated bearer tokens ({_TOKEN_CHARACTERS}); "
                f"key #{position} has other characters"
            )
    return keys


def _parse_token(raw: str) -> str:
    if not _BEARER_TOKEN.fullmatch(raw):
        raise ValueError(f"a bearer token ({_TOKEN_CHARACTERS}), never echoed")
    return raw


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PROPERTY_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _parse_chain_ids(raw: str) -> tuple[str, ...]:
    ids = [part.strip() for part in raw.split(",")]
    for position, chain_id in enumerate(ids, start=1):
        if not _UUID.fullmatch(chain_id):
            raise ValueError(f"comma-separated chain UUIDs; item #{position} is not a UUID")
    if len(set(map(str.lower, ids))) < len(ids):
        raise ValueError("comma-separated chain UUIDs, each once")
    return tuple(chain_id.lower() for chain_id in ids)


def _parse_named_tokens(raw: str) -> tuple[tuple[str, str], ...]:
    """`name=token,...`; an error names the item by position and name, never a token."""
    named: dict[str, str] = {}
    for position, part in enumerate(raw.split(","), start=1):
        name, _, token = (piece.strip() for piece in part.partition("="))
        if not _PROPERTY_NAME.fullmatch(name):
            raise ValueError(
                f"comma-separated name=token; item #{position} has no name of letters, "
                "digits, - and _ (at most 64)"
            )
        if not token:
            raise ValueError(f"comma-separated name=token; the token of {name} is empty")
        if name in named:
            raise ValueError(f"comma-separated name=token; the name {name} is given twice")
        if token in named.values():
            raise ValueError(f"comma-separated name=token; the token of {name} is given twice")
        named[name] = token
    return tuple(named.items())


def _parse_client_name(raw: str) -> str:
    if len(raw) > 200 or not raw.isprintable():
        raise ValueError("a printable name of at most 200 characters, e.g. MyHotel 1.0")
    return raw


def _parse_date(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"a date such as 2012-01-01, got {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_redis_url(raw: str) -> str:
    parts = urlsplit(raw)
    # Never echo the URL: it may carry a password.
    if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
        raise ValueError(
            "a Redis URL such as redis://redis:6379/0 (schemes: " + ", ".join(REDIS_SCHEMES) + ")"
        )
    if parts.scheme.endswith("+sentinel") and not parts.path.strip("/"):
        raise ValueError("the Sentinel service name: redis+sentinel://host:26379/mymaster")
    return raw


def _parse_prefix(raw: str) -> str:
    if len(raw) > 64 or not raw.isprintable() or " " in raw:
        raise ValueError("at most 64 printable characters, no spaces")
    return raw


def _parse_documents(raw: str) -> Mapping[str, str]:
    try:
        return MappingProxyType(read_documents(raw))
    except ValueError as exc:
        raise ValueError(f"a JSON file {{sha256 hex: document}}; {exc}") from None


# --- The table ------------------------------------------------------------------------------

# fmt: off
UPSTREAMS = Group("Upstreams")
CLIENTS = Group("Clients")
UNIFIED = Group("Unified customer")
CACHING = Group("Caching")
IDENTITY = Group("Identity index", "See [identity.md](identity.md).")
CALLS = Group(
    "Upstream calls and resilience",
    "The upstream calls go out through aiohttp, one connection pool per upstream and process: "
    "`UPSTREAM_MAX_CONNECTIONS` bounds the connections open at once (a call waits for a free "
    "one at most the connect timeout plus the read timeout); of those released, at most "
    "`UPSTREAM_MAX_KEEPALIVE_CONNECTIONS` stay open for reuse, each for "
    f"{DEFAULT_KEEPALIVE_EXPIRY:g} s (`0`: a new connection for every call). The connect "
    "timeout bounds opening a connection, the read timeout each wait for more of the answer. "
    "Redirects are not followed and upstream cookies are not kept. `HTTP_PROXY`, "
    "`HTTPS_PROXY` and `NO_PROXY` are honoured, read once per process; TLS certificates are "
    "checked against the system's trust store (`SSL_CERT_FILE` names another). Demo mode "
    "reaches its in-process sandboxes through httpx's ASGI transport instead, with the same "
    "settings.",
)
SHARED = Group("Shared state (several processes or replicas)")
LIVE = Group("Live changes", "See [live-changes.md](live-changes.md).")
LIMITS = Group("Limits on requests")
MODE = Group("Mode and logging")
TELEMETRY = Group(
    "Metrics and traces",
    "See [operations](operations.md#metrics) for what is measured and how to collect it. "
    "Other `OTEL_*` variables are read by the OpenTelemetry SDK itself: "
    "`OTEL_EXPORTER_OTLP_HEADERS` (collector credentials), `OTEL_EXPORTER_OTLP_TIMEOUT`, "
    "`OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` (e.g. `parentbased_traceidratio`, "
    "`0.1`), `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_*` (batching), `OTEL_PROPAGATORS`.",
)

DEFAULT_FULLWHERE_URL = "https://api.fullwhere.com"
DEFAULT_MEWS_URL = "https://api.mews.com"
DEFAULT_CLIENT = f"customer-gateway {__version__}"
#: The largest file a multipart upload may carry (`MAX_UPLOAD_BYTES`).
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOG_FORMATS = ("text", "json")

FULLWHERE_BASE_URL = Variable(
    "FULLWHERE_BASE_URL", UPSTREAMS, DEFAULT_FULLWHERE_URL, _url_parser(DEFAULT_FULLWHERE_URL),
    "http(s) URL", "Fullwhere API root (checked in every mode)",
)
FULLWHERE_API_KEY = _secret(
    "FULLWHERE_API_KEY", UPSTREAMS, "Fullwhere partner key (sent as `X-API-KEY`); with the secret"
)
FULLWHERE_API_SECRET = _secret(
    "FULLWHERE_API_SECRET", UPSTREAMS, "Fullwhere partner secret (sent as `X-API-SECRET`)"
)
FULLWHERE_DISABLED = _flag("FULLWHERE_DISABLED", UPSTREAMS, "run without Fullwhere on purpose")
MEWS_BASE_URL = Variable(
    "MEWS_BASE_URL", UPSTREAMS, DEFAULT_MEWS_URL, _url_parser(DEFAULT_MEWS_URL), "http(s) URL",
    "Mews API root (checked in every mode)",
)
MEWS_CLIENT_TOKEN = _secret(
    "MEWS_CLIENT_TOKEN", UPSTREAMS, "Mews Connector API client token; with the access token"
)
MEWS_ACCESS_TOKEN = _secret(
    "MEWS_ACCESS_TOKEN", UPSTREAMS,
    "Mews Connector API access token: one property, or a portfolio token with `MEWS_CHAIN_IDS`",
)
MEWS_CHAIN_IDS: Variable[tuple[str, ...]] = Variable(
    "MEWS_CHAIN_IDS", UPSTREAMS, (), _parse_chain_ids, "comma-separated chain UUIDs",
    "the chains of a portfolio `MEWS_ACCESS_TOKEN`, sent with every call that supports "
    "portfolio tokens ([Hotel groups](groups.md))",
)
MEWS_ACCESS_TOKENS: Variable[tuple[tuple[str, str], ...]] = Variable(
    "MEWS_ACCESS_TOKENS", UPSTREAMS, (), _parse_named_tokens,
    "comma-separated `name=token` (names: letters, digits, `-`, `_`), tokens never shown",
    "single-property access tokens of a hotel group, each named; may be combined with "
    "`MEWS_ACCESS_TOKEN` ([Hotel groups](groups.md))",
)
MEWS_CLIENT = Variable(
    "MEWS_CLIENT", UPSTREAMS, DEFAULT_CLIENT, _parse_client_name,
    "printable, at most 200 characters", "`Client` name sent to Mews",
    shown="`customer-gateway <version>`",
)
MEWS_DISABLED = _flag("MEWS_DISABLED", UPSTREAMS, "run without Mews on purpose")

GATEWAY_API_KEYS: Variable[tuple[str, ...]] = Variable(
    "GATEWAY_API_KEYS", CLIENTS, (), _parse_api_keys,
    f"comma-separated tokens ({_TOKEN_CHARACTERS})",
    "keys accepted as `Authorization: Bearer <key>`",
)
GATEWAY_ALLOW_ANONYMOUS = _flag(
    "GATEWAY_ALLOW_ANONYMOUS", CLIENTS,
    "serve real upstreams without client authentication, on purpose",
)
GATEWAY_JWKS_URL = _url(
    "GATEWAY_JWKS_URL", CLIENTS,
    "the identity provider's JWKS; turns on JWT bearer tokens "
    "([Security](security.md#jwt-bearer-tokens-from-an-identity-provider))",
    example="https://login.example.com/.well-known/jwks.json",
)
GATEWAY_JWT_ISSUER = Variable(
    "GATEWAY_JWT_ISSUER", CLIENTS, None, str, "text",
    "the `iss` every token must carry; required with `GATEWAY_JWKS_URL`",
)
GATEWAY_JWT_AUDIENCE = Variable(
    "GATEWAY_JWT_AUDIENCE", CLIENTS, None, str, "text",
    "a value the token's `aud` must hold; required with `GATEWAY_JWKS_URL`",
)
GATEWAY_JWT_LEEWAY_SECONDS = _number(
    "GATEWAY_JWT_LEEWAY_SECONDS", CLIENTS, 30.0, "clock skew allowed on `exp`, `nbf` and `iat`",
    minimum=0,
)
GATEWAY_JWKS_MIN_REFRESH_SECONDS = _number(
    "GATEWAY_JWKS_MIN_REFRESH_SECONDS", CLIENTS, 30.0,
    "time at least between two fetches of the JWKS, whatever triggers them", minimum=0,
)
GATEWAY_PERSISTED_DOCUMENTS: Variable[Mapping[str, str] | None] = Variable(
    "GATEWAY_PERSISTED_DOCUMENTS", CLIENTS, None, _parse_documents, "path of a JSON file",
    "trusted documents file `{sha256 hex: document}` (made by `gateway persist-documents`), "
    "read at start-up",
)
GATEWAY_REQUIRE_PERSISTED = _flag(
    "GATEWAY_REQUIRE_PERSISTED", CLIENTS,
    "JWT and anonymous callers may run only the documents of that file (API-key callers any)",
)
GATEWAY_CORS_ORIGINS: Variable[tuple[str, ...]] = Variable(
    "GATEWAY_CORS_ORIGINS", CLIENTS, (), _parse_origins,
    "comma-separated origins (`https://app.example.com`) or `*`",
    "browser origins allowed to call the gateway; none sends no CORS headers",
)
GATEWAY_INTROSPECTION = _flag(
    "GATEWAY_INTROSPECTION", CLIENTS, "allow schema introspection", default=True
)
GATEWAY_FEDERATION = _flag(
    "GATEWAY_FEDERATION", CLIENTS,
    "serve the schema as an Apollo Federation v2 subgraph (`_service`, `_entities`, "
    "`Customer @key(fields: \"id\")`); see [federation](federation.md)",
)

UNIFIED_PRECEDENCE = _choice(
    "UNIFIED_PRECEDENCE", UNIFIED, DEFAULT_PRECEDENCE, {p.value: p for p in Precedence},
    "which source a unified `Customer` field prefers: `latest` (the record updated last), "
    "`fullwhere` or `mews` (a fixed order); see [the unified customer](unified-customer.md)",
)

CACHE_TTL_SECONDS = _number(
    "CACHE_TTL_SECONDS", CACHING, 60.0, "lifetime of cached upstream reads (0 disables caching)",
    minimum=0,
)
CACHE_MAX_ENTRIES = _integer(
    "CACHE_MAX_ENTRIES", CACHING, 50_000, "cached reads kept at most", minimum=1
)
CACHE_MAX_BYTES = _integer(
    "CACHE_MAX_BYTES", CACHING, 64 * 1024 * 1024,
    "size of the cached reads kept at most, per process: each counted as its record's JSON "
    "encoding plus 200 bytes (Python holds about three times that); least recently used out "
    "first", minimum=1,
)
CACHE_STALE_GRACE_SECONDS = _number(
    "CACHE_STALE_GRACE_SECONDS", CACHING, 300.0,
    "how long past its TTL a cached read may still be served while the upstream fails",
    minimum=0,
)
CACHE_MAX_LINKS = _integer(
    "CACHE_MAX_LINKS", CACHING, DEFAULT_MAX_LINKS,
    "learned links (Mews guest to Fullwhere customer) each process keeps in memory",
    minimum=1,
)

SYNC_INTERVAL_SECONDS = _number(
    "SYNC_INTERVAL_SECONDS", IDENTITY, DEFAULT_INTERVAL,
    "seconds between identity-index sync runs; `0` runs no background sync", minimum=0,
)
SYNC_MEWS_BUDGET = _number(
    "SYNC_MEWS_BUDGET", IDENTITY, DEFAULT_MEWS_BUDGET,
    "share of the Mews rate limit the sync may use", minimum=0.01, maximum=1,
)
SYNC_LOCK_TTL_SECONDS = _number(
    "SYNC_LOCK_TTL_SECONDS", IDENTITY, DEFAULT_LOCK_TTL,
    "how long the sync lock outlives its last refresh (a running sync refreshes it every "
    "third of this); a sync whose process died is restarted by another within it plus a "
    "second",
    minimum=3,
)
SYNC_MEWS_SINCE = Variable(
    "SYNC_MEWS_SINCE", IDENTITY, DEFAULT_MEWS_SINCE, _parse_date, "ISO date",
    "the oldest `UpdatedUtc` the first Mews sync reads",
    shown="`2012-01-01` (demo mode: three years ago)",
)

UPSTREAM_CONNECT_TIMEOUT_SECONDS = _number(
    "UPSTREAM_CONNECT_TIMEOUT_SECONDS", CALLS, 3.0, "connect timeout per upstream call",
    minimum=0.01,
)
UPSTREAM_READ_TIMEOUT_SECONDS = _number(
    "UPSTREAM_READ_TIMEOUT_SECONDS", CALLS, 10.0, "read timeout per upstream call", minimum=0.01
)
FULLWHERE_TIMEOUT_SECONDS: Variable[float | None] = _number(
    "FULLWHERE_TIMEOUT_SECONDS", CALLS, None, "read timeout of Fullwhere calls",
    minimum=0.01, shown="the read timeout",
)
MEWS_TIMEOUT_SECONDS: Variable[float | None] = _number(
    "MEWS_TIMEOUT_SECONDS", CALLS, None, "read timeout of Mews calls",
    minimum=0.01, shown="the read timeout",
)
REQUEST_DEADLINE_SECONDS = _number(
    "REQUEST_DEADLINE_SECONDS", CALLS, 20.0,
    "time one GraphQL request may spend on upstream calls, retries included (0: no limit); "
    "the shutdown grace is this + 1 s",
    minimum=0,
)
UPSTREAM_WRITE_MARGIN_SECONDS = _number(
    "UPSTREAM_WRITE_MARGIN_SECONDS", CALLS, 1.0,
    "a write is sent only with at least this much of the request's deadline left, room for a "
    "typical answer; otherwise it fails unsent (`UPSTREAM_RATE_LIMITED`, "
    "`mayHaveBeenApplied: false`)",
    minimum=0,
)
UPSTREAM_RETRIES = _integer(
    "UPSTREAM_RETRIES", CALLS, 2,
    "retries after a failed attempt (reads; writes only when certainly not applied)", minimum=0,
)
UPSTREAM_BACKOFF_BASE_SECONDS = _number(
    "UPSTREAM_BACKOFF_BASE_SECONDS", CALLS, 0.2,
    "first wait of the exponential backoff between retries", minimum=0,
)
UPSTREAM_BACKOFF_CAP_SECONDS = _number(
    "UPSTREAM_BACKOFF_CAP_SECONDS", CALLS, 5.0, "longest wait between retries", minimum=0
)
UPSTREAM_BREAKER_THRESHOLD = _integer(
    "UPSTREAM_BREAKER_THRESHOLD", CALLS, 5,
    "consecutive upstream faults that open the circuit (0: no breaker)", minimum=0,
)
UPSTREAM_BREAKER_COOLDOWN_SECONDS = _number(
    "UPSTREAM_BREAKER_COOLDOWN_SECONDS", CALLS, 30.0, "how long an open circuit stays open",
    minimum=0,
)
MEWS_RATE_LIMIT = _integer(
    "MEWS_RATE_LIMIT", CALLS, 200,
    "Mews calls allowed per AccessToken per window (0: no client-side limit); shared by every "
    "process with `REDIS_URL`; the budget left also sets how long Mews reads are collected "
    "into shared calls ([Failure behaviour](failure-behaviour.md))",
    minimum=0,
)
MEWS_RATE_WINDOW_SECONDS = _number(
    "MEWS_RATE_WINDOW_SECONDS", CALLS, 30.0, "the window of `MEWS_RATE_LIMIT`", minimum=0.01
)
MEWS_RATE_MARGIN_SECONDS = _number(
    "MEWS_RATE_MARGIN_SECONDS", CALLS, 0.5,
    "extra spacing between the window's slots, so that Mews, which counts calls as they "
    "arrive, never sees more than the limit in one window",
    minimum=0,
)
FULLWHERE_CONCURRENCY = _integer(
    "FULLWHERE_CONCURRENCY", CALLS, 16, "concurrent Fullwhere calls at most", minimum=1
)
FULLWHERE_BATCH_SIZE = _integer(
    "FULLWHERE_BATCH_SIZE", CALLS, 100, "customers per Fullwhere batch import call", minimum=1
)
UPSTREAM_MAX_CONNECTIONS = _integer(
    "UPSTREAM_MAX_CONNECTIONS", CALLS, 100,
    "open connections at most to each upstream, per process", minimum=1,
)
UPSTREAM_MAX_KEEPALIVE_CONNECTIONS = _integer(
    "UPSTREAM_MAX_KEEPALIVE_CONNECTIONS", CALLS, 100,
    "idle connections kept open to each upstream, per process (as many as may be open: a "
    "gateway busy at its pool's size reuses its connections instead of opening new ones)",
    minimum=0,
)

REDIS_URL = Variable(
    "REDIS_URL", SHARED, None, _parse_redis_url,
    "`redis://`, `rediss://`, `unix://`, `redis+sentinel://host:26379/service`, "
    "`redis+cluster://host:6379`",
    "Redis (6 or later) or Valkey for the state every process and replica shares: read "
    "cache, idempotency keys, the Mews rate window, learned links. None: one process keeps "
    "it in memory. See [Scaling](scaling.md)",
)
GATEWAY_REDIS_PREFIX = Variable(
    "GATEWAY_REDIS_PREFIX", SHARED, DEFAULT_REDIS_PREFIX, _parse_prefix,
    "at most 64 printable characters, no spaces", "put before every key in Redis",
)
REDIS_TIMEOUT_SECONDS = _number(
    "REDIS_TIMEOUT_SECONDS", SHARED, DEFAULT_REDIS_TIMEOUT,
    "connect and reply timeout of each call to Redis; past it the gateway works without Redis "
    "until it answers again",
    minimum=0.01,
)

GATEWAY_REPLICAS = _integer(
    "GATEWAY_REPLICAS", SHARED, 1,
    "replicas (gateway deployments) that share the Mews AccessToken; while Redis is down each "
    "process keeps `MEWS_RATE_LIMIT` / (workers times replicas) of the window, so that together "
    "they stay within the limit",
    minimum=1,
)
GATEWAY_WORKERS = _integer(
    "GATEWAY_WORKERS", SHARED, 1,
    "worker processes of this replica; `gateway serve --workers N` sets it for its workers",
    minimum=1,
)

GATEWAY_MAX_BODY_BYTES = _integer(
    "GATEWAY_MAX_BODY_BYTES", LIMITS, 4 * 1024 * 1024, "largest request body (JSON)", minimum=1
)
GATEWAY_MAX_HEADER_BYTES = _integer(
    "GATEWAY_MAX_HEADER_BYTES", LIMITS, 32 * 1024,
    "largest request line and headers of one request (431 past it)", minimum=1,
)
GATEWAY_HEADER_TIMEOUT_SECONDS = _number(
    "GATEWAY_HEADER_TIMEOUT_SECONDS", LIMITS, 10.0,
    "time a request's headers may take to arrive, from its first byte or its connection "
    "(408 past it)", minimum=0.01,
)
MAX_UPLOAD_BYTES = _integer(
    "MAX_UPLOAD_BYTES", LIMITS, DEFAULT_MAX_UPLOAD_BYTES, "largest uploaded file (multipart)",
    minimum=1,
)
GATEWAY_MAX_QUERY_DEPTH = _integer(
    "GATEWAY_MAX_QUERY_DEPTH", LIMITS, 12, "deepest selection nesting", minimum=1
)
GATEWAY_MAX_ALIASES = _integer(
    "GATEWAY_MAX_ALIASES", LIMITS, 100, "aliases per operation", minimum=0
)
GATEWAY_MAX_TOKENS = _integer(
    "GATEWAY_MAX_TOKENS", LIMITS, 5000, "tokens per document", minimum=1
)
GATEWAY_MAX_ROOT_FIELDS = _integer(
    "GATEWAY_MAX_ROOT_FIELDS", LIMITS, 60, "root fields per operation", minimum=1
)
GATEWAY_MAX_UPSTREAM_CALLS = _integer(
    "GATEWAY_MAX_UPSTREAM_CALLS", LIMITS, 300,
    "upstream calls one operation may be estimated to cause (docs/security.md gives the "
    "rules); refused before any call above it", minimum=1,
)
GATEWAY_MAX_RESPONSE_BYTES = _integer(
    "GATEWAY_MAX_RESPONSE_BYTES", LIMITS, 8 * 1024 * 1024,
    "largest response body; a larger one is replaced by a `BAD_USER_INPUT` error (never the "
    "answer of a request that sent a write)", minimum=1,
)
GATEWAY_CALLER_BUDGET = _integer(
    "GATEWAY_CALLER_BUDGET", LIMITS, 0,
    "estimated upstream calls one caller may spend per `GATEWAY_CALLER_BUDGET_WINDOW_SECONDS`, "
    "per process (0: no budget)", minimum=0,
)
GATEWAY_CALLER_BUDGET_WINDOW_SECONDS = _number(
    "GATEWAY_CALLER_BUDGET_WINDOW_SECONDS", LIMITS, 30.0,
    "the sliding window of `GATEWAY_CALLER_BUDGET`", minimum=0.01,
)
GATEWAY_MAX_BATCH_ITEMS = _integer(
    "GATEWAY_MAX_BATCH_ITEMS", LIMITS, 5000, "items per batch mutation input", minimum=1
)
IDEMPOTENCY_TTL_SECONDS = _number(
    "IDEMPOTENCY_TTL_SECONDS", LIMITS, 24 * 3600.0,
    "how long a mutation's `idempotencyKey` is remembered", minimum=0,
)
IDEMPOTENCY_MAX_ENTRIES = _integer(
    "IDEMPOTENCY_MAX_ENTRIES", LIMITS, 10_000, "mutation `idempotencyKey`s remembered at most",
    minimum=1,
)
IDEMPOTENCY_MAX_BYTES = _integer(
    "IDEMPOTENCY_MAX_BYTES", LIMITS, 64 * 1024 * 1024,
    "size of the remembered mutation results at most, per process without `REDIS_URL` (each "
    "counted by its JSON encoding); least recently used out first", minimum=1,
)

GATEWAY_DEMO = _flag(
    "GATEWAY_DEMO", MODE, "embedded sandboxes even with credentials set (as `serve --demo`)"
)
DEMO_LATENCY_SECONDS = _number(
    "DEMO_LATENCY_SECONDS", MODE, 0.0,
    "latency added to every sandbox call in demo mode, to feel a real network", minimum=0,
)
GATEWAY_LOG_LEVEL = _choice(
    "GATEWAY_LOG_LEVEL", MODE, "info", {level: level for level in LOG_LEVELS},
    "how much the gateway logs (`--log-level` wins)",
)
GATEWAY_LOG_FORMAT = _choice(
    "GATEWAY_LOG_FORMAT", MODE, "text", {name: name for name in LOG_FORMATS},
    "`text` (one readable line per record) or `json` (one JSON object per line; see "
    "[operations](operations.md#logs))",
)
DEFAULT_LOG_FORMAT = GATEWAY_LOG_FORMAT.default
GATEWAY_GC_YOUNG_THRESHOLD = _integer(
    "GATEWAY_GC_YOUNG_THRESHOLD", MODE, 10_000,
    "allocations between collections of Python's youngest generation, in each worker (see "
    "[operations](operations.md#workers)); higher suits many concurrent requests per worker",
    minimum=1,
)

GATEWAY_METRICS = _flag(
    "GATEWAY_METRICS", TELEMETRY,
    "record Prometheus metrics and serve them at `GET /metrics` (`false`: neither)", default=True,
)
GATEWAY_METRICS_TOKEN = Variable(
    "GATEWAY_METRICS_TOKEN", TELEMETRY, None, _parse_token,
    f"a bearer token ({_TOKEN_CHARACTERS}), never shown",
    "when set, `/metrics` wants `Authorization: Bearer <token>`; `/metrics` never wants a "
    "client API key",
)
PROMETHEUS_MULTIPROC_DIR = Variable(
    MULTIPROC_ENV, TELEMETRY, None, str, "directory path",
    "with `--workers 2` or more: where the workers write their metrics (emptied at start); "
    "leave it unset unless that directory must be elsewhere (a writable volume)",
    shown="a temporary directory",
)
OTEL_EXPORTER_OTLP_ENDPOINT = _url(
    "OTEL_EXPORTER_OTLP_ENDPOINT", TELEMETRY,
    "OTLP/HTTP collector root, e.g. `http://otel-collector:4318` (traces go to `/v1/traces` "
    "under it); unset: no tracing",
    example="http://localhost:4318",
)
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = _url(
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", TELEMETRY,
    "the full traces URL, instead of the root above", example="http://localhost:4318/v1/traces",
)
OTEL_SERVICE_NAME = Variable(
    "OTEL_SERVICE_NAME", TELEMETRY, DEFAULT_SERVICE_NAME, str, "text",
    "the service name on every span (read by the OpenTelemetry SDK)",
)
OTEL_SDK_DISABLED = _flag(
    "OTEL_SDK_DISABLED", TELEMETRY, "switch tracing off although an endpoint is set"
)
OTEL_TRACES_EXPORTER = Variable(
    "OTEL_TRACES_EXPORTER", TELEMETRY, None, str.lower, "text",
    "`none` switches tracing off although an endpoint is set (other values: the SDK's)",
)
MEWS_WEBHOOK_SECRET = Variable(
    "MEWS_WEBHOOK_SECRET", LIVE, None, _parse_webhook_secret, "16 to 200 of `A-Z a-z 0-9 . _ ~ -`",
    "the secret token of the Mews General Webhooks URL, `POST /webhooks/mews/<secret>`; "
    "none: that route does not exist",
)
GATEWAY_MAX_WEBHOOK_BYTES = _integer(
    "GATEWAY_MAX_WEBHOOK_BYTES", LIVE, 1024 * 1024, "largest webhook body (413 above)", minimum=1
)
GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION = _integer(
    "GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION", LIVE, 10,
    "subscriptions one WebSocket may run at once", minimum=1,
)
GATEWAY_MAX_CONNECTIONS_PER_CALLER = _integer(
    "GATEWAY_MAX_CONNECTIONS_PER_CALLER", LIVE, 20,
    "subscription connections (WebSocket or SSE) one caller may hold open on each process",
    minimum=1,
)
GATEWAY_SUBSCRIPTION_BUFFER = _integer(
    "GATEWAY_SUBSCRIPTION_BUFFER", LIVE, 100,
    "changes waiting for a slow subscriber before it is dropped", minimum=1,
)
GATEWAY_KEEPALIVE_SECONDS = _number(
    "GATEWAY_KEEPALIVE_SECONDS", LIVE, 15.0,
    "seconds between keep-alive pings on an idle subscription connection", minimum=1,
)
# fmt: on

#: Every environment variable the gateway reads, in the order of the docs.
VARIABLES: tuple[Variable[object], ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Variable)
)


def markdown() -> str:
    """The configuration tables of docs/configuration.md, one per group, from `VARIABLES`."""
    lines: list[str] = []
    for group in dict.fromkeys(variable.group for variable in VARIABLES):
        lines += [f"### {group.title}", "", "| variable | default | accepts | meaning |"]
        lines.append("|---|---|---|---|")
        for v in (variable for variable in VARIABLES if variable.group == group):
            lines.append(f"| `{v.name}` | {v.default_text} | {v.accepts} | {v.description} |")
        lines += ["", group.note, ""] if group.note else [""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- The settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed per upstream call."""

    connect: float = UPSTREAM_CONNECT_TIMEOUT_SECONDS.default
    read: float = UPSTREAM_READ_TIMEOUT_SECONDS.default


@dataclass(frozen=True)
class Pool:
    """Connections each process keeps to each upstream."""

    max_connections: int = UPSTREAM_MAX_CONNECTIONS.default
    max_keepalive: int = UPSTREAM_MAX_KEEPALIVE_CONNECTIONS.default


@dataclass(frozen=True)
class Resilience:
    """Behaviour under upstream faults (docs/failure-behaviour.md)."""

    #: Seconds a GraphQL request may spend on upstream calls, retries included (0: no limit).
    request_deadline: float = REQUEST_DEADLINE_SECONDS.default
    #: Seconds of the deadline a write needs left to be sent.
    write_margin: float = UPSTREAM_WRITE_MARGIN_SECONDS.default
    #: Read timeouts per upstream; None uses `Timeouts.read`.
    fullwhere_timeout: float | None = FULLWHERE_TIMEOUT_SECONDS.default
    mews_timeout: float | None = MEWS_TIMEOUT_SECONDS.default
    #: Retries after a failed attempt (reads; writes only when certainly not applied).
    retries: int = UPSTREAM_RETRIES.default
    backoff_base: float = UPSTREAM_BACKOFF_BASE_SECONDS.default
    backoff_cap: float = UPSTREAM_BACKOFF_CAP_SECONDS.default
    #: Consecutive upstream faults that open the circuit (0: no breaker), and for how long.
    breaker_threshold: int = UPSTREAM_BREAKER_THRESHOLD.default
    breaker_cooldown: float = UPSTREAM_BREAKER_COOLDOWN_SECONDS.default
    #: Mews calls allowed per AccessToken in a sliding window (0: no client-side limit).
    mews_rate_limit: int = MEWS_RATE_LIMIT.default
    mews_rate_window: float = MEWS_RATE_WINDOW_SECONDS.default
    #: Extra spacing between the slots of the window: a call reaches Mews up to this long
    #: after its slot, and Mews counts calls as they arrive.
    mews_rate_margin: float = MEWS_RATE_MARGIN_SECONDS.default
    #: Seconds past its TTL a cached read may still be served when the upstream fails.
    stale_grace: float = CACHE_STALE_GRACE_SECONDS.default


#: Seconds of clock skew allowed on a JWT's `exp`, `nbf` and `iat`.
DEFAULT_JWT_LEEWAY = GATEWAY_JWT_LEEWAY_SECONDS.default
#: Seconds at least between two fetches of the JWKS (an unknown `kid` triggers one).
DEFAULT_JWKS_MIN_REFRESH = GATEWAY_JWKS_MIN_REFRESH_SECONDS.default


@dataclass(frozen=True)
class JwtSettings:
    """JWT bearer tokens: the identity provider's JWKS, and what a token must say."""

    jwks_url: str
    issuer: str
    audience: str
    leeway: float = DEFAULT_JWT_LEEWAY
    jwks_min_refresh: float = DEFAULT_JWKS_MIN_REFRESH


@dataclass(frozen=True)
class Telemetry:
    """What the gateway tells its operators: metrics, traces and the log format."""

    #: Record Prometheus metrics and serve them at `/metrics`.
    metrics: bool = GATEWAY_METRICS.default
    #: When set, `/metrics` wants `Authorization: Bearer <token>`.
    metrics_token: str | None = field(default=None, repr=False)
    #: `text` (one readable line per record) or `json` (one JSON object per line).
    log_format: str = DEFAULT_LOG_FORMAT
    #: Where traces go (OTLP/HTTP), from OpenTelemetry's standard variables; None: no tracing.
    traces_endpoint: str | None = None
    #: `critical` .. `debug`; the CLI's `--log-level` wins.
    log_level: str = GATEWAY_LOG_LEVEL.default


@dataclass(frozen=True)
class FullwhereSettings:
    base_url: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)


@dataclass(frozen=True)
class MewsSettings:
    """Mews's root, the client token, and the access tokens of the property or group.

    `access_token` is `MEWS_ACCESS_TOKEN` (None when only named tokens are set);
    `chain_ids` make it a portfolio token; `named` are `MEWS_ACCESS_TOKENS`."""

    base_url: str
    client_token: str = field(repr=False)
    access_token: str | None = field(repr=False)
    client: str
    chain_ids: tuple[str, ...] = ()
    named: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def access_tokens(self) -> tuple[str, ...]:
        """Every access token, `MEWS_ACCESS_TOKEN` first."""
        first = (self.access_token,) if self.access_token else ()
        return first + tuple(token for _, token in self.named)


@dataclass(frozen=True)
class LiveSettings:
    """Webhooks in and subscriptions out (docs/live-changes.md)."""

    webhook_secret: str | None = field(default=None, repr=False)
    max_webhook_bytes: int = GATEWAY_MAX_WEBHOOK_BYTES.default
    max_subscriptions_per_connection: int = GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION.default
    max_connections_per_caller: int = GATEWAY_MAX_CONNECTIONS_PER_CALLER.default
    subscription_buffer: int = GATEWAY_SUBSCRIPTION_BUFFER.default
    keepalive: float = GATEWAY_KEEPALIVE_SECONDS.default


@dataclass(frozen=True)
class RedisSettings:
    """Where the shared state lives (`REDIS_URL`) and how long a call to it may take."""

    url: str = field(repr=False)  # may hold a password
    prefix: str = DEFAULT_REDIS_PREFIX
    timeout: float = DEFAULT_REDIS_TIMEOUT


@dataclass(frozen=True)
class Settings:
    """Everything the gateway reads from its environment.

    `fullwhere` / `mews` are None when that upstream is disabled. `demo` means both point at
    the embedded sandboxes, in-process.
    """

    fullwhere: FullwhereSettings | None
    mews: MewsSettings | None
    demo: bool = False
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    allow_anonymous: bool = False
    cache_ttl: float = CACHE_TTL_SECONDS.default
    cache_max_entries: int = CACHE_MAX_ENTRIES.default
    cache_max_bytes: int = CACHE_MAX_BYTES.default
    #: Learned links each process keeps in memory.
    cache_max_links: int = CACHE_MAX_LINKS.default
    fullwhere_concurrency: int = FULLWHERE_CONCURRENCY.default
    fullwhere_batch_size: int = FULLWHERE_BATCH_SIZE.default
    timeouts: Timeouts = Timeouts()
    pool: Pool = Pool()
    resilience: Resilience = Resilience()
    max_upload_bytes: int = MAX_UPLOAD_BYTES.default
    demo_latency: float = DEMO_LATENCY_SECONDS.default
    #: Each worker's garbage collection (`cli.tune_gc`).
    gc_young_threshold: int = GATEWAY_GC_YOUNG_THRESHOLD.default
    #: How long a mutation's `idempotencyKey` is remembered, and how many keys at most.
    idempotency_ttl: float = IDEMPOTENCY_TTL_SECONDS.default
    idempotency_max_entries: int = IDEMPOTENCY_MAX_ENTRIES.default
    idempotency_max_bytes: int = IDEMPOTENCY_MAX_BYTES.default
    #: Hostile-input limits (docs/security.md): the request body (JSON; a
    #: multipart upload may add `max_upload_bytes`), the operation's shape, and batch size.
    max_body_bytes: int = GATEWAY_MAX_BODY_BYTES.default
    #: The HTTP server's limits on a request's headers (`gateway.http.protocol`, which reads
    #: them in each worker).
    max_header_bytes: int = GATEWAY_MAX_HEADER_BYTES.default
    header_timeout: float = GATEWAY_HEADER_TIMEOUT_SECONDS.default
    max_query_depth: int = GATEWAY_MAX_QUERY_DEPTH.default
    max_aliases: int = GATEWAY_MAX_ALIASES.default
    max_tokens: int = GATEWAY_MAX_TOKENS.default
    max_root_fields: int = GATEWAY_MAX_ROOT_FIELDS.default
    max_batch_items: int = GATEWAY_MAX_BATCH_ITEMS.default
    #: Upstream calls an operation may be estimated to cause; each caller's budget of them.
    max_upstream_calls: int = GATEWAY_MAX_UPSTREAM_CALLS.default
    caller_budget: int = GATEWAY_CALLER_BUDGET.default
    max_response_bytes: int = GATEWAY_MAX_RESPONSE_BYTES.default
    caller_budget_window: float = GATEWAY_CALLER_BUDGET_WINDOW_SECONDS.default
    introspection: bool = GATEWAY_INTROSPECTION.default
    #: The schema is an Apollo Federation v2 subgraph.
    federation: bool = GATEWAY_FEDERATION.default
    #: Browser origins allowed to call the gateway (CORS); empty sends no CORS headers.
    cors_origins: tuple[str, ...] = ()
    #: JWT bearer tokens (None: API keys only).
    jwt: JwtSettings | None = None
    #: Trusted documents `{sha256 hex: document}` (None: no file), and whether JWT and
    #: anonymous callers may run only those.
    persisted_documents: Mapping[str, str] | None = field(default=None, repr=False)
    require_persisted: bool = False
    #: The identity index's sync: interval, share of the Mews budget, start of history.
    sync: SyncSettings = field(default_factory=SyncSettings)
    #: Shared state for every process and replica (None: this process alone, in memory).
    redis: RedisSettings | None = None
    #: Processes that share the Mews AccessToken: workers of a replica times replicas.
    mews_processes: int = 1
    #: Which source a unified `Customer` field prefers: the record updated last, or a fixed one.
    unified_precedence: Precedence = DEFAULT_PRECEDENCE
    telemetry: Telemetry = Telemetry()
    live: LiveSettings = LiveSettings()


# In demo mode the clients reach the embedded sandboxes in-process at these origins.
DEMO_FULLWHERE_URL = "http://fullwhere.sandbox"
DEMO_MEWS_URL = "http://mews.sandbox"


def _pair(env: Mapping[str, str], pair: tuple[Variable[str | None], ...]) -> tuple[str, ...] | None:
    """All of `pair` set → their values; none set → None; some set → ConfigError."""
    values = tuple(variable.raw(env) for variable in pair)
    if all(values):
        return values
    if any(values):
        missing = next(v.name for v, value in zip(pair, values, strict=True) if not value)
        names = " and ".join(variable.name for variable in pair)
        raise ConfigError(missing, f"a value, since {names} go together")
    return None


def _mews_credentials(env: Mapping[str, str]) -> MewsSettings | None:
    """The Mews tokens (None: none set); the base URL and client name are filled later."""
    client_token = MEWS_CLIENT_TOKEN.raw(env)
    access_token = MEWS_ACCESS_TOKEN.raw(env) or None
    chain_ids = MEWS_CHAIN_IDS.read(env)
    named = MEWS_ACCESS_TOKENS.read(env)
    if not (client_token or access_token or chain_ids or named):
        return None
    if chain_ids and access_token is None:
        raise ConfigError(
            MEWS_ACCESS_TOKEN.name, "the portfolio access token, since MEWS_CHAIN_IDS is set"
        )
    if not client_token:
        raise ConfigError(MEWS_CLIENT_TOKEN.name, "a value, since Mews access tokens are set")
    if access_token is None and not named:
        raise ConfigError(
            MEWS_ACCESS_TOKEN.name,
            "a value (or MEWS_ACCESS_TOKENS), since MEWS_CLIENT_TOKEN is set",
        )
    if access_token is not None and access_token in (token for _, token in named):
        raise ConfigError(MEWS_ACCESS_TOKENS.name, "tokens other than MEWS_ACCESS_TOKEN")
    return MewsSettings("", client_token, access_token, "", chain_ids, named)


def _jwt(env: Mapping[str, str]) -> JwtSettings | None:
    """GATEWAY_JWKS_URL turns JWTs on; the issuer and audience must then be set too."""
    leeway = GATEWAY_JWT_LEEWAY_SECONDS.read(env)
    min_refresh = GATEWAY_JWKS_MIN_REFRESH_SECONDS.read(env)
    url = GATEWAY_JWKS_URL.read(env)
    if url is None:
        return None
    issuer, audience = (
        _required(env, claim, "since GATEWAY_JWKS_URL is set (tokens must name it)")
        for claim in (GATEWAY_JWT_ISSUER, GATEWAY_JWT_AUDIENCE)
    )
    return JwtSettings(url, issuer, audience, leeway=leeway, jwks_min_refresh=min_refresh)


def _required(env: Mapping[str, str], variable: Variable[str | None], because: str) -> str:
    value = variable.read(env)
    if not value:
        raise ConfigError(variable.name, f"a value, {because}")
    return value


def _documents(env: Mapping[str, str]) -> tuple[Mapping[str, str] | None, bool]:
    """The persisted documents file, read and checked now, and whether it is required."""
    required = GATEWAY_REQUIRE_PERSISTED.read(env)
    documents = GATEWAY_PERSISTED_DOCUMENTS.read(env)
    if documents is None and required:
        raise ConfigError(
            GATEWAY_PERSISTED_DOCUMENTS.name,
            "a documents file (gateway persist-documents DIR), "
            "since GATEWAY_REQUIRE_PERSISTED is true",
        )
    return documents, required and documents is not None


#: The demo world's guests were all updated in the last two years: its first sync needs no
#: older history (12 windows of 3 months instead of 60 since 2012).
DEMO_SYNC_HISTORY = timedelta(days=3 * 365)


def _sync(env: Mapping[str, str], *, demo: bool) -> SyncSettings:
    since = SYNC_MEWS_SINCE.read(env)
    if demo and not SYNC_MEWS_SINCE.raw(env):
        since = datetime.now(UTC) - DEMO_SYNC_HISTORY
    return SyncSettings(
        interval=SYNC_INTERVAL_SECONDS.read(env),
        mews_budget=SYNC_MEWS_BUDGET.read(env),
        mews_since=since,
        lock_ttl=SYNC_LOCK_TTL_SECONDS.read(env),
    )


def _redis(env: Mapping[str, str]) -> RedisSettings | None:
    prefix = GATEWAY_REDIS_PREFIX.read(env)
    timeout = REDIS_TIMEOUT_SECONDS.read(env)
    url = REDIS_URL.read(env)
    return None if url is None else RedisSettings(url, prefix, timeout)


def _resilience(env: Mapping[str, str]) -> Resilience:
    return Resilience(
        request_deadline=REQUEST_DEADLINE_SECONDS.read(env),
        write_margin=UPSTREAM_WRITE_MARGIN_SECONDS.read(env),
        fullwhere_timeout=FULLWHERE_TIMEOUT_SECONDS.read(env),
        mews_timeout=MEWS_TIMEOUT_SECONDS.read(env),
        retries=UPSTREAM_RETRIES.read(env),
        backoff_base=UPSTREAM_BACKOFF_BASE_SECONDS.read(env),
        backoff_cap=UPSTREAM_BACKOFF_CAP_SECONDS.read(env),
        breaker_threshold=UPSTREAM_BREAKER_THRESHOLD.read(env),
        breaker_cooldown=UPSTREAM_BREAKER_COOLDOWN_SECONDS.read(env),
        mews_rate_limit=MEWS_RATE_LIMIT.read(env),
        mews_rate_window=MEWS_RATE_WINDOW_SECONDS.read(env),
        mews_rate_margin=MEWS_RATE_MARGIN_SECONDS.read(env),
        stale_grace=CACHE_STALE_GRACE_SECONDS.read(env),
    )


def _live(env: Mapping[str, str]) -> LiveSettings:
    return LiveSettings(
        webhook_secret=MEWS_WEBHOOK_SECRET.read(env),
        max_webhook_bytes=GATEWAY_MAX_WEBHOOK_BYTES.read(env),
        max_subscriptions_per_connection=GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION.read(env),
        max_connections_per_caller=GATEWAY_MAX_CONNECTIONS_PER_CALLER.read(env),
        subscription_buffer=GATEWAY_SUBSCRIPTION_BUFFER.read(env),
        keepalive=GATEWAY_KEEPALIVE_SECONDS.read(env),
    )


def _telemetry(env: Mapping[str, str]) -> Telemetry:
    return Telemetry(
        metrics=GATEWAY_METRICS.read(env),
        metrics_token=GATEWAY_METRICS_TOKEN.read(env),
        log_format=GATEWAY_LOG_FORMAT.read(env),
        traces_endpoint=_traces_endpoint(env),
        log_level=GATEWAY_LOG_LEVEL.read(env),
    )


def _traces_endpoint(env: Mapping[str, str]) -> str | None:
    """The OTLP/HTTP traces URL, or None (tracing off).

    As the OpenTelemetry specification says, the signal's own endpoint is taken as is, and
    the general one gets `/v1/traces` appended."""
    if OTEL_SDK_DISABLED.read(env) or OTEL_TRACES_EXPORTER.read(env) == "none":
        return None
    if (traces := OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.read(env)) is not None:
        return traces
    if (root := OTEL_EXPORTER_OTLP_ENDPOINT.read(env)) is not None:
        return root + "/v1/traces"
    return None


def load_settings(env: Mapping[str, str], *, demo: bool = False) -> Settings:
    """Validate `env` into `Settings`; with no upstream credentials at all, or `demo`,
    the gateway runs on the embedded sandboxes.

    Raises:
        ConfigError: a variable is malformed, or the variables do not fit together.
    """
    demo = demo or GATEWAY_DEMO.read(env)
    fw_disabled = FULLWHERE_DISABLED.read(env)
    mews_disabled = MEWS_DISABLED.read(env)
    if fw_disabled and mews_disabled:
        raise ConfigError("MEWS_DISABLED", "at most one of FULLWHERE_DISABLED and MEWS_DISABLED")
    # Validated in every mode: a typo must not wait for the day credentials are added.
    fw_url = FULLWHERE_BASE_URL.read(env)
    mews_url = MEWS_BASE_URL.read(env)
    mews_client = MEWS_CLIENT.read(env)
    fw_creds = _pair(env, (FULLWHERE_API_KEY, FULLWHERE_API_SECRET))
    mews_creds = _mews_credentials(env)
    demo = demo or (fw_creds is None and mews_creds is None)
    documents, require_persisted = _documents(env)
    common = dict(
        api_keys=GATEWAY_API_KEYS.read(env),
        allow_anonymous=GATEWAY_ALLOW_ANONYMOUS.read(env),
        cache_ttl=CACHE_TTL_SECONDS.read(env),
        cache_max_entries=CACHE_MAX_ENTRIES.read(env),
        cache_max_bytes=CACHE_MAX_BYTES.read(env),
        cache_max_links=CACHE_MAX_LINKS.read(env),
        fullwhere_concurrency=FULLWHERE_CONCURRENCY.read(env),
        fullwhere_batch_size=FULLWHERE_BATCH_SIZE.read(env),
        timeouts=Timeouts(
            connect=UPSTREAM_CONNECT_TIMEOUT_SECONDS.read(env),
            read=UPSTREAM_READ_TIMEOUT_SECONDS.read(env),
        ),
        pool=Pool(
            max_connections=UPSTREAM_MAX_CONNECTIONS.read(env),
            max_keepalive=UPSTREAM_MAX_KEEPALIVE_CONNECTIONS.read(env),
        ),
        resilience=_resilience(env),
        max_upload_bytes=MAX_UPLOAD_BYTES.read(env),
        demo_latency=DEMO_LATENCY_SECONDS.read(env),
        gc_young_threshold=GATEWAY_GC_YOUNG_THRESHOLD.read(env),
        idempotency_ttl=IDEMPOTENCY_TTL_SECONDS.read(env),
        idempotency_max_entries=IDEMPOTENCY_MAX_ENTRIES.read(env),
        idempotency_max_bytes=IDEMPOTENCY_MAX_BYTES.read(env),
        max_body_bytes=GATEWAY_MAX_BODY_BYTES.read(env),
        max_header_bytes=GATEWAY_MAX_HEADER_BYTES.read(env),
        header_timeout=GATEWAY_HEADER_TIMEOUT_SECONDS.read(env),
        max_query_depth=GATEWAY_MAX_QUERY_DEPTH.read(env),
        max_aliases=GATEWAY_MAX_ALIASES.read(env),
        max_tokens=GATEWAY_MAX_TOKENS.read(env),
        max_root_fields=GATEWAY_MAX_ROOT_FIELDS.read(env),
        max_batch_items=GATEWAY_MAX_BATCH_ITEMS.read(env),
        max_upstream_calls=GATEWAY_MAX_UPSTREAM_CALLS.read(env),
        caller_budget=GATEWAY_CALLER_BUDGET.read(env),
        max_response_bytes=GATEWAY_MAX_RESPONSE_BYTES.read(env),
        caller_budget_window=GATEWAY_CALLER_BUDGET_WINDOW_SECONDS.read(env),
        introspection=GATEWAY_INTROSPECTION.read(env),
        federation=GATEWAY_FEDERATION.read(env),
        cors_origins=GATEWAY_CORS_ORIGINS.read(env),
        jwt=_jwt(env),
        persisted_documents=documents,
        require_persisted=require_persisted,
        sync=_sync(env, demo=demo),
        redis=_redis(env),
        mews_processes=GATEWAY_WORKERS.read(env) * GATEWAY_REPLICAS.read(env),
        unified_precedence=UNIFIED_PRECEDENCE.read(env),
        telemetry=_telemetry(env),
        live=_live(env),
    )
    if demo:
        # The sandboxes stand in for both; *_DISABLED still switches one off, to try how
        # the gateway answers without it.
        return Settings(
            fullwhere=None
            if fw_disabled
            else FullwhereSettings(DEMO_FULLWHERE_URL, "demo-key", "demo-secret"),
            mews=None
            if mews_disabled
            else MewsSettings(
                DEMO_MEWS_URL, DEMO_MEWS_CLIENT_TOKEN, DEMO_MEWS_ACCESS_TOKEN, DEFAULT_CLIENT
            ),
            demo=True,
            **common,  # type: ignore[arg-type]
        )

    fullwhere = mews = None
    if fw_creds is not None and not fw_disabled:
        key, secret = fw_creds
        fullwhere = FullwhereSettings(fw_url, key, secret)
    elif not fw_disabled:
        raise ConfigError(
            "FULLWHERE_API_KEY", "Fullwhere credentials, or FULLWHERE_DISABLED=true on purpose"
        )
    if mews_creds is not None and not mews_disabled:
        mews = dataclasses.replace(mews_creds, base_url=mews_url, client=mews_client)
    elif not mews_disabled:
        raise ConfigError("MEWS_CLIENT_TOKEN", "Mews credentials, or MEWS_DISABLED=true on purpose")
    if not common["api_keys"] and common["jwt"] is None and not common["allow_anonymous"]:
        # Real credentials behind an open endpoint would hand them to anyone who finds it.
        raise ConfigError(
            "GATEWAY_API_KEYS",
            "one or more comma-separated API keys for clients (Authorization: Bearer <key>), "
            "GATEWAY_JWKS_URL for JWTs from an identity provider, "
            "or GATEWAY_ALLOW_ANONYMOUS=true to serve without authentication on purpose",
        )
    return Settings(fullwhere=fullwhere, mews=mews, **common)  # type: ignore[arg-type]
