"""What a change does: the Mews General Webhooks message applied, and changes published.

A message names entities by id (`{EnterpriseId, IntegrationId, Events: [{Discriminator,
Value: {Id}}]}`); only `CustomerAdded` and `CustomerUpdated` concern the gateway. Applying
one, for its customers (each once, whatever the number of events naming it):

1. every cached view of them is dropped, in every process;
2. their records are read in one `customers/getAll` (through the batcher of the process, so
   the call respects the Mews rate window and may carry other requests' ids too), with the
   token of the message's `EnterpriseId` (in a hotel group, learned from the first message
   of that enterprise, whose guests are looked up across the tokens), and primed in the
   cache;
3. the identity index learns their email, phone and names (a new guest is found by
   `customers(filter:)` at once);
4. a `Change` per customer goes on the bus (`ADDED` when the message says so).

Applying a message twice does the same thing twice: a repeat is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

from gateway.data.upstreams import FULLWHERE, FULLWHERE_PAGE, Record, Upstreams
from gateway.errors import GatewayError
from gateway.identity.index import MewsEntry, linked_mews_id
from gateway.store.changes import Change, ChangeKind, ChangeSource

logger = logging.getLogger("gateway.live")

#: The discriminators of the customer events, and the change each one is.
CUSTOMER_EVENTS: Final[Mapping[str, ChangeKind]] = {
    "CustomerAdded": "ADDED",
    "CustomerUpdated": "UPDATED",
}


def customer_events(message: Mapping[str, Any]) -> dict[str, ChangeKind]:
    """Mews customer id -> what happened to it (`ADDED` wins over `UPDATED`), in order.
    The message was checked by the receiver; other discriminators are ignored."""
    kinds: dict[str, ChangeKind] = {}
    for event in message.get("Events") or []:
        kind = CUSTOMER_EVENTS.get(event.get("Discriminator"))
        if kind is None:
            continue
        customer_id = str(event["Value"]["Id"]).lower()
        if kinds.get(customer_id) != "ADDED":
            kinds[customer_id] = kind
    return kinds


async def read_guests(upstreams: Upstreams, enterprise_id: str, ids: list[str]) -> list[Record]:
    """The guests of one message, read with the token of its enterprise: once known, in one
    `getAll` of that token; else (a hotel group's first message from an enterprise) asked
    of the tokens as any unknown guest is, and the token that held them remembered for the
    enterprise's next messages. Guests the enterprise's token does not hold (a token
    registered wrongly, a guest moved) are looked for across the tokens too."""
    group = upstreams.group
    client = group.for_enterprise(enterprise_id) if enterprise_id else None
    found: dict[str, Record] = {}
    if client is not None:
        read = await group.batcher(client).customers.load(ids)
        group.learn(read.values())
        found = {guest_id: cast(Record, record) for guest_id, record in read.items()}
    missing = [guest_id for guest_id in ids if guest_id not in found]
    if missing:
        more = await upstreams.mews_by_ids(missing)
        if more and enterprise_id and client is None:
            group.register_enterprise(enterprise_id, group.client_of(next(iter(more.values()))))
        found.update(more)
    return list(found.values())


async def apply_mews_message(upstreams: Upstreams, message: Mapping[str, Any]) -> list[Change]:
    """Apply one webhook message (see the module's docstring); returns the changes published.

    Raises:
        UpstreamError: Mews could not be read (the message is to be tried again).
        GatewayError: the shared store is away (the same).
    """
    kinds = customer_events(message)
    if not kinds:
        return []
    ids = list(kinds)
    await upstreams.forget_mews(ids)
    records = await read_guests(upstreams, str(message.get("EnterpriseId") or ""), ids)
    await upstreams.remember_mews(records, replace=True)
    await upstreams.identity.put_mews(MewsEntry.from_record(record) for record in records)
    changes = await changes_of_mews(upstreams, kinds.items(), "MEWS")
    await upstreams.changes.publish(changes)
    return changes


async def changes_of_mews(
    upstreams: Upstreams, kinds: Iterable[tuple[str, ChangeKind]], source: ChangeSource
) -> list[Change]:
    """A change per Mews guest, with the Fullwhere ids linked to it as aliases."""
    pairs = list(kinds)
    linked = await upstreams.identity.linked_from_many([mews_id for mews_id, _ in pairs])
    return [
        Change(f"mews:{mews_id}", kind, source, aliases=tuple(f"fullwhere:{f}" for f in fullwhere))
        for (mews_id, kind), fullwhere in zip(pairs, linked, strict=True)
    ]


def changes_of_fullwhere(
    records: Iterable[Mapping[str, Any]], kind: ChangeKind, source: ChangeSource
) -> list[Change]:
    """A change per Fullwhere record, with its linked Mews guest as an alias."""
    changes = []
    for record in records:
        mews_id, _ = linked_mews_id(record)
        aliases = (f"mews:{mews_id.lower()}",) if mews_id else ()
        changes.append(Change(f"fullwhere:{record['id']}", kind, source, aliases=aliases))
    return changes


async def publish_found(
    upstreams: Upstreams, source: str, records: list[Mapping[str, Any]]
) -> None:
    """Records the identity sync found changed (made elsewhere, so no webhook told): their
    cached views go (in every process), then a change each is published."""
    if source == "MEWS":
        ids = [str(r["Id"]).lower() for r in records if r.get("Id")]
        await upstreams.forget_mews(ids)
        changes = await changes_of_mews(upstreams, [(i, "UPDATED") for i in ids], "MEWS")
    else:
        known = [r for r in records if r.get("id")]
        await upstreams.cache.forget([(FULLWHERE, str(r["id"])) for r in known], [FULLWHERE_PAGE])
        changes = changes_of_fullwhere(known, "UPDATED", "FULLWHERE")
    try:
        await upstreams.changes.publish(changes)
    except GatewayError as exc:  # the sync goes on; these changes reach no subscriber
        logger.warning("changes the sync found were not published (%s)", exc.code)


__all__ = [
    "CUSTOMER_EVENTS",
    "Change",
    "ChangeKind",
    "apply_mews_message",
    "changes_of_fullwhere",
    "changes_of_mews",
    "customer_events",
    "publish_found",
    "read_guests",
]
