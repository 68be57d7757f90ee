"""Relay-style connections (their cursors are `gateway.domain.ids`)."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.types import Info

from gateway.data.context import RequestContext
from gateway.data.upstreams import Record
from gateway.graphql.customer import Customer, customer_for_mews
from gateway.graphql.mews import MewsProfile


@strawberry.type(
    description=(
        "Relay page information. The connections page forward only (`first`, `after`); "
        "there is no `last` or `before`."
    )
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether items follow this page: pass `endCursor` as `after` to read them."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; null when the page is empty."
    )

    @strawberry.field(
        description=(
            "Always false: these connections page forward only, and Relay's cursor "
            "connection spec lets a forward-only connection answer false. Keep the cursors "
            "of earlier pages to go back."
        )
    )
    def has_previous_page(self) -> bool:
        return False


@strawberry.type(description="A customer in a `CustomerConnection`.")
class CustomerEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this customer.")
    node: Customer = strawberry.field(description="The customer.")


@strawberry.type(
    description=(
        "Customers, page by page: Fullwhere's list (Fullwhere paginates by page number; the "
        "gateway maps that onto opaque cursors), or with `filter` the people the identity "
        "index finds in both systems, in id order."
    )
)
class CustomerConnection:
    edges: list[CustomerEdge] = strawberry.field(description="The customers of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    total_count: int = strawberry.field(description="Fullwhere's `meta.totalItems`.")


@strawberry.type(description="A Mews guest in a `MewsCustomerConnection`.")
class MewsCustomerEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this guest.")
    node: MewsProfile = strawberry.field(description="The Mews guest.")

    @strawberry.field(
        description=(
            "The same person as a unified `Customer` (with its Fullwhere record when the "
            "gateway knows the link). Read only when asked for."
        )
    )
    async def customer(self, info: Info[RequestContext, None]) -> Customer:
        return await customer_for_mews(
            cast(Record, self.node), info.context, list(info.path.as_list())
        )


@strawberry.type(
    description=(
        "Mews guests from customers/getAll, newest first. Mews gives no total, so there is "
        "no `totalCount`. `hasNextPage` is exact for `first` below 1000 (the gateway asks "
        "Mews for one guest more than the page); for `first: 1000`, Mews's maximum, it is "
        "true whenever the page came back full, and the last page may then be empty."
    )
)
class MewsCustomerConnection:
    edges: list[MewsCustomerEdge] = strawberry.field(description="The guests of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
