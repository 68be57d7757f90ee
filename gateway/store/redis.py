"""The Redis connection every shared part uses: `RedisStore`.

Every call is bounded by the client's socket timeouts. After a failure the store reports
itself down for `retry_after` seconds without trying, so that while Redis is away each request
pays one cheap check instead of a timeout; the first call after that tries again, and a
success is all it takes to share state again (no restart).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
from redis import exceptions as rx
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from gateway.errors import GatewayError

logger = logging.getLogger("gateway.store")

T = TypeVar("T")
Clock = Callable[[], float]

DEFAULT_PREFIX: Final = "cgw:"
DEFAULT_TIMEOUT: Final = 1.0
#: Seconds the store stays marked down after a failure before it is tried again.
DEFAULT_RETRY_AFTER: Final = 1.0

#: What `connect` understands (the scheme of `REDIS_URL`).
SCHEMES: Final = (
    "redis",
    "rediss",
    "unix",
    "redis+sentinel",
    "rediss+sentinel",
    "redis+cluster",
    "rediss+cluster",
)


#: Every exception a call to Redis may raise: redis-py's own (the Cluster client's
#: `RedisClusterException` is not a `RedisError`), and the socket's and TLS's.
REDIS_FAILURES: Final = (rx.RedisError, rx.RedisClusterException, OSError, TimeoutError)

#: What a failure means, by cause; the first that matches a failure names it.
CAUSES: Final = {
    "tls": "the TLS handshake failed: check the CA (`ssl_ca_certs` in REDIS_URL) and the "
    "client certificate",
    "authentication": "the user or password in REDIS_URL was refused",
    "permission": "the Redis user lacks a permission: grant it the ACL rule in "
    "docs/scaling.md (keys `~<prefix>*`)",
    "cluster": "the server is a Redis Cluster node (or not one) unlike REDIS_URL says, or "
    "keys crossed slots: use redis+cluster:// for a cluster",
    "timeout": "no answer within REDIS_TIMEOUT_SECONDS",
    "connection": "no connection",
}
#: Causes that are a configuration to fix, not an outage to wait out.
MISCONFIGURED: Final = frozenset({"tls", "authentication", "permission", "cluster"})


#: Share of the store's socket timeout a blocking stream read waits (it must end first).
BLOCK_FRACTION: Final = 0.5


def block_ms(timeout: float) -> int:
    """Milliseconds a blocking `XREAD`/`XREADGROUP` may wait on a store whose socket times
    out after `timeout` seconds (at least 10)."""
    return max(10, int(timeout * BLOCK_FRACTION * 1000))


def failure_cause(exc: BaseException) -> str:
    """The cause of a failed call to Redis: a key of `CAUSES`, or "error"."""
    text = str(exc)
    if isinstance(exc, ssl.SSLError) or "SSL" in text or "certificate" in text.lower():
        return "tls"
    if isinstance(exc, rx.AuthenticationError | rx.AuthenticationWrongNumberOfArgsError) or any(
        word in text for word in ("WRONGPASS", "NOAUTH", "invalid username-password")
    ):
        return "authentication"
    if isinstance(exc, rx.NoPermissionError) or any(
        word in text for word in ("NOPERM", "can't run this command", "no permissions")
    ):
        return "permission"
    cluster = rx.RedisClusterException | rx.ClusterError | rx.AskError | rx.ClusterCrossSlotError
    if isinstance(exc, cluster) or any(
        word in text for word in ("MOVED", "CROSSSLOT", "cluster", "Cluster")
    ):
        return "cluster"
    if isinstance(exc, rx.TimeoutError | TimeoutError):
        return "timeout"
    if isinstance(exc, rx.ConnectionError | OSError):
        return "connection"
    return "error"


class StoreUnavailable(GatewayError):
    """Redis could not be used (or is paused after a failure): nothing was done there.

    `cause` names why (a key of `CAUSES`) when known."""

    code = "UPSTREAM_UNAVAILABLE"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float = DEFAULT_RETRY_AFTER,
        cause: str | None = None,
    ) -> None:
        super().__init__(message, retryAfterSeconds=round(retry_after, 1), mayHaveBeenApplied=False)
        self.cause = cause

    @property
    def misconfigured(self) -> bool:
        """A setting to fix (TLS, credentials, ACL, cluster mode), not an outage."""
        return self.cause in MISCONFIGURED

    @property
    def hint(self) -> str | None:
        """What the cause means and what to check (no host, key or credential in it)."""
        return CAUSES.get(self.cause) if self.cause else None


# KEYS[1]: the probe's key. A script call, as the gateway's own state makes them.
_PROBE = "return redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)"


class RedisStore:
    """A Redis client with a key prefix and a memory of its last failure.

    Args:
        client: a `redis.asyncio` client (standalone, Sentinel master or Cluster).
        prefix: put before every key (`GATEWAY_REDIS_PREFIX`).
        retry_after: seconds to skip Redis after a failure.
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = DEFAULT_PREFIX,
        retry_after: float = DEFAULT_RETRY_AFTER,
        clock: Clock = time.monotonic,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.retry_after = retry_after
        self._clock = clock
        self._down_until = float("-inf")
        #: The cause of the failure that made the store pause (None while it works).
        self.cause: str | None = None
        self._probe_script = client.register_script(_PROBE)

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r}, available={self.available})"

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def tagged(self, tag: str, *parts: str) -> str:
        """A key whose hash tag is `tag` (`<prefix>{tag}:part...`): the keys of one tag
        share a Cluster slot, and every key still starts with the prefix."""
        return self.prefix + "{" + tag + "}" + "".join(":" + part for part in parts)

    @property
    def available(self) -> bool:
        """False while the store pauses after a failure (calls fail at once then)."""
        return self._clock() >= self._down_until

    async def run(self, operation: Callable[[Any], Awaitable[T]]) -> T:
        """`operation(client)`'s result.

        Raises:
            StoreUnavailable: Redis failed or timed out now, or did a moment ago.
        """
        if not self.available:
            raise self._unavailable()
        try:
            result = await operation(self.client)
        except REDIS_FAILURES as exc:
            self._failed(exc)
            raise self._unavailable() from None
        if self.cause is not None:
            self.cause = None
            logger.warning("Redis is reachable again; sharing state with the other processes")
        return result

    def _unavailable(self) -> StoreUnavailable:
        return StoreUnavailable(
            "Redis is unavailable", retry_after=self.retry_after, cause=self.cause
        )

    def _failed(self, exc: BaseException) -> None:
        """Pause, and log once per cause: one line naming it and what to check."""
        self._down_until = self._clock() + self.retry_after
        cause = failure_cause(exc)
        if cause != self.cause:
            self.cause = cause
            # The exception's text may hold the host or a key, never the password.
            logger.warning(
                "Redis failed (%s: %s: %s); serving from this process alone until it is back",
                cause,
                CAUSES.get(cause, "unexpected"),
                f"{type(exc).__name__}: {str(exc)[:200]}",
            )

    @property
    def clustered(self) -> bool:
        """Whether the client is a Redis Cluster client (`redis+cluster://`)."""
        return isinstance(self.client, RedisCluster)

    async def get_many(self, client: Any, keys: Sequence[str]) -> list[Any]:
        """`MGET keys`; on a Cluster, one `MGET` per slot (keys of many slots may not share
        one command there)."""
        if not keys:
            return []
        found: list[Any] = await (
            client.mget_nonatomic(keys) if self.clustered else client.mget(keys)
        )
        return found

    async def pipeline(
        self,
        client: Any,
        commands: Callable[[Any], None],
        script: Any = None,
        calls: Sequence[tuple[Sequence[str], Sequence[Any]]] = (),
    ) -> list[Any]:
        """`commands(pipe)`, then `script` once per `(keys, args)` of `calls`, in one round
        trip; the replies of the commands. A Cluster runs no script in a pipeline: there
        the commands go in one (split per node by the client) and the scripts concurrently,
        each to the node of its keys (which share a slot)."""
        async with client.pipeline(transaction=False) as pipe:
            commands(pipe)
            if not self.clustered:
                for keys, args in calls:
                    await script(keys=keys, args=args, client=pipe)
            replies: list[Any] = await pipe.execute()
        if self.clustered and calls:
            await asyncio.gather(*(script(keys=k, args=a, client=client) for k, a in calls))
        return replies[: len(replies) - (0 if self.clustered else len(calls))]

    async def ping(self) -> None:
        """The readiness probe: what the gateway relies on, on keys of its own (a script
        call and a multi-key read), and the server's cluster mode against the URL's.

        Raises:
            StoreUnavailable: Redis failed now; `misconfigured` when a setting is wrong.
        """
        self._down_until = float("-inf")  # a probe always tries
        await self.run(self._probe)

    async def _probe(self, client: Any) -> None:
        if not self.clustered:
            await _not_a_cluster_node(client)
        keys = [self.tagged("ready", "a"), self.tagged("ready", "b")]
        await self._probe_script(keys=keys[:1], args=["1"], client=client)
        await client.mget(keys)

    async def aclose(self) -> None:
        await self.client.aclose()


