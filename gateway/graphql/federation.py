"""The schema as an Apollo Federation v2 subgraph (`GATEWAY_FEDERATION=true`).

A router (Apollo Router, Hive Gateway, Cosmo) reads the subgraph's SDL from
`_service { sdl }` and fetches the gateway's entities by key through `_entities`. The
subgraph is the standalone schema plus those two root fields: `Customer` and `MewsProfile`
are entities keyed by `id` (their Relay node id), and `PageInfo` is shareable, since most
Relay-style subgraphs define one too.

The directives live in the SDL the subgraph serves, not on the Strawberry types: those are
shared with the standalone schema, whose SDL stays free of federation (Strawberry's own
federation schema reads `@key` off the types, so the standalone SDL would print it too).

`_entities` resolves customers exactly as `nodes(ids:)` does: concurrent Fullwhere reads
(bounded by `FULLWHERE_CONCURRENCY`, none for records in the cache) and one Mews getAll for
every guest of the call. Each representation that names no one, or is malformed, gives a
null at its position with an error on its path; the others still resolve.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any, cast
from weakref import WeakKeyDictionary

import strawberry
from strawberry.types import Info

from gateway.data.context import RequestContext
from gateway.domain.ids import parse_customer_id
from gateway.errors import BadUserInput, GatewayError, NotFound, echo
from gateway.graphql.base import Representation
from gateway.graphql.customer import Customer
from gateway.graphql.mews import MewsProfile
from gateway.graphql.query import MAX_NODE_IDS, Query, customer_by_id
from gateway.upstream.errors import UpstreamError

#: The federation spec version the SDL links: 2.3 is composed by every current router.
FEDERATION_SPEC = "https://specs.apollo.dev/federation/v2.3"
#: Directives the subgraph SDL adds to a type of the standalone schema.
TYPE_DIRECTIVES = {
    "Customer": '@key(fields: "id")',
    "MewsProfile": '@key(fields: "id")',
    "PageInfo": "@shareable",
}
#: Representations one `_entities` call may hold: each may cost a Fullwhere read.
MAX_REPRESENTATIONS = MAX_NODE_IDS

Entity = Annotated[
    Customer | MewsProfile,
    strawberry.union("_Entity", description="The types a router can fetch by key."),
]


@strawberry.type(name="_Service", description="What a router reads of this subgraph.")
class Service:
    sdl: str = strawberry.field(description="The subgraph's SDL, federation directives included.")


_SDL: WeakKeyDictionary[Any, str] = WeakKeyDictionary()


def subgraph_sdl(schema: strawberry.Schema) -> str:
    """The SDL of `schema` with the federation `@link` and the directives of
    `TYPE_DIRECTIVES` (printed once per schema)."""
    known = _SDL.get(schema)
    if known is None:
        known = _SDL[schema] = _with_directives(str(schema).rstrip() + "\n")
    return known


def _with_directives(sdl: str) -> str:
    imports = sorted({d.split("(")[0] for d in TYPE_DIRECTIVES.values()})
    quoted = ", ".join(f'"{name}"' for name in imports)
    for name, directive in TYPE_DIRECTIVES.items():
        header = re.compile(rf"^(type {name}\b[^{{\n]*?) \{{$", re.MULTILINE)
        sdl, found = header.subn(rf"\1 {directive} {{", sdl)
        if found != 1:
            raise ValueError(f"type {name} is not in the schema once")
    return f'extend schema @link(url: "{FEDERATION_SPEC}", import: [{quoted}])\n\n{sdl}'


def _representation(value: object) -> tuple[str, str]:
    """The `__typename` and `id` of a representation; BadUserInput when it has none."""
    if not isinstance(value, dict):
        raise BadUserInput("not an entity representation: an object is needed")
    typename, key = value.get("__typename"), value.get("id")
    if typename not in ("Customer", "MewsProfile"):
        raise BadUserInput(
            f"__typename {echo(typename)} is not an entity here: Customer or MewsProfile"
        )
    if not isinstance(key, str):
        raise BadUserInput(f"{typename}: the key field `id` must be a string")
    return typename, key


async def _entity(info: Info[RequestContext, None], value: object, path: list[str | int]) -> Any:
    typename, key = _representation(value)
    kind, raw = parse_customer_id(key)
    found: Any
    if typename == "Customer":
        found = await customer_by_id(info, kind, raw, path)
    elif kind == "mews":
        found = await info.context.loaders.mews.load(raw)
    else:
        raise BadUserInput(f"MewsProfile: {echo(key)} is not a Mews id (`mews:<Id>`)")
    if found is None:
        raise NotFound(f"no {typename} has the id {echo(key)}")
    return found


@strawberry.type(name="Query", description=Query.__strawberry_definition__.description)  # type: ignore[attr-defined]
class SubgraphQuery(Query):
    @strawberry.field(
        name="_service", description="Federation: the subgraph's SDL, as a router reads it."
    )
    def service(self, info: Info[RequestContext, None]) -> Service:
        return Service(sdl=subgraph_sdl(info.schema))

    @strawberry.field(
        name="_entities",
        description=(
            "Federation: the entities of `representations` (at most "
            f"{MAX_REPRESENTATIONS}), in order; null with an error on its path where one "
            "names no one or cannot be read."
        ),
    )
    async def entities(
        self, info: Info[RequestContext, None], representations: list[Representation]
    ) -> list[Entity | None]:
        if len(representations) > MAX_REPRESENTATIONS:
            raise BadUserInput(
                f"representations: {len(representations)} exceed the limit of "
                f"{MAX_REPRESENTATIONS} per call",
                argument="representations",
            )
        base = info.path.as_list()
        found = await asyncio.gather(
            *(_entity(info, value, [*base, i]) for i, value in enumerate(representations)),
            return_exceptions=True,
        )
        for result in found:
            if isinstance(result, BaseException) and not isinstance(
                result, GatewayError | UpstreamError
            ):
                raise result
        # An error held as a value: graphql-core reports it at its position, as null.
        return cast(list[Entity | None], found)
