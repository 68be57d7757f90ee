"""Root query fields. Each resolver here is the whole story of its field: it validates its
arguments, then reads through the request's loaders or the shared cache."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, cast

import strawberry
from strawberry.types import Info

from gateway.data.context import RequestContext
from gateway.data.upstreams import (
    FULLWHERE_PAGE,
    MEWS_PAGE,
    MEWS_SEARCH,
    Record,
)
from gateway.domain.ids import decode_cursor, encode_cursor, parse_customer_id
from gateway.errors import BadUserInput
from gateway.graphql.connections import (
    CustomerConnection,
    CustomerEdge,
    MewsCustomerConnection,
    MewsCustomerEdge,
    PageInfo,
)
from gateway.graphql.customer import Customer, LinkMethod, customer_for_mews, prefetch_mews
from gateway.graphql.filters import MewsCustomerFilter, to_mews_filters
from gateway.graphql.mews import MewsProfile, MewsReservation
from gateway.graphql.node import Node
from gateway.graphql.selection import selected_names
from gateway.identity.index import FULLWHERE_PREFIX, MEWS_PREFIX, Lookup
from gateway.services.groups import GroupPage, chosen_places, group_page, search_clients
from gateway.services.joins import join_by_mews_id
from gateway.upstream.errors import UpstreamError
from gateway.upstream.mews import MewsClient
from gateway.upstream.mews_types import MewsCustomerFilters

Ctx = Info[RequestContext, None]

FULLWHERE_MAX_PAGE = 100
#: Ids one `nodes(ids:)` call may ask for: each costs a Fullwhere read.
MAX_NODE_IDS = 100
MEWS_MAX_PAGE = 1000


_PROPERTY_ARG = (
    "Only the guests of this property: its `MEWS_ACCESS_TOKENS` name. Without `property` "
    "and `chainId`, every property and chain the gateway reaches, one after the other."
)
_CHAIN_ARG = "Only the guests of this chain of the portfolio token (`MEWS_CHAIN_IDS`)."


def _mews_connection(page: GroupPage) -> MewsCustomerConnection:
    """A `mewsCustomers` page (of one place, or across a group's) as its connection."""
    edges = [
        MewsCustomerEdge(cursor=encode_cursor("mews", cursor), node=cast(MewsProfile, guest))
        for cursor, guest in page.edges
    ]
    return MewsCustomerConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def _page_size(first: int | None, default: int, maximum: int) -> int:
    if first is None:
        return default
    if not 1 <= first <= maximum:
        raise BadUserInput(f"first: must be between 1 and {maximum}", argument="first")
    return first


async def _fullwhere_page(context: RequestContext, page: int, limit: int) -> dict[str, Any]:
    upstreams = context.upstreams

    async def fetch() -> dict[str, Any]:
        result: dict[str, Any] = dict(
            await upstreams.fullwhere.list_customers(page=page, limit=limit)
        )
        await upstreams.remember_fullwhere(result["items"])
        return result

    page_result: dict[str, Any] | None = await upstreams.cache.load(
        (FULLWHERE_PAGE, page, limit), fetch
    )
    assert page_result is not None
    return page_result


async def _fullwhere_slice(
    context: RequestContext, offset: int, limit: int
) -> tuple[list[Record], int]:
    """Items `offset .. offset+limit` of Fullwhere's list, by page number: one call when
    the offset falls on a page boundary (the usual case), two concurrent ones otherwise."""
    first_page = offset // limit + 1
    pages = [first_page] if offset % limit == 0 else [first_page, first_page + 1]
    results = await asyncio.gather(*(_fullwhere_page(context, p, limit) for p in pages))
    items = [item for result in results for item in result["items"]]
    start = offset - (first_page - 1) * limit
    total = int(results[0]["meta"]["totalItems"])
    return items[start : start + limit], total


@strawberry.input(
    description=(
        "Find people across both systems, from the identity index (no upstream call for the "
        "lookup itself). Every given criterion must hold."
    )
)
class CustomerFilter:
    email: str | None = strawberry.field(
        default=None, description="Exact email, case-insensitive, in either system."
    )
    phone: str | None = strawberry.field(
        default=None,
        description=(
            "Phone number with its country code, in any spelling (`+33 6 12 34 56 78`, "
            "`0033612345678`): compared in E.164."
        ),
    )
    name: str | None = strawberry.field(
        default=None,
        description=(
            "Start of a first name, last name, `first last` or `last first`; "
            "case and accents ignored."
        ),
    )
    link: list[LinkMethod] | None = strawberry.field(
        default=None,
        description="Only people linked this way, e.g. `[MEWS_ONLY]` for guests only Mews knows.",
    )

    def lookup(self) -> Lookup:
        try:
            return Lookup.of(
                email=self.email,
                phone=self.phone,
                name=self.name,
                links=[m.name for m in self.link] if self.link is not None else None,
            )
        except ValueError as exc:
            raise BadUserInput(f"filter.{exc}", argument="filter") from None


async def _indexed_customers(
    info: Ctx, lookup: Lookup, limit: int, after: str | None
) -> CustomerConnection:
    """A page of the identity index's answer to `lookup`, read with the fewest calls: the
    Fullwhere records concurrently, then every Mews guest of the page (Mews-only ones and
    the linked profiles the selection needs) in one getAll."""
    context = info.context
    context.identity_consulted = True
    after_id = decode_cursor("person", after) if after is not None else None
    page = await context.upstreams.identity.find(lookup, after=after_id, limit=limit)
    guests = {
        p: context.loaders.mews.load(p.removeprefix(MEWS_PREFIX))
        for p in page.ids
        if p.startswith(MEWS_PREFIX)
    }
    # Until the Fullwhere records are in and their Mews reads queued, the Mews batch waits.
    with context.loaders.settle.busy():
        found = await asyncio.gather(
            *(
                context.loaders.fullwhere_record(p.removeprefix(FULLWHERE_PREFIX))
                for p in page.ids
                if p.startswith(FULLWHERE_PREFIX)
            ),
            return_exceptions=True,
        )
        records = dict(zip((p for p in page.ids if p not in guests), found, strict=True))
        joined = {p: Customer.from_fullwhere(r) for p, r in records.items() if isinstance(r, dict)}
        loading = prefetch_mews(
            list(joined.values()), selected_names(info, "edges", "node"), context
        )
    guest_records = await asyncio.gather(*guests.values(), return_exceptions=True)
    await loading
    outcomes: dict[str, Any] = {**records, **dict(zip(guests, guest_records, strict=True))}
    edges = []
    for person in page.ids:
        outcome = outcomes[person]
        if isinstance(outcome, UpstreamError):
            # The others still come back; the failing read is reported beside them.
            context.add_partial_error(outcome, info.path.as_list())
        elif isinstance(outcome, BaseException):
            raise outcome
        elif outcome is not None:
            node = joined.get(person) or Customer.from_mews(outcome)
            edges.append(CustomerEdge(cursor=encode_cursor("person", person), node=node))
    return CustomerConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=encode_cursor("person", page.ids[-1]) if page.ids else None,
        ),
        total_count=page.total,
    )


