""" "stays": a second subgraph for the router test, the way a hotel group's booking service
would point at the gateway's customers: `Stay.customer` is a `Customer` known by its id
alone (a key it cannot resolve), so the router fetches the rest from the gateway's
`_entities`. Built with Strawberry's own federation support.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Customer:
    id: strawberry.ID


@strawberry.type
class Stay:
    id: strawberry.ID
    room: str
    customer: Customer


@dataclass(frozen=True)
class Booked:
    id: str
    room: str
    customer_id: str


def stays_app(booked: list[Booked]) -> Any:
    """The subgraph's ASGI app, serving `booked`."""

    @strawberry.type
    class Query:
        @strawberry.field
        def stays(self) -> list[Stay]:
            return [
                Stay(
                    id=strawberry.ID(b.id),
                    room=b.room,
                    customer=Customer(id=strawberry.ID(b.customer_id)),
                )
                for b in booked
            ]

    schema = strawberry.federation.Schema(query=Query, federation_version="2.3")
    return GraphQL(schema, graphql_ide=None)