async def _not_a_cluster_node(client: Any) -> None:
    """Raises a Cluster error when a plain client reaches a Cluster node: its keys would be
    answered `MOVED` for two slots in three."""
    try:
        slots = await client.execute_command("CLUSTER", "SLOTS")
    except rx.ResponseError:  # cluster support disabled (or not allowed: the keys will tell)
        return
    if slots:
        raise rx.ClusterError("REDIS_URL names one node of a Redis Cluster")


def connect(
    url: str,
    *,
    prefix: str = DEFAULT_PREFIX,
    timeout: float = DEFAULT_TIMEOUT,
) -> RedisStore:
    """A store for `url` (nothing is sent until the first call).

    `redis://`, `rediss://` and `unix://` go to `redis.asyncio.from_url`;
    `redis+sentinel://[user:password@]host:port[,host:port...]/service[/db]` asks the
    Sentinels for the master of `service`; `redis+cluster://host:port` (or `rediss+cluster`)
    opens a Cluster client from that seed node.
    """
    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        # Fail fast: the caller has a fallback for every call. One immediate retry on a
        # broken connection only: after Redis restarts, every pooled connection fails once,
        # and that must not look like an outage (each process would fall back to its own
        # Mews window for a moment, and together send more than the limit).
        "retry_on_timeout": False,
        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        "retry_on_error": [RedisConnectionError],
        "health_check_interval": 30,
    }
    scheme, _, rest = url.partition("://")
    if scheme.endswith("+cluster"):
        base = scheme.removesuffix("+cluster")
        client: Any = RedisCluster.from_url(
            f"{base}://{rest}",
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
    elif scheme.endswith("+sentinel"):
        client = _sentinel_master(url, options)
    else:
        client = aioredis.from_url(url, **options)
    return RedisStore(client, prefix=prefix)


def _sentinel_master(url: str, options: dict[str, Any]) -> Any:
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    sentinels = []
    for host in hosts.split(","):
        name, _, port = host.rpartition(":") if ":" in host else (host, "", "26379")
        sentinels.append((name, int(port or 26379)))
    path = [segment for segment in parts.path.split("/") if segment]
    if not path:
        raise ValueError("a Sentinel URL names its service: redis+sentinel://host:26379/mymaster")
    service = path[0]
    db = int(path[1]) if len(path) > 1 else 0
    auth: dict[str, Any] = {"ssl": parts.scheme.startswith("rediss"), "db": db}
    if parts.password is not None:
        auth["password"] = unquote(parts.password)
    if parts.username:
        auth["username"] = unquote(parts.username)
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        sentinels, sentinel_kwargs={"socket_timeout": options["socket_timeout"]}, **options
    )
    return sentinel.master_for(service, **auth)


__all__ = [
    "CAUSES",
    "DEFAULT_PREFIX",
    "DEFAULT_RETRY_AFTER",
    "DEFAULT_TIMEOUT",
    "REDIS_FAILURES",
    "SCHEMES",
    "RedisStore",
    "StoreUnavailable",
    "connect",
    "failure_cause",
]
