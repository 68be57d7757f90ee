"""Joining records into unified `Customer`s: from a Mews guest, by a Mews id, and the Mews
reads a selection will need, queued up front."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from gateway.data.context import RequestContext
from gateway.data.upstreams import Record
from gateway.errors import GatewayError
from gateway.graphql.customer import Customer
from gateway.identity.index import linked_mews_id
from gateway.upstream.errors import UpstreamError


async def linked_fullwhere_id(mews_id: str, context: RequestContext) -> str | None:
    """The Fullwhere record this Mews guest belongs to: the identity index's canonical one,
    else a link learned from the records read so far (before the first sync finishes)."""
    context.identity_consulted = True
    try:
        linked = await context.loaders.identity.load(mews_id.lower())
    except GatewayError:  # the shared store is away: what this process learned still holds
        linked = []
    return linked[0] if linked else await context.upstreams.links.get(mews_id)


async def customer_for_mews(
    mews: Record, context: RequestContext, path: list[str | int] | None = None
) -> Customer:
    """A Mews record as a unified `Customer`, joined to its Fullwhere record when known.

    With `path`, a Fullwhere failure does not fail the caller: the customer comes from Mews
    alone and the error is reported at `path`.
    """
    fullwhere_id = await linked_fullwhere_id(str(mews["Id"]), context)
    if fullwhere_id is not None:
        try:
            record = await context.loaders.fullwhere.load(fullwhere_id)
        except UpstreamError as exc:
            if path is None:
                raise
            context.add_partial_error(exc, path)
            return Customer.from_mews(mews)
        if record is not None and linked_mews_id(record)[0] == mews["Id"]:
            return Customer.joined(record, mews)
    return Customer.from_mews(mews)


async def customer_by_mews_id(
    mews_id: str, context: RequestContext, path: list[str | int]
) -> Customer | None:
    fullwhere_id = await linked_fullwhere_id(mews_id, context)
    if fullwhere_id is None:
        mews = await context.loaders.mews.load(mews_id)
        return None if mews is None else Customer.from_mews(mews)
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
        return Customer.from_mews(mews_result)
    if isinstance(fw_result, BaseException):
        raise fw_result
    if fw_result is not None and linked_mews_id(fw_result)[0] == mews_id:
        return Customer.joined(fw_result, mews_result)
    return None if mews_result is None else Customer.from_mews(mews_result)


def prefetch_mews(
    customers: list[Customer], names: set[str], context: RequestContext
) -> Awaitable[object]:
    """Queue the Mews reads the selected `names` will need, so they go out in one batch.

    Awaiting the result waits for them (failures stay in each customer's load, to be
    reported on its fields): the fields of these customers then resolve at once, without
    a task each."""
    precedence = context.settings.unified_precedence
    for customer in customers:
        if customer.wants_mews(names, precedence):
            customer.prefetch_mews(context)
    pending = [c.mews_pending for c in customers if c.mews_pending is not None]
    return asyncio.gather(*pending, return_exceptions=True)
