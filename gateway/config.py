"""Configuration from environment variables, validated once at start-up.

`load_settings(os.environ)` returns a frozen `Settings` or raises `ConfigError` naming the
variable and what it expects; the CLI prints that one line and exits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from gateway import __version__

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
    #: Seconds past its TTL a cached read may still be served when the upstream fails.
    stale_grace: float = 300.0


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
        stale_grace=_number(env, "CACHE_STALE_GRACE_SECONDS", 300.0, float, minimum=0),
    )


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
    )
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
    if not common["api_keys"] and not common["allow_anonymous"]:
        # Real credentials behind an open endpoint would hand them to anyone who finds it.
        raise ConfigError(
            "GATEWAY_API_KEYS",
            "one or more comma-separated API keys for clients (Authorization: Bearer <key>), "
            "or GATEWAY_ALLOW_ANONYMOUS=true to serve without authentication on purpose",
        )
    return Settings(fullwhere=fullwhere, mews=mews, **common)  # type: ignore[arg-type]
