"""Running a mutation under its `idempotencyKey`: the caller's key, scoped to the caller, in the
request's idempotency store (`gateway.data.idempotency`)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from gateway.data.context import RequestContext
from gateway.data.idempotency import check_key, fingerprint

T = TypeVar("T")


async def idempotent(
    context: RequestContext,
    *,
    caller: str,
    field: str,
    key: str | None,
    material: Any,
    work: Callable[[], Awaitable[T]],
) -> tuple[T, bool]:
    """Run `work` under `key` (no key: just run it). `material` is the validated input.

    Args:
        caller: who is asking (its API key, or its token's issuer, subject and client): keys of
            different callers never meet.
    """
    if key is None:
        return await work(), False
    slot = (hashlib.sha256(caller.encode()).hexdigest(), check_key(key))
    return await context.idempotency.run(slot, fingerprint(field, material), work)


__all__ = ["idempotent"]
