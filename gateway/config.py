"""Configuration from environment variables, validated once at start-up.

`load_settings(os.environ)` returns a frozen `Settings` or raises `ConfigError` naming the
variable and what it expects; the CLI prints that one line and exits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TypeVar
from urllib.parse import urlsplit

from gateway import __version__
from gateway.domain.unify import DEFAULT_PRECEDENCE, Precedence
from gateway.http.persisted import read_documents
from gateway.identity.sync import SyncSettings
from gateway.store.redis import DEFAULT_PREFIX as DEFAULT_REDIS_PREFIX
from gateway.store.redis import DEFAULT_TIMEOUT as DEFAULT_REDIS_TIMEOUT
from gateway.store.redis import SCHEMES as REDIS_SCHEMES

# Mews's public demo tokens (published in its documentation), which the Mews sandbox accepts.
from gateway.upstream.mews import DEMO_ACCESS_TOKEN as DEMO_MEWS_ACCESS_TOKEN
from gateway.upstream.mews import DEMO_CLIENT_TOKEN as DEMO_MEWS_CLIENT_TOKEN

T = TypeVar("T")


class ConfigError(ValueError):
    """A setting is missing or malformed."""

    def __init__(self, variable: str, expected: str) -> None:
        super().__init__(f"{variable}: expected {expected}")
        self.variable = variable
        self.expected = expected


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed per upstream call."""

    connect: float = 3.0
    read: float = 10.0


@dataclass(frozen=True)
class Resilience:
    """Behaviour under upstream faults (docs/failure-behaviour.md)."""

    #: Seconds a GraphQL request may spend on upstream calls, retries included (0: no limit).
    request_deadline: float = 20.0
    #: Read timeouts per upstream; None uses `Timeouts.read`.
    fullwhere_timeout: float | None = None
    mews_timeout: float | None = None
    #: Retries after a failed attempt (reads; writes only when certainly not applied).
    retries: int = 2
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    #: Consecutive upstream faults that open the circuit (0: no breaker), and for how long.
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    #: Mews calls allowed per AccessToken in a sliding window (0: no client-side limit).
    mews_rate_limit: int = 200
    mews_rate_window: float = 30.0
    #: Extra spacing between the slots of the window: a call reaches Mews up to this long
    #: after its slot, and Mews counts calls as they arrive.
    mews_rate_margin: float = 0.5
    #: Seconds past its TTL a cached read may still be served when the upstream fails.
    stale_grace: float = 300.0


#: Seconds of clock skew allowed on a JWT's `exp`, `nbf` and `iat`.
DEFAULT_JWT_LEEWAY = 30.0
#: Seconds at least between two fetches of the JWKS (an unknown `kid` triggers one).
DEFAULT_JWKS_MIN_REFRESH = 30.0


@dataclass(frozen=True)
class JwtSettings:
    """JWT bearer tokens: the identity provider's JWKS, and what a token must say."""

    jwks_url: str
    issuer: str
    audience: str
    leeway: float = DEFAULT_JWT_LEEWAY
    jwks_min_refresh: float = DEFAULT_JWKS_MIN_REFRESH


LOG_FORMATS = ("text", "json")
DEFAULT_LOG_FORMAT = "text"


@dataclass(frozen=True)
class Telemetry:
    """What the gateway tells its operators: metrics, traces and the log format."""

    #: Record Prometheus metrics and serve them at `/metrics`.
    metrics: bool = True
    #: When set, `/metrics` wants `Authorization: Bearer <token>`.
    metrics_token: str | None = field(default=None, repr=False)
    #: `text` (one readable line per record) or `json` (one JSON object per line).
    log_format: str = DEFAULT_LOG_FORMAT
    #: Where traces go (OTLP/HTTP), from OpenTelemetry's standard variables; None: no tracing.
    traces_endpoint: str | None = None


@dataclass(frozen=True)
class FullwhereSettings:
    base_url: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)