async def customer_by_id(info: Ctx, kind: str, raw: str, path: list[str | int]) -> Customer | None:
    """The unified customer of a parsed `Customer.id`, its Mews read queued up front."""
    if kind == "mews":
        joined = await join_by_mews_id(raw, info.context, path)
        return None if joined is None else Customer.of(joined)
    context = info.context
    # Until this customer's Mews read is queued, Mews batches of the request wait.
    with context.loaders.settle.busy():
        record = await context.loaders.fullwhere_record(raw)
        if record is None:
            return None
        customer = Customer.from_fullwhere(record)
        loading = prefetch_mews([customer], selected_names(info), context)
    await loading
    return customer


@strawberry.type(description="Read customers across Fullwhere and Mews.")
class Query:
    @strawberry.field(
        description=(
            "One customer by `Customer.id`: `fullwhere:<id>` or `mews:<uuid>`. A Mews id that "
            "a known Fullwhere customer links to gives that unified customer. Null when "
            "unknown."
        )
    )
    async def customer(self, info: Ctx, id: strawberry.ID) -> Customer | None:
        kind, raw = parse_customer_id(str(id))
        return await customer_by_id(info, kind, raw, info.path.as_list())

    @strawberry.field(
        description=(
            "Relay object identification: the object with this global id. Every id names a "
            "person, so the answer is the unified `Customer`, exactly what `customer(id:)` "
            "gives (for a `MewsProfile`'s id too: the profile is that customer's `mews`)."
        )
    )
    async def node(self, info: Ctx, id: strawberry.ID) -> Node | None:
        kind, raw = parse_customer_id(str(id))
        return await customer_by_id(info, kind, raw, info.path.as_list())

    @strawberry.field(
        description=(
            f"`node(id:)` for each of `ids` (at most {MAX_NODE_IDS}), in the same order; null "
            "where an id names no one, or where its upstream failed (the error is reported "
            "at that position)."
        )
    )
    async def nodes(self, info: Ctx, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODE_IDS:
            raise BadUserInput(
                f"ids: {len(ids)} ids exceed the limit of {MAX_NODE_IDS} per call", argument="ids"
            )
        parsed = []
        for index, value in enumerate(ids):
            try:
                parsed.append(parse_customer_id(str(value)))
            except BadUserInput as exc:
                raise BadUserInput(f"ids[{index}]: {exc.message}", argument="ids") from None
        base = info.path.as_list()
        found = await asyncio.gather(
            *(customer_by_id(info, kind, raw, [*base, i]) for i, (kind, raw) in enumerate(parsed)),
            return_exceptions=True,
        )
        nodes: list[Node | None] = []
        for index, result in enumerate(found):
            if isinstance(result, UpstreamError):
                # One id's failing upstream does not blank the others: null, error beside it.
                info.context.add_partial_error(result, [*base, index])
                nodes.append(None)
            elif isinstance(result, BaseException):
                raise result
            else:
                nodes.append(result)
        return nodes

    @strawberry.field(
        description=(
            "Customers as a Relay connection, at most 100 a page. Without `filter`: "
            "Fullwhere's list. With `filter`: everyone the identity index finds, Mews-only "
            "guests included, in id order."
        )
    )
    async def customers(
        self,
        info: Ctx,
        first: int | None = 10,
        after: str | None = None,
        filter: CustomerFilter | None = None,
    ) -> CustomerConnection:
        limit = _page_size(first, 10, FULLWHERE_MAX_PAGE)
        if filter is not None:
            return await _indexed_customers(info, filter.lookup(), limit, after)
        offset = 0
        if after is not None:
            text = decode_cursor("fullwhere", after)
            if not text.isdigit():
                raise BadUserInput("after: not a cursor of this connection", argument="after")
            offset = int(text) + 1
        items, total = await _fullwhere_slice(info.context, offset, limit)
        edges = [
            CustomerEdge(
                cursor=encode_cursor("fullwhere", str(offset + index)),
                node=Customer.from_fullwhere(item),
            )
            for index, item in enumerate(items)
        ]
        await prefetch_mews(
            [e.node for e in edges], selected_names(info, "edges", "node"), info.context
        )
        return CustomerConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=offset + len(items) < total,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total,
        )

    @strawberry.field(
        description=(
            "Mews guests from customers/getAll with every documented filter, newest first, "
            "as a Relay connection (at most 1000 a page)."
        )
    )
    async def mews_customers(
        self,
        info: Ctx,
        filter: MewsCustomerFilter | None = None,
        first: int | None = 100,
        after: str | None = None,
        property: Annotated[str | None, strawberry.argument(description=_PROPERTY_ARG)] = None,
        chain_id: Annotated[
            strawberry.ID | None, strawberry.argument(description=_CHAIN_ARG)
        ] = None,
    ) -> MewsCustomerConnection:
        count = _page_size(first, 100, MEWS_MAX_PAGE)
        filters = to_mews_filters(filter)
        cursor = decode_cursor("mews", after) if after is not None else None
        upstreams = info.context.upstreams
        group = upstreams.group
        if property is not None or chain_id is not None or len(group.places()) > 1:
            places = chosen_places(group, property, None if chain_id is None else str(chain_id))
            return _mews_connection(await group_page(info.context, places, filters, count, cursor))
        # One guest more than the page tells whether another page follows, without a call
        # that comes back empty; Mews's maximum page leaves no room for it.
        asked = min(count + 1, MEWS_MAX_PAGE)
        key = (MEWS_PAGE, repr(sorted(filters.items())), cursor, asked)

        async def fetch() -> dict[str, Any]:
            page: dict[str, Any] = dict(
                await upstreams.mews.get_all(
                    cast(MewsCustomerFilters, filters), count=asked, cursor=cursor
                )
            )
            await upstreams.remember_mews(page.get("Customers") or [])
            return page

        page = await upstreams.cache.load(key, fetch)
        assert page is not None
        returned: list[Record] = page.get("Customers") or []
        # Mews's `Cursor` is the id of the oldest guest returned: an edge's id is the same.
        more = len(returned) > count if asked > count else len(returned) == count
        edges = [(str(c["Id"]), c) for c in returned[:count]]
        return _mews_connection(GroupPage(edges, more and bool(page.get("Cursor"))))

    @strawberry.field(
        description=(
            "Mews customers/search: guests active right now (staying, companions, "
            "paymasters) by name and/or the resource (room) they occupy."
        )
    )
    async def search_customers(
        self,
        info: Ctx,
        name: str | None = None,
        resource_id: strawberry.ID | None = None,
        property: Annotated[str | None, strawberry.argument(description=_PROPERTY_ARG)] = None,
        chain_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only guests of this chain (a property's)."),
        ] = None,
    ) -> list[CustomerSearchResult]:
        name = name.strip() if name else None
        if not name and not resource_id:
            raise BadUserInput("give `name`, `resourceId` or both", argument="name")
        upstreams = info.context.upstreams
        resource = str(resource_id) if resource_id else None
        chain = None if chain_id is None else str(chain_id).lower()
        clients = search_clients(upstreams.group, property, chain)

        async def search(client: MewsClient) -> list[Record]:
            async def fetch() -> list[Record]:
                found = await client.search(name=name, resource_id=resource)
                results: list[Record] = [dict(r) for r in found]
                await upstreams.remember_mews(r["Customer"] for r in results)
                return results

            key = (MEWS_SEARCH, name, resource, client.name)
            return await upstreams.cache.load(key, fetch) or []

        found = await asyncio.gather(*(search(client) for client in clients))
        results = [
            r
            for part in found
            for r in part
            if chain is None or str(r["Customer"].get("ChainId", "")).lower() == chain
        ]
        base = info.path.as_list()
        joined = await asyncio.gather(
            *(
                customer_for_mews(r["Customer"], info.context, [*base, i, "customer"])
                for i, r in enumerate(results)
            )
        )
        return [
            CustomerSearchResult(
                customer=unified, mews=r["Customer"], reservation=r.get("Reservation")
            )
            for r, unified in zip(results, joined, strict=True)
        ]


@strawberry.type(description="A Mews search hit.")
class CustomerSearchResult:
    customer: Customer = strawberry.field(description="The guest as a unified customer.")
    mews: MewsProfile = strawberry.field(description="The guest's Mews profile.")
    reservation: MewsReservation | None = strawberry.field(
        description="The reservation of a guest staying right now, else null."
    )
