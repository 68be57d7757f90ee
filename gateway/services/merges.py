"""Merging one Mews guest into another: both checked first, then `customers/merge`, or
`accounts/merge` where Mews has removed the deprecated operation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from gateway.data.context import RequestContext
from gateway.data.upstreams import Record
from gateway.errors import BadUserInput
from gateway.services.groups import place_of_guest, same_place
from gateway.services.writes import forget_mews, mews_changes, published
from gateway.upstream.errors import UpstreamNotFound


@dataclass(frozen=True)
class Merged:
    #: The Mews operation that did the merge.
    via: Literal["CUSTOMERS_MERGE", "ACCOUNTS_MERGE"]
    #: The target guest as Mews holds it after the merge (None: no longer readable).
    target: Record | None


async def merge_guests(context: RequestContext, source_mews: str, target_mews: str) -> Merged:
    """Merge the Mews guest `source_mews` into `target_mews`.

    Raises:
        BadUserInput: both are one guest, or one is missing or no longer active, or they
            are in different properties or chains of a hotel group (or reached through a
            portfolio token, which Mews does not merge through).
        UpstreamError: Mews refused or failed the merge.
    """
    if source_mews == target_mews:
        raise BadUserInput(
            f"targetId: both ids designate the Mews guest {source_mews}; a customer "
            "cannot be merged into itself",
            argument="targetId",
        )
    # Both checks in one tick: the loader asks Mews for both guests in one getAll.
    await asyncio.gather(
        _check_mergeable(context, source_mews, "sourceId"),
        _check_mergeable(context, target_mews, "targetId"),
    )
    # In a hotel group both guests must be under one property token (and chain).
    source, target = await asyncio.gather(
        place_of_guest(context, source_mews), place_of_guest(context, target_mews)
    )
    mews = same_place(source, target)
    via: Literal["CUSTOMERS_MERGE", "ACCOUNTS_MERGE"]
    try:
        await mews.merge(source_mews, target_mews)
        via = "CUSTOMERS_MERGE"
    except UpstreamNotFound:
        # 404 is a wrong path for Mews: the deprecated operation is gone.
        await mews.merge_accounts(source_mews, target_mews)
        via = "ACCOUNTS_MERGE"
    await forget_mews(context, [source_mews, target_mews])
    await published(
        context, await mews_changes(context, [(source_mews, "MERGED"), (target_mews, "MERGED")])
    )
    return Merged(via=via, target=await context.loaders.mews.load(target_mews))


async def _check_mergeable(context: RequestContext, mews_id: str, argument: str) -> None:
    record = await context.loaders.mews.load(mews_id)
    if record is None:
        raise BadUserInput(f"{argument}: there is no Mews guest {mews_id}", argument=argument)
    if record.get("IsActive") is False or record.get("ActivityState") == "Deleted":
        merged_into = record.get("MergeTargetId")
        reason = f" (it was merged into {merged_into})" if merged_into else ""
        raise BadUserInput(
            f"{argument}: the Mews guest {mews_id} is not active{reason}", argument=argument
        )


__all__ = ["Merged", "merge_guests"]
