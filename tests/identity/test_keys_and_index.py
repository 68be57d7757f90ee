"""The identity index's keys and lookups, on the in-memory backend."""

from __future__ import annotations

import pytest

from gateway.identity.index import (
    FullwhereEntry,
    Lookup,
    MemoryIdentityIndex,
    MewsEntry,
)
from gateway.identity.keys import email_key, name_keys, phone_key


@pytest.mark.parametrize(
    "raw", ["+33 6 12 34 56 78", "0033612345678", "+33612345678", " +33 (0)6-12-34-56-78 "]
)
def test_phone_spellings_share_one_e164_key(raw: str) -> None:
    assert phone_key(raw) == "+33612345678"


@pytest.mark.parametrize("raw", ["06 12 34 56 78", "", "abc", "+1"])
def test_numbers_without_country_code_get_no_key(raw: str) -> None:
    assert phone_key(raw) is None


def test_email_keys_ignore_case_and_spaces() -> None:
    assert email_key("  Zoe.Martin@Example.COM ") == "zoe.martin@example.com"
    assert email_key("not an email") is None


def test_name_keys_fold_accents_and_both_orders() -> None:
    assert name_keys("Élodie", "Blanc") == {"elodie blanc", "blanc elodie"}
    assert name_keys("Élodie", None) == {"elodie"}


def _index() -> MemoryIdentityIndex:
    return MemoryIdentityIndex()


async def test_a_guest_linked_twice_resolves_to_the_mews_id_link_first() -> None:
    index = _index()
    await index.put_fullwhere(
        [
            FullwhereEntry("b", mews_id="m1", method="METADATA"),
            FullwhereEntry("c", mews_id="m1", method="MEWS_ID"),
            FullwhereEntry("a", mews_id="m1", method="METADATA"),
        ]
    )
    assert await index.linked_from("M1") == ["c", "a", "b"]
    assert await index.person_of_mews("m1") == "fullwhere:c"
    assert await index.person_of_mews("m2") == "mews:m2"


async def test_a_changed_record_drops_its_old_link_and_keys() -> None:
    index = _index()
    await index.put_fullwhere([FullwhereEntry("a", "m1", "MEWS_ID", email="old@x.io")])
    await index.put_fullwhere([FullwhereEntry("a", None, "NONE", email="new@x.io")])
    assert await index.linked_from("m1") == []
    assert (await index.find(Lookup.of(email="old@x.io"), after=None, limit=10)).ids == []
    assert (await index.find(Lookup.of(email="NEW@x.io"), after=None, limit=10)).ids == [
        "fullwhere:a"
    ]


async def test_lookups_find_people_in_either_system() -> None:
    index = _index()
    await index.put_fullwhere(
        [
            FullwhereEntry("f1", "m1", "MEWS_ID", email="a@x.io", names=name_keys("Ann", "Lee")),
            FullwhereEntry("f2", None, "NONE", phone="+33612345678"),
        ]
    )
    await index.put_mews(
        [
            MewsEntry("m1", email="a@x.io"),
            MewsEntry("m2", email="b@x.io", names=name_keys("Anna", "Berg")),
        ]
    )

    async def ids(**criteria: object) -> list[str]:
        return (await index.find(Lookup.of(**criteria), after=None, limit=10)).ids  # type: ignore[arg-type]

    assert await ids(email="A@X.IO") == ["fullwhere:f1"]  # one person, found twice
    assert await ids(email="b@x.io") == ["mews:m2"]
    assert await ids(phone="0033 6 12 34 56 78") == ["fullwhere:f2"]
    assert await ids(name="ann") == ["fullwhere:f1", "mews:m2"]
    assert await ids(name="berg a") == ["mews:m2"]
    assert await ids(links=["MEWS_ONLY"]) == ["mews:m2"]
    assert await ids(links=["NONE", "MEWS_ID"]) == ["fullwhere:f1", "fullwhere:f2"]
    assert await ids(name="ann", links=["MEWS_ONLY"]) == ["mews:m2"]


@pytest.mark.parametrize(
    ("criteria", "message"),
    [({"email": "nope"}, "email"), ({"phone": "06 12"}, "country code"), ({"name": " "}, "name")],
)
def test_lookup_refuses_values_that_have_no_key(criteria: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Lookup.of(**criteria)


async def test_pages_follow_each_other_without_gaps_or_duplicates() -> None:
    index = _index()
    await index.put_mews(MewsEntry(f"m{n:03}") for n in range(25))
    seen, after = [], None
    while True:
        page = await index.find(Lookup(), after=after, limit=7)
        seen += page.ids
        assert page.total == 25
        if not page.has_next:
            break
        after = page.ids[-1]
    assert seen == sorted(f"mews:m{n:03}" for n in range(25))
