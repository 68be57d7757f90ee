"""Hotel groups: which Mews token (and chain) a read or a write goes through.

A group's places are each chain of its portfolio token and each single-property token
(`MewsGroup.places`). Reads without a place cover every place they can; writes find the
token and chain from the guest they touch; an add needs one place named when there are
several. Every refusal here is a `BAD_USER_INPUT` raised before any upstream call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from gateway.data.context import RequestContext
from gateway.data.upstreams import MEWS_PAGE, Record
from gateway.errors import BadUserInput
from gateway.upstream.mews import MewsClient
from gateway.upstream.mews_group import MewsGroup, Place
from gateway.upstream.mews_types import MewsCustomerFilters

#: Between a place's key and the Mews cursor inside a group's page cursor.
_SEPARATOR = "|"


def _choices(group: MewsGroup) -> str:
    parts = []
    if group.names:
        parts.append("property: " + ", ".join(group.names))
    if (portfolio := group.portfolio) is not None:
        parts.append("chainId: " + ", ".join(portfolio.chain_ids))
    return "; ".join(parts) or "none: this gateway has one Mews token; leave it out"


def chosen_places(group: MewsGroup, prop: str | None, chain_id: str | None) -> list[Place]:
    """The places a read covers: the one named by `property` or `chainId`, else every one."""
    if prop is not None and chain_id is not None:
        raise BadUserInput("give `property` or `chainId`, not both", argument="chainId")
    if prop is not None:
        client = group.named(prop) if prop else None
        if client is None:
            raise BadUserInput(
                f"property: no Mews token is named {prop!r}; choose one of: {_choices(group)}",
                argument="property",
            )
        return [Place(client)]
    if chain_id is not None:
        client = group.for_chain(chain_id)
        if client is None:
            raise BadUserInput(
                f"chainId: not a chain of the portfolio token; choose one of: {_choices(group)}",
                argument="chainId",
            )
        return [Place(client, chain_id.lower())]
    return group.places()


def add_place(group: MewsGroup, prop: str | None, chain_id: str | None) -> Place:
    """Where `addCustomer` adds: the one place the group has, or the one named."""
    places = group.places()
    if prop is None and chain_id is None:
        if len(places) == 1:
            return places[0]
        raise BadUserInput(
            "input: this gateway reaches several Mews places; say where to add the guest "
            f"with input.property or input.chainId ({_choices(group)})",
            argument="input.property",
        )
    return chosen_places(group, prop, chain_id)[0]


def search_clients(group: MewsGroup, prop: str | None, chain_id: str | None) -> list[MewsClient]:
    """The tokens `searchCustomers` asks: Mews searches through property tokens only."""
    if chain_id is not None and group.for_chain(chain_id) is not None:
        raise BadUserInput(
            "chainId: Mews searches through a property's own access token only, and this "
            "chain is reached through the portfolio token; use mewsCustomers(chainId:) instead",
            argument="chainId",
        )
    if prop is not None:
        return [chosen_places(group, prop, None)[0].client]
    clients = [client for client in group.clients if not client.portfolio]
    if not clients:
        raise BadUserInput(
            "searchCustomers needs a property token: Mews does not search through a "
            "portfolio access token; add the properties' tokens (MEWS_ACCESS_TOKENS), or "
            "use mewsCustomers",
            argument="property",
        )
    return clients


@dataclass(frozen=True)
class GroupPage:
    """Guests of one page across places, each with its edge cursor."""

    edges: list[tuple[str, Record]]
    has_next: bool


def split_cursor(places: Sequence[Place], after: str | None) -> tuple[int, str | None]:
    """(index of the place to read, Mews cursor in it) of a group's page cursor."""
    if after is None:
        return 0, None
    key, _, guest_id = after.partition(_SEPARATOR)
    for index, place in enumerate(places):
        if place.key == key:
            return index, guest_id or None
    raise BadUserInput(
        "after: not a cursor of this connection with these arguments; pass an endCursor "
        "it returned",
        argument="after",
    )


async def group_page(
    context: RequestContext,
    places: Sequence[Place],
    filters: dict[str, Any],
    count: int,
    after: str | None,
) -> GroupPage:
    """Up to `count` guests newest first in each place, the places one after the other.

    Each place costs at most one getAll a page (asked for one guest more than it may
    give, to know whether it has more), so a page costs at most one call per place."""
    start, cursor = split_cursor(places, after)
    edges: list[tuple[str, Record]] = []
    for place in places[start:]:
        need = count - len(edges)
        if need <= 0:
            return GroupPage(edges, True)
        chains = filters.get("ChainIds")
        if place.chain_id is not None and chains and place.chain_id not in chains:
            cursor = None
            continue
        page = await _place_page(context, place, filters, need + 1, cursor)
        cursor = None
        for guest in page[:need]:
            edges.append((f"{place.key}{_SEPARATOR}{guest['Id']}", guest))
        if len(page) > need:
            return GroupPage(edges, True)
    return GroupPage(edges, False)


async def _place_page(
    context: RequestContext,
    place: Place,
    filters: dict[str, Any],
    asked: int,
    cursor: str | None,
) -> list[Record]:
    upstreams = context.upstreams
    body = dict(filters)
    if place.chain_id is not None:
        body["ChainIds"] = [place.chain_id]
    asked = min(asked, 1000)
    key = (MEWS_PAGE, place.key, repr(sorted(body.items())), cursor, asked)

    async def fetch() -> dict[str, Any]:
        page = await place.client.get_all(
            cast(MewsCustomerFilters, body), count=asked, cursor=cursor
        )
        await upstreams.remember_mews(cast(list[Record], page["Customers"]))
        return dict(page)

    page = await upstreams.cache.load(key, fetch)
    return list((page or {}).get("Customers") or [])


@dataclass(frozen=True)
class GuestPlace:
    """The token that holds a guest, and the chain a portfolio token must name for it."""

    client: MewsClient
    chain_id: str | None


async def place_of_guest(
    context: RequestContext,
    mews_id: str,
    load: Callable[[str], Awaitable[Record | None]] | None = None,
) -> GuestPlace:
    """Where a write to `mews_id` goes. A group of one token needs no read; in a group the
    guest is read (usually from the cache) to learn its token and chain."""
    group = context.upstreams.group
    if group.one_property:
        return GuestPlace(group.primary, None)
    record = await (load or context.loaders.mews.load)(mews_id)
    if record is None:
        raise BadUserInput(
            f"no Mews guest {mews_id} under any of this gateway's Mews tokens",
            argument="id",
        )
    chain = record.get("ChainId")
    return GuestPlace(group.client_of(record), chain if isinstance(chain, str) else None)


def same_place(source: GuestPlace, target: GuestPlace) -> MewsClient:
    """The token a merge goes through; refused across properties or chains, and through a
    portfolio token (Mews merges through a property's own token only)."""
    if source.client is not target.client or source.chain_id != target.chain_id:
        raise BadUserInput(
            "targetId: the two guests are in different Mews properties or chains; Mews "
            "merges guests of one property only",
            argument="targetId",
        )
    if source.client.portfolio:
        raise BadUserInput(
            "sourceId: these guests are reached through the portfolio access token, and "
            "Mews merges through a property's own token only (add it to MEWS_ACCESS_TOKENS)",
            argument="sourceId",
        )
    return source.client


__all__ = [
    "GroupPage",
    "GuestPlace",
    "add_place",
    "chosen_places",
    "group_page",
    "place_of_guest",
    "same_place",
    "search_clients",
    "split_cursor",
]
