"""Prometheus metrics: what the gateway counts, the small calls that count it, and `/metrics`.

The metrics live in prometheus-client's default registry, one set per process. With several
worker processes (`gateway serve --workers N`) the supervisor gives every worker the same
`PROMETHEUS_MULTIPROC_DIR` (see `multiprocess_dir`), each worker writes its values there, and
`/metrics`, whichever worker answers it, adds them up. The library's process and platform
collectors describe one process only, so they are served in single-process mode only.

Recording is off until `enable()`: the app turns it on when `GATEWAY_METRICS` allows, and
every `record_*` call below is a flag test when it is off.
"""

from __future__ import annotations

import contextlib
import glob
import hmac
import os
import re
import shutil
import tempfile
from collections.abc import Hashable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.http.caller import bearer_token
from gateway.http.responses import error_response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
#: Operation names kept as label values per process; later new names count as `other`.
DEFAULT_MAX_OPERATION_NAMES = 200
#: The label of anonymous operations, of names past the limit, and of names that are no name.
OTHER = "other"
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
# Operations take milliseconds (warm cache) to tens of seconds (a deadline); upstream calls
# tens of milliseconds to the read timeout.
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0)
CANCELLED = "cancelled"
BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}

HTTP_RESPONSES = Counter(
    "gateway_http_responses_total",
    "HTTP responses by status code, refusals before any GraphQL runs (401, 413, 415) included.",
    ["status"],
)
OPERATIONS = Histogram(
    "gateway_graphql_operation_duration_seconds",
    "GraphQL operations by name, type, outcome (ok, partial, or the first error's code) and "
    "how the caller authenticated (anonymous, api_key, jwt); _count is the number of "
    "operations.",
    ["operation", "type", "outcome", "caller"],
    buckets=_SECONDS,
)
UPSTREAM_CALLS = Histogram(
    "gateway_upstream_request_duration_seconds",
    "HTTP calls to an upstream, each attempt counted, by upstream, upstream operation and "
    "status class (2xx, 4xx, 5xx, timeout, cancelled, network); _count is the number of calls.",
    ["upstream", "operation", "status_class"],
    buckets=_SECONDS,
)
UPSTREAM_RETRIES = Counter(
    "gateway_upstream_retries_total", "Upstream calls sent again after a failure.", ["upstream"]
)
BREAKER_STATE = Gauge(
    "gateway_upstream_breaker_state",
    "The upstream's circuit breaker as of its last call: 0 closed, 1 half-open, 2 open.",
    ["upstream"],
    multiprocess_mode="livemax",
)
LIMITER_WAITS = Histogram(
    "gateway_upstream_limiter_wait_seconds",
    "Waits for a slot of the gateway's own rate limit of an upstream (only waits > 0).",
    ["upstream"],
    buckets=(0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
LIMITER_REFUSALS = Counter(
    "gateway_upstream_limiter_refusals_total",
    "Calls refused because the rate limit's next slot was past the request's deadline.",
    ["upstream"],
)
LIMITER_USED = Gauge(
    "gateway_upstream_limiter_calls_in_window",
    "Calls reserved in the rate limit's current window, as of the last call (summed over "
    "worker processes).",
    ["upstream"],
    multiprocess_mode="livesum",
)
LIMITER_LIMIT = Gauge(
    "gateway_upstream_limiter_limit",
    "Calls the rate limit allows per window.",
    ["upstream"],
    multiprocess_mode="livemax",
)
CACHE_LOOKUPS = Counter(
    "gateway_cache_lookups_total",
    "Read-cache lookups by namespace and result: hit, joined (shared a read in flight), miss.",
    ["namespace", "result"],
)
CACHE_STALE = Counter(
    "gateway_cache_stale_answers_total",
    "Reads answered from an expired entry because the upstream failed.",
    ["namespace"],
)
CACHE_EVICTIONS = Counter(
    "gateway_cache_evictions_total", "Entries dropped from the read cache to make room."
)
CACHE_ENTRIES = Gauge(
    "gateway_cache_entries",
    "Entries in the read cache (summed over worker processes).",
    multiprocess_mode="livesum",
)
BATCH_SPLITS = Counter(
    "gateway_batch_splits_total",
    "Shared batch reads refused for some of their ids and split in halves, each sent again.",
    ["source"],
)
CACHE_BYTES = Gauge(
    "gateway_cache_bytes",
    "Size of the read cache's entries as `CACHE_MAX_BYTES` counts it: each record's JSON "
    "encoding and a fixed overhead (summed over worker processes).",
    multiprocess_mode="livesum",
)
IDEMPOTENCY_REPLAYS = Counter(
    "gateway_idempotency_replays_total",
    "Mutations answered with the remembered result of an earlier call with the same key.",
    ["mutation"],
)
IDENTITY_RECORDS = Gauge(
    "gateway_identity_sync_records",
    "Records the identity sync read in its latest run, by source (set by the process "
    "running the sync).",
    ["source"],
    multiprocess_mode="livemax",
)
IDENTITY_COMPLETE = Gauge(
    "gateway_identity_index_complete",
    "1 once a full identity sync has finished (the index answers for everyone), else 0.",
    multiprocess_mode="livemax",
)
IDENTITY_LAST_SUCCESS = Gauge(
    "gateway_identity_sync_last_success_timestamp_seconds",
    "When the latest identity sync run finished well (Unix time); its age is time() - this.",
    multiprocess_mode="livemax",
)
IDENTITY_RUNS = Counter(
    "gateway_identity_sync_runs_total",
    "Identity sync runs by outcome: done, failed.",
    ["outcome"],
)

_enabled = False
_operation_names: set[str] = set()


def enable(on: bool = True) -> None:
    """Record from now on in this process (or stop, with `on=False`)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def operation_label(name: str | None) -> str:
    """`name` as a label value: bounded, so that clients cannot grow the series without end."""
    if name is None or not _NAME.fullmatch(name):
        return OTHER
    if name in _operation_names:
        return name
    if len(_operation_names) >= DEFAULT_MAX_OPERATION_NAMES:
        return OTHER
    _operation_names.add(name)
    return name


#: Label children by metric and label values. prometheus-client checks the values and takes
#: a lock on every `labels()` call (a few µs, several times a request); the values here come
#: from bounded sets (`operation_label` caps the open one), and the cap below is a backstop.
_CHILDREN: dict[tuple[object, tuple[str, ...]], Any] = {}
_MAX_CHILDREN = 10_000


def _child(metric: Any, *values: str) -> Any:
    """`metric.labels(*values)`, remembered."""
    key = (metric, values)
    child = _CHILDREN.get(key)
    if child is None:
        child = metric.labels(*values)
        if len(_CHILDREN) < _MAX_CHILDREN:
            _CHILDREN[key] = child
    return child


def record_response(status: int) -> None:
    if _enabled:
        _child(HTTP_RESPONSES, str(status)).inc()


def record_operation(
    name: str | None, kind: str, outcome: str, seconds: float, caller: str = "anonymous"
) -> None:
    """One operation; `caller` is how its caller authenticated (anonymous, api_key, jwt)."""
    if _enabled:
        _child(OPERATIONS, operation_label(name), kind, outcome, caller).observe(seconds)


def status_class(status: int | None, error_code: str | None = None) -> str:
    """`2xx`..`5xx` for an answer; `timeout`, `cancelled` (the request's deadline or the
    client cut it short) or `network` for a call that got none."""
    if status is not None:
        return f"{status // 100}xx"
    if error_code == "UPSTREAM_TIMEOUT":
        return "timeout"
    return CANCELLED if error_code == CANCELLED else "network"


def record_upstream_call(upstream: str, operation: str, status: str, seconds: float) -> None:
    if _enabled:
        _child(UPSTREAM_CALLS, upstream, operation, status).observe(seconds)


def record_retry(upstream: str) -> None:
    if _enabled:
        _child(UPSTREAM_RETRIES, upstream).inc()


def record_breaker(upstream: str, state: str) -> None:
    if _enabled:
        _child(BREAKER_STATE, upstream).set(BREAKER_STATES[state])


def record_limiter(upstream: str, *, wait: float | None, used: int, limit: int) -> None:
    """One reservation: its wait (None: refused), and the window's use after it."""
    if not _enabled:
        return
    if wait is None:
        _child(LIMITER_REFUSALS, upstream).inc()
    elif wait > 0:
        _child(LIMITER_WAITS, upstream).observe(wait)
    _child(LIMITER_USED, upstream).set(used)
    _child(LIMITER_LIMIT, upstream).set(limit)


def _namespace(key: Hashable) -> str:
    return str(key[0]) if isinstance(key, tuple) and key else OTHER


def record_cache_lookups(
    key: Hashable, *, hits: int, joined: int, misses: int, entries: int
) -> None:
    """One `load_many`: how its keys (of the namespace of `key`) were found."""
    if not _enabled:
        return
    namespace = _namespace(key)
    for result, count in (("hit", hits), ("joined", joined), ("miss", misses)):
        if count:
            _child(CACHE_LOOKUPS, namespace, result).inc(count)
    CACHE_ENTRIES.set(entries)


def record_batch_split(source: str) -> None:
    if _enabled:
        _child(BATCH_SPLITS, source).inc()


def record_cache_bytes(size: int) -> None:
    if _enabled:
        CACHE_BYTES.set(size)


def record_stale_answer(key: Hashable) -> None:
    if _enabled:
        _child(CACHE_STALE, _namespace(key)).inc()


def record_eviction() -> None:
    if _enabled:
        CACHE_EVICTIONS.inc()


def record_replay(mutation: str) -> None:
    if _enabled:
        _child(IDEMPOTENCY_REPLAYS, mutation).inc()


def record_identity_sync(
    *, fullwhere: int, mews: int, complete: bool, finished: float | None, outcome: str | None
) -> None:
    """The identity sync's progress (`outcome` set when a run ends: done or failed)."""
    if not _enabled:
        return
    _child(IDENTITY_RECORDS, "fullwhere").set(fullwhere)
    _child(IDENTITY_RECORDS, "mews").set(mews)
    IDENTITY_COMPLETE.set(1 if complete else 0)
    if outcome is not None:
        _child(IDENTITY_RUNS, outcome).inc()
        if outcome == "done" and finished is not None:
            IDENTITY_LAST_SUCCESS.set(finished)


# -- several processes ------------------------------------------------------------------------


@contextlib.contextmanager
def multiprocess_dir() -> Iterator[str]:
    """The directory where worker processes write their metrics, for the block.

    `PROMETHEUS_MULTIPROC_DIR` when set (emptied first: values of an earlier run would be
    added in), else a temporary directory removed afterwards. Set in the environment before
    any worker starts, so that each one's prometheus-client writes there.
    """
    given = os.environ.get(MULTIPROC_ENV, "").strip()
    path = given or tempfile.mkdtemp(prefix="gateway-metrics-")
    os.makedirs(path, exist_ok=True)
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        if not given:
            os.environ.pop(MULTIPROC_ENV, None)
            shutil.rmtree(path, ignore_errors=True)


def worker_exited(pid: int) -> None:
    """Forget the live gauges of a worker that has ended (its counters still count)."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


# -- /metrics ---------------------------------------------------------------------------------


def exposition() -> bytes:
    """Every metric in Prometheus's text format: this process's, or all workers'."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def _unauthorized() -> Response:
    return error_response(
        401,
        "send Authorization: Bearer <GATEWAY_METRICS_TOKEN> to read metrics",
        "UNAUTHENTICATED",
        headers={"www-authenticate": 'Bearer realm="metrics"', "cache-control": "no-store"},
    )


def metrics_routes(token: str | None) -> list[Route]:
    """`GET /metrics`, wanting `Authorization: Bearer <token>` when `token` is set."""
    expected = token.encode() if token else None

    async def metrics(request: Request) -> Response:
        if expected is not None:
            given = bearer_token(request.scope)
            if given is None or not hmac.compare_digest(given, expected):
                return _unauthorized()
        # Reading the workers' files is blocking I/O.
        body = await run_in_threadpool(exposition)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})

    return [Route(METRICS_PATH, metrics, methods=["GET"])]
