"""Joining the two upstreams' records of one person: from a Mews guest, and by a Mews id.

A join is a `Joined` pair of records; the GraphQL layer turns it into a `Customer`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gateway.data.context import RequestContext
from gateway.data.upstreams import Record
from gateway.errors import GatewayError
from gateway.identity.index import linked_mews_id
from gateway.upstream.errors import UpstreamError


@dataclass(frozen=True)
class Joined:
    """One person's records: `fullwhere` is set when a Fullwhere record links to the guest
    (then `mews` may be None: no such guest), else `mews` is the guest alone."""

    fullwhere: Record | None
    mews: Record | None


async def linked_fullwhere_id(mews_id: str, context: RequestContext) -> str | None:
    """The Fullwhere record this Mews guest belongs to: the identity index's canonical one,
    else a link learned from the records read so far (before the first sync finishes)."""
    context.identity_consulted = True
    try:
        linked = await context.loaders.identity.load(mews_id.lower())
    except GatewayError:  # the shared store is away: what this process learned still holds
        linked = []
    return linked[0] if linked else await context.upstreams.links.get(mews_id)


async def join_mews(
    mews: Record, context: RequestContext, path: list[str | int] | None = None
) -> Joined:
    """A Mews record joined to its Fullwhere record when known.

    With `path`, a Fullwhere failure does not fail the caller: the guest comes alone and the
    error is reported at `path`.

    Raises:
        UpstreamError: Fullwhere failed and no `path` was given.
    """
    fullwhere_id = await linked_fullwhere_id(str(mews["Id"]), context)
    if fullwhere_id is not None:
        try:
            record = await context.loaders.fullwhere.load(fullwhere_id)
        except UpstreamError as exc:
            if path is None:
                raise
            context.add_partial_error(exc, path)
            return Joined(None, mews)
        if record is not None and linked_mews_id(record)[0] == mews["Id"]:
            return Joined(record, mews)
    return Joined(None, mews)


async def join_by_mews_id(
    mews_id: str, context: RequestContext, path: list[str | int]
) -> Joined | None:
    """The person a Mews id designates (None: nobody); a failing Fullwhere leaves the guest
    alone, with the error reported at `path`."""
    fullwhere_id = await linked_fullwhere_id(mews_id, context)
    if fullwhere_id is None:
        mews = await context.loaders.mews.load(mews_id)
        return None if mews is None else Joined(None, mews)
    # Both ids are known: the two reads don't depend on each other.
    fw_result, mews_result = await asyncio.gather(
        context.loaders.fullwhere.load(fullwhere_id),
        context.loaders.mews.load(mews_id),
        return_exceptions=True,
    )
    if isinstance(mews_result, BaseException):
        raise mews_result
    if isinstance(fw_result, UpstreamError) and mews_result is not None:
        # Fullwhere is failing: the guest from Mews alone, the error beside it.
        context.add_partial_error(fw_result, path)
        return Joined(None, mews_result)
    if isinstance(fw_result, BaseException):
        raise fw_result
    if fw_result is not None and linked_mews_id(fw_result)[0] == mews_id:
        return Joined(fw_result, mews_result)
    return None if mews_result is None else Joined(None, mews_result)


__all__ = ["Joined", "join_by_mews_id", "join_mews", "linked_fullwhere_id"]
