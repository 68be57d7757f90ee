"""The Mews sandbox's getAll and search answer from indexes (ids, emails, a maintained newest-first
order, paymasters); these tests check the answers against the records themselves, and that the
indexes follow the API's writes."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox, parse_utc
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from tests.support.mews_data import CLIENT_NAME, make_customer, make_reservation, mews_http

AUTH = {"ClientToken": DEMO_CLIENT_TOKEN, "AccessToken": DEMO_ACCESS_TOKEN, "Client": CLIENT_NAME}
API = "/api/connector/v1/"
EXTENT = {"Customers": True, "Addresses": True, "Documents": False}
SAME_TIME = "2024-05-01T10:00:00Z"


def _guests() -> list[dict[str, Any]]:
    """60 guests: some created at the same second, some sharing an email, some merged away."""
    guests = []
    for index in range(60):
        overrides: dict[str, Any] = {}
        if index % 7 == 0:
            overrides["CreatedUtc"] = SAME_TIME
        if index % 5 == 0:
            overrides["Email"] = "shared@quotidiano.example"
        if index % 9 == 0:
            overrides["IsActive"] = False
        guests.append(make_customer(index, **overrides))
    random.Random(3).shuffle(guests)  # insertion order is not creation order
    return guests


@pytest.fixture
def guests() -> list[dict[str, Any]]:
    return _guests()


@pytest.fixture
def sandbox(guests: list[dict[str, Any]]) -> MewsSandbox:
    return create_mews_sandbox(guests)


@pytest.fixture
async def http(sandbox: MewsSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with mews_http(sandbox) as client:
        yield client


async def call(http: httpx.AsyncClient, operation: str, body: dict[str, Any]) -> httpx.Response:
    response = await http.post(API + operation, json={**AUTH, **body})
    assert response.status_code == 200, response.text
    return response


async def every_page(http: httpx.AsyncClient, count: int, **filters: Any) -> list[str]:
    """Ids of every page of `count`, following the cursor until a short page."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        limitation: dict[str, Any] = {"Count": count}
        if cursor is not None:
            limitation["Cursor"] = cursor
        page = (
            await call(
                http,
                "customers/getAll",
                {
                    "Extent": EXTENT,
                    "Limitation": limitation,
                    **filters,
                },
            )
        ).json()
        found += [c["Id"] for c in page["Customers"]]
        if len(page["Customers"]) < count:
            return found
        assert page["Cursor"] == found[-1]
        cursor = page["Cursor"]


def newest_first(guests: list[dict[str, Any]]) -> list[str]:
    """The documented order, computed from the records: CreatedUtc, then Id, descending."""

    def key(guest: dict[str, Any]) -> tuple[datetime, str]:
        return parse_utc(guest["CreatedUtc"]) or datetime.min.replace(tzinfo=UTC), guest["Id"]

    return [guest["Id"] for guest in sorted(guests, key=key, reverse=True)]


async def test_get_all_by_ids_pages_newest_first_like_the_records_say(
    http: httpx.AsyncClient, guests: list[dict[str, Any]]
) -> None:
    chosen = random.Random(5).sample(guests, 25)
    asked = [g["Id"] for g in chosen] + [chosen[0]["Id"], "no-such-id"]  # a repeat, an unknown
    active = [g for g in chosen if g["IsActive"]]
    assert await every_page(http, 4, CustomerIds=asked) == newest_first(chosen)
    assert await every_page(http, 3, CustomerIds=asked, ActivityStates=["Active"]) == newest_first(
        active
    )


async def test_get_all_by_emails_matches_case_insensitively_across_pages(
    http: httpx.AsyncClient, guests: list[dict[str, Any]]
) -> None:
    shared = [g for g in guests if g["Email"] == "shared@quotidiano.example"]
    other = guests[1]
    assert await every_page(
        http, 5, Emails=["SHARED@Quotidiano.example", other["Email"].upper()]
    ) == newest_first([*shared, other])
    assert await every_page(http, 5, Emails=[" shared@quotidiano.example"]) == []


async def test_get_all_without_ids_walks_every_guest_newest_first(
    http: httpx.AsyncClient, guests: list[dict[str, Any]]
) -> None:
    assert await every_page(http, 7, ActivityStates=["Active", "Deleted"]) == newest_first(guests)
    deleted = [g for g in guests if not g["IsActive"]]
    assert await every_page(http, 2, ActivityStates=["Deleted"]) == newest_first(deleted)


async def test_get_all_by_email_follows_updates_and_adds(
    http: httpx.AsyncClient, guests: list[dict[str, Any]]
) -> None:
    guest = guests[2]
    await call(
        http,
        "customers/update",
        {
            "CustomerId": guest["Id"],
            "Email": "thea.new@quotidiano.example",
        },
    )
    assert await every_page(http, 10, Emails=[guest["Email"]]) == []
    assert await every_page(http, 10, Emails=["THEA.NEW@quotidiano.example"]) == [guest["Id"]]
    added = (
        await call(
            http,
            "customers/add",
            {
                "LastName": "Nuova",
                "Email": "nuova@quotidiano.example",
                "OverwriteExisting": False,
            },
        )
    ).json()
    assert await every_page(http, 10, Emails=["nuova@quotidiano.example"]) == [added["Id"]]
    # The newest guest comes first when walking everyone, too.
    assert (await every_page(http, 100, ActivityStates=["Active"]))[0] == added["Id"]


async def test_get_all_updated_utc_filter_follows_updates(
    http: httpx.AsyncClient, guests: list[dict[str, Any]]
) -> None:
    guest = guests[4]
    updated = (
        await call(
            http,
            "customers/update",
            {
                "CustomerId": guest["Id"],
                "Notes": "Late arrival",
            },
        )
    ).json()["UpdatedUtc"]
    window = {"StartUtc": updated, "EndUtc": updated}
    assert await every_page(http, 10, UpdatedUtc=window) == [guest["Id"]]


async def test_search_follows_paymaster_classification_updates() -> None:
    guest = make_customer(0, FirstName="Thea", LastName="Carbone")
    group = make_customer(1, FirstName="", LastName="Tour Group Carbone")
    sandbox = create_mews_sandbox(
        [guest, group], reservations=[make_reservation(guest["Id"], resource_id="r-101")]
    )
    async with mews_http(sandbox) as http:

        async def found() -> list[str]:
            response = await call(http, "customers/search", {"Name": "carbone"})
            return [r["Customer"]["Id"] for r in response.json()["Customers"]]

        assert await found() == [guest["Id"]]
        await call(
            http,
            "customers/update",
            {
                "CustomerId": group["Id"],
                "Classifications": ["PaymasterAccount"],
            },
        )
        assert await found() == [guest["Id"], group["Id"]]
        await call(http, "customers/update", {"CustomerId": group["Id"], "Classifications": []})
        assert await found() == [guest["Id"]]
