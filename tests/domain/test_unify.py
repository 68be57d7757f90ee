"""The unification rules on plain records: precedence, vocabularies, derived names."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.domain import unify
from gateway.domain.unify import Civility, Precedence, Reason, Source
from gateway.sandbox.world import World, linked_pairs

OLD = "2026-01-01T10:00:00.000Z"
NEW = "2026-06-01T10:00:00Z"


def _fw(**fields: Any) -> dict[str, Any]:
    return {"id": "fw-1", "updatedAt": OLD, **fields}


def _mews(**fields: Any) -> dict[str, Any]:
    return {"Id": "m-1", "UpdatedUtc": NEW, **fields}


@pytest.mark.parametrize(
    ("fw_at", "mews_at", "first", "reason"),
    [
        (OLD, NEW, Source.MEWS, Reason.MORE_RECENT),
        (NEW, OLD, Source.FULLWHERE, Reason.MORE_RECENT),
        (NEW, NEW, Source.FULLWHERE, Reason.DEFAULT_ORDER),
        (None, NEW, Source.FULLWHERE, Reason.DEFAULT_ORDER),
        ("not a time", NEW, Source.FULLWHERE, Reason.DEFAULT_ORDER),
    ],
)
def test_latest_prefers_the_record_updated_last(
    fw_at: str | None, mews_at: str, first: Source, reason: Reason
) -> None:
    order = unify.source_order({"updatedAt": fw_at}, {"UpdatedUtc": mews_at}, Precedence.LATEST)
    assert (order.sources[0], order.reason) == (first, reason)


@pytest.mark.parametrize("precedence", [Precedence.FULLWHERE, Precedence.MEWS])
def test_a_configured_order_ignores_the_times(precedence: Precedence) -> None:
    order = unify.source_order(_fw(), _mews(), precedence)
    assert order.sources[0].value == precedence.value
    assert order.reason is Reason.CONFIGURED_ORDER


def test_the_newer_record_without_a_value_leaves_the_field_to_the_other() -> None:
    fw, mews = _fw(email="a@example.com"), _mews(Email=None)
    choice = unify.choose("email", fw, mews, unify.source_order(fw, mews, Precedence.LATEST))
    assert (choice.value, choice.source, choice.reason) == (
        "a@example.com",
        Source.FULLWHERE,
        Reason.ONLY_SOURCE,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mr.", Civility.MR),
        ("Mister", Civility.MR),
        ("M.", Civility.MR),
        ("Ms.", Civility.MS),
        ("Miss", Civility.MS),
        ("Mrs.", Civility.MRS),
        ("Misses", Civility.MRS),
        ("Dr.", None),
        (None, None),
    ],
)
def test_civilities_share_one_vocabulary(raw: str | None, expected: Civility | None) -> None:
    assert unify.civility(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("fr", "fr"), ("fr-FR", "fr"), ("FR", "fr"), ("en_GB", "en"), ("", None), ("x", None)],
)
def test_languages_come_down_to_their_primary_subtag(raw: str, expected: str | None) -> None:
    assert unify.language(raw) == expected


def test_equivalent_values_are_no_conflict_and_different_ones_are() -> None:
    fw = _fw(civility="Mr.", language="fr", phoneNumber="+33 6 12 34 56 78")
    mews = _mews(Title="Mister", PreferredLanguageCode="fr-FR", Phone="0033612345678")
    order = unify.source_order(fw, mews, Precedence.LATEST)
    for field in ("civility", "language", "phone"):
        assert unify.choose(field, fw, mews, order).conflict is False, field
    mews["Phone"] = "+33 7 00 00 00 00"
    assert unify.choose("phone", fw, mews, order).conflict is True


def test_display_name_is_derived_from_the_chosen_names() -> None:
    fw = _fw(firstName="Camille", lastName="Blanc", displayName="Camille Blanc")
    mews = _mews(FirstName="Camila", LastName="Blanc")
    latest = unify.source_order(fw, mews, Precedence.LATEST)
    chosen = unify.choose("displayName", fw, mews, latest)
    assert (chosen.value, chosen.source, chosen.reason) == (
        "Camila Blanc",
        Source.MEWS,
        Reason.DERIVED,
    )
    fixed = unify.source_order(fw, mews, Precedence.FULLWHERE)
    assert unify.choose("displayName", fw, mews, fixed).value == "Camille Blanc"
    nameless = _fw(firstName="Zoé", lastName="Fidelity")
    assert unify.choose("displayName", nameless, mews, fixed).value == "Zoé Fidelity"


def test_fullwhere_first_needs_mews_only_for_what_fullwhere_lacks() -> None:
    fw = _fw(email="a@example.com", firstName="A")
    assert unify.needs_mews("email", fw, Precedence.FULLWHERE) is False
    assert unify.needs_mews("birthDate", fw, Precedence.FULLWHERE) is True
    assert unify.needs_mews("company", fw, Precedence.LATEST) is False  # Fullwhere only
    assert unify.needs_mews("displayName", fw, Precedence.FULLWHERE) is True  # no last name
    assert unify.needs_mews("email", fw, Precedence.LATEST) is True


def test_an_address_is_one_source_whole() -> None:
    fw = _fw(metadata={"zenchef": {"address": "1 rue A", "city": "Paris", "zip": "75001",
                                   "country": "fr"}})  # fmt: skip
    mews = _mews(Address={"Line1": "2 High St", "City": "Bath", "CountryCode": "GB"})
    latest = unify.source_order(fw, mews, Precedence.LATEST)
    chosen = unify.address(fw, mews, latest)
    assert chosen is not None
    assert (chosen["line1"], chosen["postal_code"], chosen["source"]) == (
        "2 High St",
        None,
        Source.MEWS,
    )
    fixed = unify.source_order(fw, mews, Precedence.FULLWHERE)
    chosen = unify.address(fw, mews, fixed)
    assert chosen is not None
    assert (chosen["city"], chosen["country_code"], chosen["source"]) == (
        "Paris",
        "FR",
        Source.FULLWHERE,
    )


@pytest.mark.parametrize("precedence", list(Precedence))
def test_the_value_alone_is_the_chosen_value_on_every_demo_pair(
    seeded_world: World, precedence: Precedence
) -> None:
    pairs = linked_pairs(seeded_world)
    assert pairs
    for fw, mews in pairs:
        for fullwhere, guest in ((fw, mews), (fw, None), (None, mews)):
            order = unify.source_order(fullwhere, guest, precedence)
            for field in unify.FIELDS:
                assert unify.value(field, fullwhere, guest, order) == (
                    unify.choose(field, fullwhere, guest, order).value
                ), (field, fw["id"])
