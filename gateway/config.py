"""Configuration from environment variables, validated once at start-up.

`load_settings(os.environ)` returns a frozen `Settings` or raises `ConfigError` naming the
variable and what it expects; the CLI prints that one line and exits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from gateway import __version__

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
    max_upload_bytes: int = 10 * 1024 * 1024
    demo_latency: float = 0.0


DEFAULT_FULLWHERE_URL = "https://api.fullwhere.com"
DEFAULT_MEWS_URL = "https://api.mews.com"
DEFAULT_CLIENT = f"customer-gateway {__version__}"
# In demo mode the clients reach the embedded sandboxes in-process at these origins.
DEMO_FULLWHERE_URL = "http://fullwhere.sandbox"
DEMO_MEWS_URL = "http://mews.sandbox"
# Mews's public demo tokens (UPSTREAMS.md): the Mews sandbox accepts them.
DEMO_MEWS_CLIENT_TOKEN = "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D"
DEMO_MEWS_ACCESS_TOKEN = "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D"


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
    if value is None or value < minimum:  # type: ignore[operator]
        kind = "an integer" if parse is int else "a number"
        raise ConfigError(name, f"{kind} >= {minimum:g}, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(name, f"true or false, got {raw!r}")


def _pair(env: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, ...] | None:
    """All of `names` set → their values; none set → None; some set → ConfigError."""
    values = tuple(env.get(name, "").strip() for name in names)
    if all(values):
        return values
    if any(values):
        missing = next(name for name, value in zip(names, values, strict=True) if not value)
        raise ConfigError(missing, f"a value, since {' and '.join(names)} go together")
    return None


def load_settings(env: Mapping[str, str], *, demo: bool = False) -> Settings:
    """Validate `env` into `Settings`; with no upstream credentials at all, or `demo`,
    the gateway runs on the embedded sandboxes."""
    fw_disabled = _flag(env, "FULLWHERE_DISABLED")
    mews_disabled = _flag(env, "MEWS_DISABLED")
    fw_creds = _pair(env, ("FULLWHERE_API_KEY", "FULLWHERE_API_SECRET"))
    mews_creds = _pair(env, ("MEWS_CLIENT_TOKEN", "MEWS_ACCESS_TOKEN"))
    common = dict(
        api_keys=tuple(k.strip() for k in env.get("GATEWAY_API_KEYS", "").split(",") if k.strip()),
        allow_anonymous=_flag(env, "GATEWAY_ALLOW_ANONYMOUS"),
        cache_ttl=_number(env, "CACHE_TTL_SECONDS", 60.0, float, minimum=0),
        cache_max_entries=_number(env, "CACHE_MAX_ENTRIES", 50_000, int, minimum=1),
        fullwhere_concurrency=_number(env, "FULLWHERE_CONCURRENCY", 16, int, minimum=1),
        fullwhere_batch_size=_number(env, "FULLWHERE_BATCH_SIZE", 100, int, minimum=1),
        timeouts=Timeouts(
            connect=_number(env, "UPSTREAM_CONNECT_TIMEOUT_SECONDS", 3.0, float, minimum=0.01),
            read=_number(env, "UPSTREAM_READ_TIMEOUT_SECONDS", 10.0, float, minimum=0.01),
        ),
        max_upload_bytes=_number(env, "MAX_UPLOAD_BYTES", 10 * 1024 * 1024, int, minimum=1),
        demo_latency=_number(env, "DEMO_LATENCY_SECONDS", 0.0, float, minimum=0),
    )
    if demo or (fw_creds is None and mews_creds is None):
        return Settings(
            fullwhere=FullwhereSettings(DEMO_FULLWHERE_URL, "demo-key", "demo-secret"),
            mews=MewsSettings(DEMO_MEWS_URL, DEMO_MEWS_CLIENT_TOKEN, DEMO_MEWS_ACCESS_TOKEN,
                              DEFAULT_CLIENT),
            demo=True,
            **common,  # type: ignore[arg-type]
        )

    fullwhere = mews = None
    if fw_creds is not None and not fw_disabled:
        key, secret = fw_creds
        fullwhere = FullwhereSettings(
            _url(env, "FULLWHERE_BASE_URL", DEFAULT_FULLWHERE_URL), key, secret
        )
    elif not fw_disabled:
        raise ConfigError(
            "FULLWHERE_API_KEY", "Fullwhere credentials, or FULLWHERE_DISABLED=true on purpose"
        )
    if mews_creds is not None and not mews_disabled:
        token, access = mews_creds
        mews = MewsSettings(
            _url(env, "MEWS_BASE_URL", DEFAULT_MEWS_URL),
            token,
            access,
            env.get("MEWS_CLIENT", "").strip() or DEFAULT_CLIENT,
        )
    elif not mews_disabled:
        raise ConfigError(
            "MEWS_CLIENT_TOKEN", "Mews credentials, or MEWS_DISABLED=true on purpose"
        )
    return Settings(fullwhere=fullwhere, mews=mews, **common)  # type: ignore[arg-type]
