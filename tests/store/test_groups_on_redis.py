"""A hotel group on a shared Redis: the identity index keeps each guest's token name and
chain inside the guest's own record (no key of their own), a second gateway on the same
Redis finds a guest's token from it, and each token's rate window is shared by both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson

from gateway.app import create_app
from gateway.identity.index import MewsEntry
from gateway.identity.redis import RedisIdentityIndex, _pack
from gateway.sandbox.world import PROPERTY_CHAIN_IDS, World, as_group
from gateway.store.redis import connect
from gateway.upstream.mews import PROPERTY_KEY
from tests.conftest import gateway_http
from tests.support.group import group_gateway
from tests.support.redis_server import RedisServer

LYON, PARIS = PROPERTY_CHAIN_IDS["lyon"], PROPERTY_CHAIN_IDS["paris"]
ONE = "query($id: ID!) { customer(id: $id) { id mews { mewsId property } } }"


@asynccontextmanager
async def second_gateway(app: Any) -> AsyncIterator[Any]:
    """Another gateway with the same settings (the same Redis, the same upstreams)."""
    other = create_app(app.state.settings)
    async with other.router.lifespan_context(other), gateway_http(other) as http:
        yield http


async def test_a_guests_place_lives_inside_its_record(redis_server: RedisServer) -> None:
    store = connect(redis_server.url, prefix="t:")
    index = RedisIdentityIndex(store)
    guest = {"Id": "A1", "ChainId": LYON, "LastName": "Roux", PROPERTY_KEY: "lyon"}
    await index.put_mews([MewsEntry.from_record({**guest, "Id": "B2", PROPERTY_KEY: None})])
    await index.put_mews([MewsEntry.from_record(guest)])
    keys = [key.decode() for key in await store.client.keys("*")]
    raw = await store.client.hget(index._value_key("mb", "a1"), _pack("a1"))
    assert orjson.loads(raw)["property_name"] == "lyon"
    assert not [key for key in keys if "lyon" in key or LYON in key]  # no key of its own
    assert await index.mews_places(["A1", "b2", "c3"]) == [("lyon", LYON), (None, LYON), None]
    await store.aclose()


async def test_a_second_gateway_finds_the_token_from_the_shared_index(
    world: World, redis_server: RedisServer
) -> None:
    guest = next(g for g in as_group(world).mews_customers if g["ChainId"] == LYON)
    async with group_gateway(world, env={"REDIS_URL": redis_server.url}) as gateway:
        await gateway.app.state.sync.run_once()
        gateway.mews.calls.clear()
        async with second_gateway(gateway.app) as http:
            answer = await http.post(
                "/graphql", json={"query": ONE, "variables": {"id": f"mews:{guest['Id']}"}}
            )
    assert answer.json()["data"]["customer"]["mews"] == {"mewsId": guest["Id"], "property": "lyon"}
    reads = gateway.mews.of("customers/getAll")
    assert [(call.token, call.body["CustomerIds"]) for call in reads] == [("lyon", [guest["Id"]])]


async def test_each_tokens_window_is_shared_by_every_gateway_on_redis(
    world: World, redis_server: RedisServer
) -> None:
    group = as_group(world)
    paris = [g for g in group.mews_customers if g["ChainId"] == PARIS][:4]
    lyon = next(g for g in group.mews_customers if g["ChainId"] == LYON)
    env = {
        "REDIS_URL": redis_server.url,
        "MEWS_RATE_LIMIT": "3",
        "MEWS_RATE_WINDOW_SECONDS": "30",
        "REQUEST_DEADLINE_SECONDS": "2",
    }
    async with group_gateway(world, env=env, portfolio=False) as gateway:
        await gateway.index(group.mews_customers)
        for guest in paris[:3]:
            await gateway.data(ONE, {"id": f"mews:{guest['Id']}"})
        async with second_gateway(gateway.app) as http:

            async def ask(guest: dict[str, Any]) -> Any:
                body = {"query": ONE, "variables": {"id": f"mews:{guest['Id']}"}}
                return (await http.post("/graphql", json=body)).json()

            busy, other = await ask(paris[3]), await ask(lyon)
    assert busy["errors"][0]["extensions"]["code"] == "UPSTREAM_RATE_LIMITED"
    assert other["data"]["customer"]["mews"]["property"] == "lyon"
    assert all(call.status == 200 for call in gateway.mews.calls)


async def test_with_redis_away_a_guest_is_still_found_across_the_tokens(
    world: World, own_redis: RedisServer
) -> None:
    guest = next(g for g in as_group(world).mews_customers if g["ChainId"] == LYON)
    async with group_gateway(world, env={"REDIS_URL": own_redis.url}) as gateway:
        own_redis.stop()
        answer = await gateway.post(ONE, {"id": f"mews:{guest['Id']}"})
    assert answer["data"]["customer"]["mews"] == {"mewsId": guest["Id"], "property": "lyon"}
