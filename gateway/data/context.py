"""What every resolver gets as `info.context`: the request's loaders, upstreams, settings and
stores, and what it collected on the way (partial errors, stale reads)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.config import Settings
from gateway.data.cache import StaleRead
from gateway.data.idempotency import Idempotency
from gateway.data.loaders import Loaders
from gateway.data.upstreams import Upstreams
from gateway.upstream.resilience import Deadline


@dataclass(frozen=True)
class PartialError:
    """An error beside data a field still returned; the GraphQL layer reports it at `path`."""

    error: BaseException
    path: list[str | int]


@dataclass
class RequestContext:
    upstreams: Upstreams
    loaders: Loaders
    #: The app's settings and its store of idempotency keys (both live as long as the app).
    settings: Settings
    idempotency: Idempotency
    request_id: str = ""
    #: Errors of fields that still returned what they could (e.g. `sources` without the
    #: profile of a failing upstream); added to the response's `errors`.
    partial_errors: list[PartialError] = field(default_factory=list)
    #: When upstream calls (retries included) must be over; made current for the
    #: operation by the RequestDeadline extension.
    deadline: Deadline | None = None
    #: Reads answered from expired cache entries because an upstream failed; reported in
    #: the response's `extensions.stale` by the StaleReads extension.
    stale_reads: list[StaleRead] = field(default_factory=list)
    #: Set when a resolver answered from the identity index: the response then says whether
    #: the index was complete (`extensions.identityIndex`).
    identity_consulted: bool = False
    #: Free slot for transport-level objects (the Starlette request).
    request: Any = None
    #: For a subscription: told when its subscriber is dropped for reading too slowly, so the
    #: transport closes the connection at once (its send may be stuck on the client).
    on_dropped: Callable[[Exception], None] | None = None

    @classmethod
    def for_request(cls, upstreams: Upstreams, **kwargs: Any) -> RequestContext:
        return cls(upstreams=upstreams, loaders=Loaders(upstreams), **kwargs)

    def add_partial_error(self, exc: BaseException, path: list[str | int]) -> None:
        self.partial_errors.append(PartialError(exc, path))
