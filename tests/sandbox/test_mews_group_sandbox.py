"""The Mews sandbox as a hotel group, over real HTTP: a portfolio token over two chains and
two single-property tokens, each reaching its own guests only, as Mews's customer and
multi-property documents describe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.sandbox.demo import group_scopes, group_tokens
from gateway.sandbox.mews import PORTFOLIO_REFUSED, MewsSandbox, create_mews_sandbox
from gateway.sandbox.world import (
    GROUP_PORTFOLIO_TOKEN,
    GROUP_PROPERTY_TOKENS,
    PORTFOLIO_CHAIN_IDS,
    PROPERTY_CHAIN_IDS,
    as_group,
    build_world,
    staying_guest_ids,
)
from gateway.upstream.mews import DEMO_CLIENT_TOKEN
from tests.support.loopback import loopback_http
from tests.support.mews_data import CLIENT_NAME, make_customer

API = "/api/connector/v1/"
EXTENT = {"Customers": True, "Addresses": True, "Documents": False}
CHAIN_A, CHAIN_B = PORTFOLIO_CHAIN_IDS
PARIS, LYON = PROPERTY_CHAIN_IDS["paris"], PROPERTY_CHAIN_IDS["lyon"]
REQUIRED_CHAINS = "Invalid ChainIds: required when using Portfolio Access Tokens."
REQUIRED_CHAIN = "Invalid ChainId: required when using Portfolio Access Tokens."


@pytest.fixture
def guests() -> dict[str, dict[str, Any]]:
    """One guest in each of the four places, keyed by chain."""
    return {
        chain: make_customer(LastName=f"Guest {index}", ChainId=chain, Email=f"g{index}@x.test")
        for index, chain in enumerate((CHAIN_A, CHAIN_B, PARIS, LYON))
    }


@pytest.fixture
def sandbox(guests: dict[str, dict[str, Any]]) -> MewsSandbox:
    return create_mews_sandbox(guests.values(), tokens=group_tokens(), scopes=group_scopes())


@pytest.fixture
async def http(sandbox: MewsSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with loopback_http(sandbox.app) as client:
        yield client


def token_of(place: str) -> str:
    return GROUP_PORTFOLIO_TOKEN if place == "portfolio" else GROUP_PROPERTY_TOKENS[place]


async def call(
    http: httpx.AsyncClient, place: str, operation: str, body: dict[str, Any]
) -> httpx.Response:
    auth = {"ClientToken": DEMO_CLIENT_TOKEN, "AccessToken": token_of(place), "Client": CLIENT_NAME}
    return await http.post(API + operation, json={**auth, **body})


async def get_all(http: httpx.AsyncClient, place: str, **body: Any) -> httpx.Response:
    every = {"ActivityStates": ["Active"], "Extent": EXTENT, "Limitation": {"Count": 100}}
    return await call(http, place, "customers/getAll", {**every, **body})


def chains(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {c["ChainId"] for c in response.json()["Customers"]}


def refused(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["Message"] == message


async def test_a_portfolio_get_all_without_chain_ids_is_refused(http: httpx.AsyncClient) -> None:
    refused(await get_all(http, "portfolio"), 400, REQUIRED_CHAINS)


async def test_a_portfolio_token_reads_the_chains_it_names(http: httpx.AsyncClient) -> None:
    assert chains(await get_all(http, "portfolio", ChainIds=[CHAIN_A, CHAIN_B])) == {
        CHAIN_A,
        CHAIN_B,
    }
    assert chains(await get_all(http, "portfolio", ChainIds=[CHAIN_B])) == {CHAIN_B}
    refused(await get_all(http, "portfolio", ChainIds=[PARIS]), 400, "Invalid ChainIds.")


async def test_property_tokens_see_their_own_guests_only(
    http: httpx.AsyncClient, guests: dict[str, dict[str, Any]]
) -> None:
    assert chains(await get_all(http, "paris")) == {PARIS}
    # ChainIds are ignored with a single-property token.
    assert chains(await get_all(http, "lyon", ChainIds=[PARIS])) == {LYON}
    paris_guest = guests[PARIS]["Id"]
    assert chains(await get_all(http, "lyon", CustomerIds=[paris_guest])) == set()


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("customers/search", {"Name": "Guest"}),
        ("customers/getOpenItems", {"CustomerIds": ["x"]}),
        ("customers/merge", {"SourceCustomerId": "a", "TargetCustomerId": "b"}),
    ],
)
async def test_a_portfolio_token_is_refused_where_mews_does_not_support_it(
    http: httpx.AsyncClient, operation: str, body: dict[str, Any]
) -> None:
    refused(await call(http, "portfolio", operation, body), 403, PORTFOLIO_REFUSED)


async def test_portfolio_writes_need_the_guests_chain(
    http: httpx.AsyncClient, guests: dict[str, dict[str, Any]]
) -> None:
    guest = guests[CHAIN_B]["Id"]
    update = {"CustomerId": guest, "FirstName": "Zoé"}
    refused(await call(http, "portfolio", "customers/update", update), 400, REQUIRED_CHAIN)
    wrong = {**update, "ChainId": CHAIN_A}
    refused(await call(http, "portfolio", "customers/update", wrong), 400, "Invalid CustomerId.")
    done = await call(http, "portfolio", "customers/update", {**update, "ChainId": CHAIN_B})
    assert done.status_code == 200 and done.json()["FirstName"] == "Zoé"

    file = {"CustomerId": guest, "Name": "a.pdf", "Type": "application/pdf", "Data": "JVBE"}
    refused(await call(http, "portfolio", "customers/addFile", file), 400, REQUIRED_CHAIN)
    sent = await call(http, "portfolio", "customers/addFile", {**file, "ChainId": CHAIN_B})
    assert sent.status_code == 200, sent.text


async def test_adds_land_in_the_chosen_or_the_propertys_chain(http: httpx.AsyncClient) -> None:
    body = {"LastName": "New", "OverwriteExisting": False}
    refused(await call(http, "portfolio", "customers/add", body), 400, REQUIRED_CHAIN)
    added = await call(http, "portfolio", "customers/add", {**body, "ChainId": CHAIN_B})
    assert added.json()["ChainId"] == CHAIN_B
    at_lyon = await call(http, "lyon", "customers/add", {**body, "ChainId": CHAIN_B})
    assert at_lyon.json()["ChainId"] == LYON


async def test_a_property_token_cannot_write_another_propertys_guest(
    http: httpx.AsyncClient, guests: dict[str, dict[str, Any]]
) -> None:
    update = {"CustomerId": guests[LYON]["Id"], "FirstName": "Zoé"}
    refused(await call(http, "paris", "customers/update", update), 400, "Invalid CustomerId.")
    merge = {"SourceCustomerId": guests[PARIS]["Id"], "TargetCustomerId": guests[LYON]["Id"]}
    refused(await call(http, "paris", "customers/merge", merge), 400, "Invalid TargetCustomerId.")


async def test_each_token_has_a_rate_window_of_its_own(
    guests: dict[str, dict[str, Any]],
) -> None:
    sandbox = create_mews_sandbox(
        guests.values(), tokens=group_tokens(), scopes=group_scopes(), rate_limit=3
    )
    async with loopback_http(sandbox.app) as http:
        for _ in range(3):
            assert (await get_all(http, "paris")).status_code == 200
        assert (await get_all(http, "paris")).status_code == 429
        assert (await get_all(http, "lyon")).status_code == 200


def test_the_group_world_puts_guests_in_every_place_and_stays_at_the_properties() -> None:
    world = build_world()
    group = as_group(world)
    by_chain: dict[str, int] = {}
    for guest in group.mews_customers:
        by_chain[guest["ChainId"]] = by_chain.get(guest["ChainId"], 0) + 1
    assert set(by_chain) == {CHAIN_A, CHAIN_B, PARIS, LYON}
    chain_of = {guest["Id"]: guest["ChainId"] for guest in group.mews_customers}
    for guest_id in [*staying_guest_ids(world), *world.mews_open_items]:
        assert chain_of[guest_id] in (PARIS, LYON)
    # The single-property world is left as it was.
    assert {guest["ChainId"] for guest in world.mews_customers} == {CHAIN_A}
