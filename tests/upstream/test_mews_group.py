"""The registry of a hotel group's Mews tokens: which token holds a guest, a place's key,
and the enterprise lookup a webhook receiver needs."""

from __future__ import annotations

import httpx
import pytest

from gateway.upstream.mews import PROPERTY_KEY, MewsClient, MewsCredentials
from gateway.upstream.mews_group import MewsGroup, Place

CHAINS = ("3fa85f64-5717-4562-b3fc-2c963f66afa6", "5ee4c8f1-0000-4e5b-9c0e-43a8b3f9d2a1")


def client(name: str | None, chain_ids: tuple[str, ...] = ()) -> MewsClient:
    http = httpx.AsyncClient(base_url="http://mews.invalid")
    credentials = MewsCredentials("client", f"access-{name}", "tests")
    return MewsClient(http, credentials, chain_ids=chain_ids, name=name)


def test_a_guest_belongs_to_the_token_its_record_names() -> None:
    portfolio, paris = client(None, CHAINS), client("paris")
    group = MewsGroup([portfolio, paris])
    assert group.client_of({"Id": "a", PROPERTY_KEY: "paris"}) is paris
    assert group.client_of({"Id": "b"}) is portfolio
    assert group.home_of("A") is None
    group.learn([{"Id": "A", PROPERTY_KEY: "paris"}, {"Id": "b"}])
    assert group.home_of("a") is paris and group.home_of("B") is portfolio


def test_places_are_each_portfolio_chain_then_each_property() -> None:
    portfolio, paris, lyon = client(None, CHAINS), client("paris"), client("lyon")
    group = MewsGroup([portfolio, paris, lyon])
    assert [place.key for place in group.places()] == [
        f"~{CHAINS[0]}",
        f"~{CHAINS[1]}",
        "paris",
        "lyon",
    ]
    assert group.place("lyon") == Place(lyon)
    assert group.for_chain(CHAINS[1].upper()) is portfolio
    assert group.names == ["paris", "lyon"]


def test_an_enterprise_is_found_once_registered() -> None:
    paris, lyon = client("paris"), client("lyon")
    group = MewsGroup([paris, lyon])
    assert group.for_enterprise("E1") is None
    group.register_enterprise("E1", lyon)
    assert group.for_enterprise("e1") is lyon
    with pytest.raises(ValueError):
        group.register_enterprise("E2", client("nice"))
    assert MewsGroup([paris]).for_enterprise("anything") is paris
