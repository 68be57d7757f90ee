"""`subscription { customerChanged(id:) }`: changes to customers as they happen, wherever they
happened (a Mews webhook, a Fullwhere change the sync found, a mutation of any process).

Each change is resolved when it is sent: `customer` is read then, with loaders of its own
(a subscription lives for hours; the data of one change must not be served for the next).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from enum import Enum

import strawberry
from strawberry.types import Info

from gateway.data.context import RequestContext
from gateway.data.loaders import Loaders
from gateway.domain.ids import parse_customer_id
from gateway.graphql.base import DateTime, serialize_datetime
from gateway.graphql.customer import Customer
from gateway.graphql.query import customer_by_id
from gateway.services.live import Change

Ctx = Info[RequestContext, None]


@strawberry.enum(description="What happened to the customer.")
class CustomerChangeKind(Enum):
    ADDED = strawberry.enum_value("ADDED", description="The customer was created.")
    UPDATED = strawberry.enum_value("UPDATED", description="Some of its data changed.")
    MERGED = strawberry.enum_value(
        "MERGED", description="Another record was merged into it (or it into another)."
    )


@strawberry.enum(description="Where the change was made.")
class ChangeSource(Enum):
    MEWS = strawberry.enum_value(
        "MEWS", description="In Mews (its General Webhooks said so, or the identity sync)."
    )
    FULLWHERE = strawberry.enum_value(
        "FULLWHERE", description="In Fullwhere (the identity sync found it changed)."
    )
    GATEWAY = strawberry.enum_value("GATEWAY", description="By a mutation of this gateway.")


@strawberry.type(description="A change to one customer.")
class CustomerChange:
    id: strawberry.ID = strawberry.field(
        description="The `Customer.id` the change names (`mews:<uuid>` or `fullwhere:<id>`)."
    )
    kind: CustomerChangeKind = strawberry.field(description="What happened to the customer.")
    source: ChangeSource = strawberry.field(description="Where the change was made.")
    at: DateTime = strawberry.field(description="When the gateway learned of the change.")

    @strawberry.field(
        description=(
            "The customer as it is now, read when the change is sent (null when it no longer "
            "exists, e.g. after a merge)."
        )
    )
    async def customer(self, info: Ctx) -> Customer | None:
        kind, raw = parse_customer_id(str(self.id))
        return await customer_by_id(info, kind, raw, info.path.as_list())

    @classmethod
    def of(cls, change: Change) -> CustomerChange:
        return cls(
            id=strawberry.ID(change.id),
            kind=CustomerChangeKind(change.kind),
            source=ChangeSource(change.source),
            at=DateTime(serialize_datetime(dt.datetime.fromtimestamp(change.at, dt.UTC))),
        )


def _fresh(context: RequestContext) -> None:
    """What one sent change collected must not reach the next one."""
    context.loaders = Loaders(context.upstreams)
    context.partial_errors.clear()
    context.stale_reads.clear()


@strawberry.type(description="Changes as they happen (WebSocket or Server-Sent Events).")
class Subscription:
    @strawberry.subscription(
        description=(
            "Every change to the customer `id` (any of its ids: a Mews guest and the Fullwhere "
            "record linked to it are one customer), or to every customer without `id`. "
            "Needs the scope `customers:read`."
        )
    )
    async def customer_changed(
        self, info: Ctx, id: strawberry.ID | None = None
    ) -> AsyncGenerator[CustomerChange, None]:
        wanted = None if id is None else ":".join(parse_customer_id(str(id)))
        context = info.context
        subscriber = context.upstreams.changes.subscribe(
            context.settings.live.subscription_buffer, wanted, context.on_dropped
        )
        async for change in subscriber.changes():
            _fresh(context)
            yield CustomerChange.of(change)


__all__ = ["ChangeSource", "CustomerChange", "CustomerChangeKind", "Subscription"]
