"""What every write shares: turning a unified id into the Mews id it writes to, reporting a
failed write inside a payload, and keeping the caches honest afterwards (how a Fullwhere
import is cut into batches is `gateway.domain.batches`).

Cache rule: after a successful write nothing cached may still serve the old data. A write's
own answer primes the per-id caches (shared and per-request) with the new record; everything
that may embed the old one (list pages, getAll pages, email lookups, searches) is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterable
from typing import Any

from gateway.data.context import RequestContext
from gateway.data.upstreams import Record
from gateway.errors import BadUserInput, GatewayError, error_extensions, public_message
from gateway.identity.index import FullwhereEntry, MewsEntry, linked_mews_id
from gateway.services.live import Change, ChangeKind, changes_of_fullwhere, changes_of_mews

logger = logging.getLogger("gateway.writes")


# --- ids --------------------------------------------------------------------------------------


async def mews_id_of(context: RequestContext, kind: str, raw: str, argument: str) -> str:
    """The Mews guest a parsed unified id designates: itself for `mews:`, the linked guest
    for `fullwhere:` (BAD_USER_INPUT when that customer is unknown or has no Mews link)."""
    if kind == "mews":
        return raw
    record = await context.loaders.fullwhere.load(raw)
    if record is None:
        raise BadUserInput(f"{argument}: there is no Fullwhere customer {raw!r}", argument=argument)
    mews_id, _ = linked_mews_id(record)
    if mews_id is None:
        raise BadUserInput(
            f"{argument}: Fullwhere customer {raw!r} is not linked to a Mews guest (no `mewsId` "
            "and no `metadata.mews.customer.Id`), so there is no Mews profile to write to",
            argument=argument,
        )
    return mews_id


# --- errors reported inside payloads ----------------------------------------------------------


def error_fields(exc: BaseException) -> dict[str, Any]:
    """`code`, `message`, `source`, `may_have_been_applied` of a failed write, for a payload."""
    extensions = error_extensions(exc) or {"code": "INTERNAL_SERVER_ERROR"}
    return {
        "code": str(extensions["code"]),
        "message": public_message(exc),
        "source": extensions.get("source"),
        # Only a timeout or a dropped connection leaves the upstream's state unknown.
        "may_have_been_applied": bool(extensions.get("mayHaveBeenApplied", False)),
    }


# --- cache upkeep -----------------------------------------------------------------------------


async def _indexed(update: Awaitable[None]) -> None:
    """Put a written record in the identity index. The write is done upstream whatever
    happens here: with the shared store away, the next sync run indexes the record."""
    try:
        await update
    except GatewayError as exc:
        logger.warning("identity index not updated after a write (%s); the sync will", exc.code)


async def published(context: RequestContext, changes: list[Change]) -> None:
    """Tell the subscribers of every process. The write is done whatever happens here: with
    the shared store away, they miss this change (and the log says so)."""
    try:
        await context.upstreams.changes.publish(changes)
    except GatewayError as exc:
        logger.warning("a change was not published after a write (%s)", exc.code)


async def remember_fullwhere_import(context: RequestContext, record: Record) -> None:
    """A customer Fullwhere just created: readable by id at once (in every process), its
    link and keys in the identity index, and no list page cached from before may hide it."""
    upstreams = context.upstreams
    await upstreams.remember_fullwhere([record], replace=True)
    await _indexed(upstreams.identity.put_fullwhere([FullwhereEntry.from_record(record)]))
    await upstreams.forget_fullwhere_lists()
    customer_id = str(record["id"])
    context.loaders.fullwhere.clear(customer_id).prime(customer_id, record)
    await published(context, changes_of_fullwhere([record], "ADDED", "GATEWAY"))


async def forget_fullwhere_lists(context: RequestContext) -> None:
    """After a batch import (Fullwhere answers no records): drop the cached list pages."""
    await context.upstreams.forget_fullwhere_lists()


async def remember_mews_write(
    context: RequestContext, record: Record, kind: ChangeKind = "UPDATED"
) -> None:
    """A Mews guest as `customers/add` (`kind` ADDED) or `customers/update` returned it."""
    customer_id = str(record["Id"])
    await forget_mews(context, [customer_id])
    await context.upstreams.remember_mews([record], replace=True)
    context.upstreams.group.learn([record])
    await _indexed(context.upstreams.identity.put_mews([MewsEntry.from_record(record)]))
    context.loaders.mews.prime(customer_id, record)
    await published(context, await mews_changes(context, [(customer_id.lower(), kind)]))


async def mews_changes(
    context: RequestContext, kinds: list[tuple[str, ChangeKind]]
) -> list[Change]:
    try:
        return await changes_of_mews(context.upstreams, kinds, "GATEWAY")
    except GatewayError:  # the index is away: the change still goes, without its aliases
        return [Change(f"mews:{mews_id}", kind, "GATEWAY") for mews_id, kind in kinds]


async def forget_mews(context: RequestContext, customer_ids: Iterable[str]) -> None:
    """Drop every cached view of these Mews guests, shared (in every process) and in this
    request, before returning."""
    ids = list(customer_ids)
    await context.upstreams.forget_mews(ids)
    for customer_id in ids:
        context.loaders.mews.clear(customer_id)
        context.loaders.forget_open_items(customer_id)
    context.loaders.mews_by_email.clear_all()


__all__ = [
    "error_fields",
    "forget_fullwhere_lists",
    "forget_mews",
    "mews_changes",
    "mews_id_of",
    "published",
    "remember_fullwhere_import",
    "remember_mews_write",
]
