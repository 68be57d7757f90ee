"""What every write shares: the settings it runs under, turning a unified id into the Mews id
it writes to, splitting a Fullwhere batch into chunks the upstream accepts, and keeping the
caches honest afterwards.

Cache rule: after a successful write nothing cached may still serve the old data. A write's
own answer primes the per-id caches (shared and per-request) with the new record; everything
that may embed the old one (list pages, getAll pages, email lookups, searches) is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any, Final

import orjson

from gateway.data.context import RequestContext
from gateway.data.upstreams import Record
from gateway.errors import BadUserInput, GatewayError, error_extensions, public_message
from gateway.identity.index import FullwhereEntry, MewsEntry, linked_mews_id

logger = logging.getLogger("gateway.writes")

#: Express' default JSON body limit ("100kb"), which the Fullwhere API answers 413 beyond.
FULLWHERE_MAX_BODY_BYTES: Final = 100 * 1024
#: What the gateway puts in one Fullwhere body at most: a margin under the limit for proxies
#: that count a few bytes more than we do.
FULLWHERE_SAFE_BODY_BYTES: Final = FULLWHERE_MAX_BODY_BYTES - 4 * 1024
#: `{"batch":[` + `]}` around the comma-separated items.
_BATCH_ENVELOPE: Final = len(b'{"batch":[]}')


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


# --- Fullwhere batches ------------------------------------------------------------------------


def encoded_size(body: Any) -> int:
    """Bytes `body` takes in a request (the clients send compact orjson)."""
    return len(orjson.dumps(body))


def plan_chunks(sizes: Sequence[int], *, max_items: int, max_bytes: int) -> list[range]:
    """Consecutive index ranges covering `sizes` (encoded item sizes), each with at most
    `max_items` items and a batch body of at most `max_bytes`. Every item must fit alone."""
    chunks: list[range] = []
    start, body = 0, _BATCH_ENVELOPE
    for index, size in enumerate(sizes):
        separator = 1 if index > start else 0
        if index > start and (index - start >= max_items or body + separator + size > max_bytes):
            chunks.append(range(start, index))
            start, body, separator = index, _BATCH_ENVELOPE, 0
        body += separator + size
    if start < len(sizes):
        chunks.append(range(start, len(sizes)))
    return chunks


def batch_item_fits(size: int) -> bool:
    return _BATCH_ENVELOPE + size <= FULLWHERE_SAFE_BODY_BYTES


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


async def remember_fullwhere_import(context: RequestContext, record: Record) -> None:
    """A customer Fullwhere just created: readable by id at once (in every process), its
    link and keys in the identity index, and no list page cached from before may hide it."""
    upstreams = context.upstreams
    await upstreams.remember_fullwhere([record], replace=True)
    await _indexed(upstreams.identity.put_fullwhere([FullwhereEntry.from_record(record)]))
    await upstreams.forget_fullwhere_lists()
    customer_id = str(record["id"])
    context.loaders.fullwhere.clear(customer_id).prime(customer_id, record)


async def forget_fullwhere_lists(context: RequestContext) -> None:
    """After a batch import (Fullwhere answers no records): drop the cached list pages."""
    await context.upstreams.forget_fullwhere_lists()


async def remember_mews_write(context: RequestContext, record: Record) -> None:
    """A Mews guest as `customers/add` or `customers/update` returned it."""
    customer_id = str(record["Id"])
    await forget_mews(context, [customer_id])
    await context.upstreams.remember_mews([record], replace=True)
    await _indexed(context.upstreams.identity.put_mews([MewsEntry.from_record(record)]))
    context.loaders.mews.prime(customer_id, record)


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
    "FULLWHERE_MAX_BODY_BYTES",
    "FULLWHERE_SAFE_BODY_BYTES",
    "batch_item_fits",
    "encoded_size",
    "error_fields",
    "forget_fullwhere_lists",
    "forget_mews",
    "mews_id_of",
    "plan_chunks",
    "remember_fullwhere_import",
    "remember_mews_write",
]