@dataclass(frozen=True)
class MewsSettings:
    base_url: str
    client_token: str = field(repr=False)
    access_token: str = field(repr=False)
    client: str


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
    cache_ttl: float = 60.0
    cache_max_entries: int = 50_000
    fullwhere_concurrency: int = 16
    fullwhere_batch_size: int = 100
    timeouts: Timeouts = Timeouts()
    resilience: Resilience = Resilience()
    max_upload_bytes: int = 10 * 1024 * 1024
    demo_latency: float = 0.0
    #: How long a mutation's `idempotencyKey` is remembered, and how many keys at most.
    idempotency_ttl: float = 24 * 3600.0
    idempotency_max_entries: int = 10_000
    #: Hostile-input limits (docs/security.md): the request body (JSON; a
    #: multipart upload may add `max_upload_bytes`), the operation's shape, and batch size.
    max_body_bytes: int = 4 * 1024 * 1024
    max_query_depth: int = 12
    max_aliases: int = 100
    max_tokens: int = 5000
    max_root_fields: int = 60
    max_batch_items: int = 5000
    introspection: bool = True
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
    #: Which source a unified `Customer` field prefers: the record updated last, or a fixed one.
    unified_precedence: Precedence = DEFAULT_PRECEDENCE
    telemetry: Telemetry = Telemetry()


DEFAULT_FULLWHERE_URL = "https://api.fullwhere.com"
DEFAULT_MEWS_URL = "https://api.mews.com"
DEFAULT_CLIENT = f"customer-gateway {__version__}"
# In demo mode the clients reach the embedded sandboxes in-process at these origins.
DEMO_FULLWHERE_URL = "http://fullwhere.sandbox"
DEMO_MEWS_URL = "http://mews.sandbox"


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(name, "an http(s) URL such as " + default)
    return value.rstrip("/")


def _number(
    env: Mapping[str, str], name: str, default: T, parse: Callable[[str], T], *, minimum: float
) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        value = None
    # "nan" and "inf" parse as floats but are no lifetime or timeout.
    if value is None or not math.isfinite(value) or value < minimum:  # type: ignore[arg-type,operator]
        kind = "an integer" if parse is int else "a number"
        raise ConfigError(name, f"{kind} >= {minimum:g}, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(name, f"true or false, got {raw!r}")


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated browser origins (`scheme://host[:port]`), or `*` for any."""
    origins = []
    for raw in env.get(name, "").split(","):
        origin = raw.strip().rstrip("/")
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
            raise ConfigError(
                name, f"comma-separated origins such as https://app.example.com, got {raw!r}"
            )
        origins.append(origin if origin == "*" else f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


# RFC 6750 bearer tokens (token68): what fits after `Authorization: Bearer `.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def _api_keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in env.get(name, "").split(",") if key.strip())
    for position, key in enumerate(keys, start=1):
        if not _BEARER_TOKEN.fullmatch(key):
            # Never echo a key: say which one is wrong, not what it is.
            raise ConfigError(
                name,
                f"comma-separated bearer tokens (A-Z a-z 0-9 . _ ~ + / - =); "
                f"key #{position} has other characters",
            )
    return keys


def _client_name(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        return DEFAULT_CLIENT
    if len(value) > 200 or not value.isprintable():
        raise ConfigError(name, "a printable name of at most 200 characters, e.g. MyHotel 1.0")
    return value


def _pair(env: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, ...] | None:
    """All of `names` set → their values; none set → None; some set → ConfigError."""
    values = tuple(env.get(name, "").strip() for name in names)
    if all(values):
        return values
    if any(values):
        missing = next(name for name, value in zip(names, values, strict=True) if not value)
        raise ConfigError(missing, f"a value, since {' and '.join(names)} go together")
    return None


def _jwt(env: Mapping[str, str]) -> JwtSettings | None:
    """GATEWAY_JWKS_URL turns JWTs on; the issuer and audience must then be set too."""
    leeway = _number(env, "GATEWAY_JWT_LEEWAY_SECONDS", DEFAULT_JWT_LEEWAY, float, minimum=0)
    min_refresh = _number(
        env, "GATEWAY_JWKS_MIN_REFRESH_SECONDS", DEFAULT_JWKS_MIN_REFRESH, float, minimum=0
    )
    if not env.get("GATEWAY_JWKS_URL", "").strip():
        return None
    url = _url(env, "GATEWAY_JWKS_URL", "https://login.example.com/.well-known/jwks.json")
    issuer, audience = (env.get(name, "").strip() for name in _JWT_CLAIMS)
    for name, value in zip(_JWT_CLAIMS, (issuer, audience), strict=True):
        if not value:
            raise ConfigError(name, "a value, since GATEWAY_JWKS_URL is set (tokens must name it)")
    return JwtSettings(url, issuer, audience, leeway=leeway, jwks_min_refresh=min_refresh)


_JWT_CLAIMS = ("GATEWAY_JWT_ISSUER", "GATEWAY_JWT_AUDIENCE")


def _documents(env: Mapping[str, str]) -> tuple[Mapping[str, str] | None, bool]:
    """The persisted documents file, read and checked now, and whether it is required."""
    path = env.get("GATEWAY_PERSISTED_DOCUMENTS", "").strip()
    required = _flag(env, "GATEWAY_REQUIRE_PERSISTED")
    if not path:
        if required:
            raise ConfigError(
                "GATEWAY_PERSISTED_DOCUMENTS",
                "a documents file (gateway persist-documents DIR), "
                "since GATEWAY_REQUIRE_PERSISTED is true",
            )
        return None, False
    try:
        documents = read_documents(path)
    except ValueError as exc:
        raise ConfigError(
            "GATEWAY_PERSISTED_DOCUMENTS", f"a JSON file {{sha256 hex: document}}; {exc}"
        ) from None
    return MappingProxyType(documents), required


#: The demo world's guests were all updated in the last two years: its first sync needs no
#: older history (12 windows of 3 months instead of 60 since 2012).
DEMO_SYNC_HISTORY = timedelta(days=3 * 365)


def _sync(env: Mapping[str, str], *, demo: bool) -> SyncSettings:
    defaults = SyncSettings()
    if demo:
        defaults = SyncSettings(mews_since=datetime.now(UTC) - DEMO_SYNC_HISTORY)
    budget = _number(env, "SYNC_MEWS_BUDGET", defaults.mews_budget, float, minimum=0.01)
    if budget > 1:
        raise ConfigError(
            "SYNC_MEWS_BUDGET", f"a share of the Mews rate limit, 0.01 to 1, got {budget:g}"
        )
    since = defaults.mews_since
    if raw := env.get("SYNC_MEWS_SINCE", "").strip():
        try:
            since = datetime.fromisoformat(raw)
        except ValueError:
            raise ConfigError(
                "SYNC_MEWS_SINCE", f"a date such as 2012-01-01, got {raw!r}"
            ) from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return SyncSettings(
        interval=_number(env, "SYNC_INTERVAL_SECONDS", defaults.interval, float, minimum=0),
        mews_budget=budget,
        mews_since=since,
    )


def _redis(env: Mapping[str, str]) -> RedisSettings | None:
    url = env.get("REDIS_URL", "").strip()
    prefix = env.get("GATEWAY_REDIS_PREFIX", "")
    if prefix and (len(prefix) > 64 or not prefix.isprintable() or " " in prefix):
        raise ConfigError("GATEWAY_REDIS_PREFIX", "at most 64 printable characters, no spaces")
    timeout = _number(env, "REDIS_TIMEOUT_SECONDS", DEFAULT_REDIS_TIMEOUT, float, minimum=0.01)
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
        # Never echo the URL: it may carry a password.
        raise ConfigError(
            "REDIS_URL",
            "a Redis URL such as redis://redis:6379/0 (schemes: " + ", ".join(REDIS_SCHEMES) + ")",
        )
    if parts.scheme.endswith("+sentinel") and not parts.path.strip("/"):
        raise ConfigError(
            "REDIS_URL", "the Sentinel service name: redis+sentinel://host:26379/mymaster"
        )
    return RedisSettings(url, prefix or DEFAULT_REDIS_PREFIX, timeout)


def _precedence(env: Mapping[str, str], name: str) -> Precedence:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return DEFAULT_PRECEDENCE
    try:
        return Precedence(raw)
    except ValueError:
        choices = "|".join(p.value for p in Precedence)
        raise ConfigError(name, f"one of {choices}, got {raw!r}") from None


def _resilience(env: Mapping[str, str]) -> Resilience:
    def optional(name: str) -> float | None:
        return _number(env, name, None, float, minimum=0.01)

    return Resilience(
        request_deadline=_number(env, "REQUEST_DEADLINE_SECONDS", 20.0, float, minimum=0),
        fullwhere_timeout=optional("FULLWHERE_TIMEOUT_SECONDS"),
        mews_timeout=optional("MEWS_TIMEOUT_SECONDS"),
        retries=_number(env, "UPSTREAM_RETRIES", 2, int, minimum=0),
        backoff_base=_number(env, "UPSTREAM_BACKOFF_BASE_SECONDS", 0.2, float, minimum=0),
        backoff_cap=_number(env, "UPSTREAM_BACKOFF_CAP_SECONDS", 5.0, float, minimum=0),
        breaker_threshold=_number(env, "UPSTREAM_BREAKER_THRESHOLD", 5, int, minimum=0),
        breaker_cooldown=_number(env, "UPSTREAM_BREAKER_COOLDOWN_SECONDS", 30.0, float, minimum=0),
        mews_rate_limit=_number(env, "MEWS_RATE_LIMIT", 200, int, minimum=0),
        mews_rate_window=_number(env, "MEWS_RATE_WINDOW_SECONDS", 30.0, float, minimum=0.01),
        mews_rate_margin=_number(env, "MEWS_RATE_MARGIN_SECONDS", 0.5, float, minimum=0),
        stale_grace=_number(env, "CACHE_STALE_GRACE_SECONDS", 300.0, float, minimum=0),
    )


def _telemetry(env: Mapping[str, str]) -> Telemetry:
    log_format = env.get("GATEWAY_LOG_FORMAT", "").strip().lower() or DEFAULT_LOG_FORMAT
    if log_format not in LOG_FORMATS:
        raise ConfigError("GATEWAY_LOG_FORMAT", f"text or json, got {log_format!r}")
    token = env.get("GATEWAY_METRICS_TOKEN", "").strip() or None
    if token is not None and not _BEARER_TOKEN.fullmatch(token):
        raise ConfigError(
            "GATEWAY_METRICS_TOKEN", "a bearer token (A-Z a-z 0-9 . _ ~ + / - =), never echoed"
        )
    return Telemetry(
        metrics=_flag(env, "GATEWAY_METRICS", default=Telemetry.metrics),
        metrics_token=token,
        log_format=log_format,
        traces_endpoint=_traces_endpoint(env),
    )


def _traces_endpoint(env: Mapping[str, str]) -> str | None:
    """The OTLP/HTTP traces URL, or None (tracing off).

    As the OpenTelemetry specification says, the signal's own endpoint is taken as is, and
    the general one gets `/v1/traces` appended."""
    if _flag(env, "OTEL_SDK_DISABLED"):
        return None
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return None
    for name, suffix in (
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "/v1/traces"),
    ):
        if env.get(name, "").strip():
            return _url(env, name, "http://localhost:4318") + suffix
    return None


def load_settings(env: Mapping[str, str], *, demo: bool = False) -> Settings:
    """Validate `env` into `Settings`; with no upstream credentials at all, or `demo`,
    the gateway runs on the embedded sandboxes."""
    demo = demo or _flag(env, "GATEWAY_DEMO")
    fw_disabled = _flag(env, "FULLWHERE_DISABLED")
    mews_disabled = _flag(env, "MEWS_DISABLED")
    if fw_disabled and mews_disabled:
        raise ConfigError("MEWS_DISABLED", "at most one of FULLWHERE_DISABLED and MEWS_DISABLED")
    # Validated in every mode: a typo must not wait for the day credentials are added.
    fw_url = _url(env, "FULLWHERE_BASE_URL", DEFAULT_FULLWHERE_URL)
    mews_url = _url(env, "MEWS_BASE_URL", DEFAULT_MEWS_URL)
    mews_client = _client_name(env, "MEWS_CLIENT")
    fw_creds = _pair(env, ("FULLWHERE_API_KEY", "FULLWHERE_API_SECRET"))
    mews_creds = _pair(env, ("MEWS_CLIENT_TOKEN", "MEWS_ACCESS_TOKEN"))
    common = dict(
        api_keys=_api_keys(env, "GATEWAY_API_KEYS"),
        allow_anonymous=_flag(env, "GATEWAY_ALLOW_ANONYMOUS"),
        cache_ttl=_number(env, "CACHE_TTL_SECONDS", 60.0, float, minimum=0),
        cache_max_entries=_number(env, "CACHE_MAX_ENTRIES", 50_000, int, minimum=1),
        fullwhere_concurrency=_number(env, "FULLWHERE_CONCURRENCY", 16, int, minimum=1),
        fullwhere_batch_size=_number(env, "FULLWHERE_BATCH_SIZE", 100, int, minimum=1),
        timeouts=Timeouts(
            connect=_number(env, "UPSTREAM_CONNECT_TIMEOUT_SECONDS", 3.0, float, minimum=0.01),
            read=_number(env, "UPSTREAM_READ_TIMEOUT_SECONDS", 10.0, float, minimum=0.01),
        ),
        resilience=_resilience(env),
        max_upload_bytes=_number(env, "MAX_UPLOAD_BYTES", 10 * 1024 * 1024, int, minimum=1),
        demo_latency=_number(env, "DEMO_LATENCY_SECONDS", 0.0, float, minimum=0),
        idempotency_ttl=_number(env, "IDEMPOTENCY_TTL_SECONDS", 24 * 3600.0, float, minimum=0),
        idempotency_max_entries=_number(env, "IDEMPOTENCY_MAX_ENTRIES", 10_000, int, minimum=1),
        max_body_bytes=_number(env, "GATEWAY_MAX_BODY_BYTES", 4 * 1024 * 1024, int, minimum=1),
        max_query_depth=_number(env, "GATEWAY_MAX_QUERY_DEPTH", 12, int, minimum=1),
        max_aliases=_number(env, "GATEWAY_MAX_ALIASES", 100, int, minimum=0),
        max_tokens=_number(env, "GATEWAY_MAX_TOKENS", 5000, int, minimum=1),
        max_root_fields=_number(env, "GATEWAY_MAX_ROOT_FIELDS", 60, int, minimum=1),
        max_batch_items=_number(env, "GATEWAY_MAX_BATCH_ITEMS", 5000, int, minimum=1),
        introspection=_flag(env, "GATEWAY_INTROSPECTION", default=True),
        cors_origins=_origins(env, "GATEWAY_CORS_ORIGINS"),
        jwt=_jwt(env),
        sync=_sync(env, demo=demo or (fw_creds is None and mews_creds is None)),
        redis=_redis(env),
        unified_precedence=_precedence(env, "UNIFIED_PRECEDENCE"),
        telemetry=_telemetry(env),
    )
    common["persisted_documents"], common["require_persisted"] = _documents(env)
    if demo or (fw_creds is None and mews_creds is None):
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
        token, access = mews_creds
        mews = MewsSettings(mews_url, token, access, mews_client)
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
