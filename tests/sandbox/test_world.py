"""The demo world: deterministic, in the documented shapes, and linked the way the docs say.

The documented examples come from the repo's documents through `tests/support/docs.py`: the
Fullwhere seed's `GET /partners/customer` response and the customer of the Mews
`customers/getAll` response example.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.sandbox import world as w
from gateway.sandbox.world import (
    DEFAULT_PLAN,
    FULLWHERE_CUSTOMER_KEYS,
    METADATA_SOURCES,
    MEWS_ADDRESS_KEYS,
    MEWS_CLASSIFICATIONS,
    MEWS_CUSTOMER_KEYS,
    MEWS_DOCUMENT_KEYS,
    MEWS_OPTIONS,
    MEWS_ORDER_ITEM_KEYS,
    MEWS_PAYMENT_ITEM_KEYS,
    MEWS_RESERVATION_KEYS,
    MEWS_RESERVATION_ORIGINS,
    MEWS_SPACE_FEATURES,
    REFERENCE_TIME,
    World,
    build_world,
    linked_pairs,
    mews_link,
    plan_world,
    summarize,
)
from tests.support.docs import fullwhere_doc_customer, mews_doc_customer

FULLWHERE_EXAMPLE = fullwhere_doc_customer()
MEWS_EXAMPLE = mews_doc_customer()

MEWS_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
FULLWHERE_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)

# The mews block mirrors an active, linked guest: it is never merged into another one.
NEVER_FILLED = {"metadata.mews.customer.MergeTargetId"}

# Leaves the docs show as `1` that are coordinates: real numbers, not integers.
FLOAT_LEAVES = {
    "metadata.zelty.addresses[].location[]",
    "metadata.mews.customer.Address.Latitude",
    "metadata.mews.customer.Address.Longitude",
}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


def _parse_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _leaf_paths(example: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Every documented leaf (scalar, or open object `{}`) with its example value."""
    if isinstance(example, dict) and example:
        for key, value in example.items():
            yield from _leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(example, list) and example:
        yield from _leaf_paths(example[0], f"{prefix}[]")
    else:
        yield prefix, example


def _values_at(record: Any, path: str) -> Iterator[Any]:
    """The values found at a `_leaf_paths` path in a record (lists fan out)."""
    parts = re.findall(r"[^.\[\]]+|\[\]", path)
    current = [record]
    for part in parts:
        following: list[Any] = []
        for value in current:
            if part == "[]":
                following.extend(value if isinstance(value, list) else [])
            elif isinstance(value, dict) and part in value:
                following.append(value[part])
        current = following
    yield from current


def _shape_errors(example: Any, actual: Any, path: str) -> Iterator[str]:
    """Differences between a record and the documented example, key sets and leaf types."""
    if actual is None:
        return  # every documented field may be null
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            yield f"{path}: expected an object, got {actual!r}"
            return
        if not example:
            return  # `{}` in the docs: an open object
        if path == "metadata":
            # One block per source the person came from, not all 21 every time.
            if not set(actual) <= set(example):
                yield f"{path}: unknown sources {sorted(set(actual) - set(example))}"
        elif set(actual) != set(example):
            missing, extra = set(example) - set(actual), set(actual) - set(example)
            yield f"{path}: missing {sorted(missing)}, unexpected {sorted(extra)}"
        for key in example.keys() & actual.keys():
            yield from _shape_errors(example[key], actual[key], f"{path}.{key}" if path else key)
    elif isinstance(example, list):
        if not isinstance(actual, list):
            yield f"{path}: expected a list, got {actual!r}"
            return
        for item in actual:
            yield from _shape_errors(example[0], item, f"{path}[]")
    elif isinstance(example, bool):
        if not isinstance(actual, bool):
            yield f"{path}: expected a boolean, got {actual!r}"
    elif isinstance(example, int):
        allowed: tuple[type, ...] = (int, float) if path in FLOAT_LEAVES else (int,)
        if isinstance(actual, bool) or not isinstance(actual, allowed):
            yield f"{path}: expected a number like {example!r}, got {actual!r}"
    elif isinstance(example, str):
        if not isinstance(actual, str):
            yield f"{path}: expected a string, got {actual!r}"
        elif FULLWHERE_UTC.match(example) and not FULLWHERE_UTC.match(actual):
            yield f"{path}: expected an ISO timestamp like {example}, got {actual!r}"


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_builds_the_same_world() -> None:
    first, second = build_world(7), build_world(7)
    assert json.dumps(first.__dict__, sort_keys=True) == json.dumps(second.__dict__, sort_keys=True)


def _ids_and_names(world: World) -> list[Any]:
    return [
        [(c["id"], c["mewsId"], c["email"], c["lastName"]) for c in world.fullwhere_customers],
        [(m["Id"], m["Number"], m["Email"], m["LastName"]) for m in world.mews_customers],
        [(r["Id"], r["CustomerId"], r["State"]) for r in world.mews_reservations],
    ]


@pytest.mark.parametrize(
    "day",
    [dt.date(2027, 2, 28), dt.date(2028, 2, 29), dt.date(2028, 3, 1), dt.date(2031, 12, 31)],
)
def test_the_world_follows_the_day_with_the_same_people_and_ids(
    day: dt.date, seeded_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(w, "REFERENCE_TIME", w.reference_time(day))
    moved = build_world()
    assert _ids_and_names(moved) == _ids_and_names(seeded_world)
    shift = w.reference_time(day) - REFERENCE_TIME
    for before, after in zip(seeded_world.mews_reservations, moved.mews_reservations, strict=True):
        assert _parse_utc(after["StartUtc"]) - _parse_utc(before["StartUtc"]) == shift
    # Birth dates move too, so ages stay the same.
    born = {m["Id"]: m["BirthDate"] for m in seeded_world.mews_customers if m["BirthDate"]}
    for guest in moved.mews_customers:
        if guest["Id"] in born:
            moved_by = dt.date.fromisoformat(guest["BirthDate"]) - dt.date.fromisoformat(
                born[guest["Id"]]
            )
            assert moved_by == shift


def test_the_worlds_now_is_today() -> None:
    # The reference day is taken when the module is imported: today, or yesterday when this
    # run began before midnight UTC.
    today = dt.datetime.now(dt.UTC).date()
    assert REFERENCE_TIME.date() in (today, today - dt.timedelta(days=1))
    assert (REFERENCE_TIME.hour, REFERENCE_TIME.minute, REFERENCE_TIME.tzinfo) == (0, 0, dt.UTC)


def test_another_seed_builds_another_world() -> None:
    first, second = build_world(7), build_world(8)
    ids = {c["Id"] for c in first.mews_customers}
    assert ids.isdisjoint(c["Id"] for c in second.mews_customers)


def test_default_world_counts_match_the_published_constants(world: World) -> None:
    summary = summarize(world)
    assert summary["fullwhere_customers"] == w.DEFAULT_FULLWHERE_COUNT == 300
    assert summary["mews_customers"] == w.DEFAULT_MEWS_COUNT == 320
    assert summary["linked"] == w.LINKED_COUNT == DEFAULT_PLAN.linked
    assert summary["linked_by_mews_id"] == w.LINKED_BY_MEWS_ID_COUNT
    assert summary["linked_by_metadata"] == w.LINKED_BY_METADATA_COUNT
    assert summary["fullwhere_only"] == w.FULLWHERE_ONLY_COUNT
    assert summary["mews_only"] == w.MEWS_ONLY_COUNT
    assert summary["merged"] == w.MERGED_COUNT
    assert summary["conflicts"] == w.PHONE_CONFLICT_COUNT + w.EMAIL_CONFLICT_COUNT
    assert summary["staying_reservations"] == w.STAYING_COUNT
    assert summary["confirmed_reservations"] == w.CONFIRMED_COUNT
    assert summary["open_items_customers"] == w.OPEN_ITEMS_COUNT
    assert round(0.7 * 300) <= w.LINKED_BY_MEWS_ID_COUNT <= round(0.8 * 300)


@pytest.mark.parametrize(("fullwhere", "mews"), [(0, 0), (1, 1), (12, 15), (40, 30), (150, 400)])
def test_other_sizes_follow_their_plan(fullwhere: int, mews: int) -> None:
    small = build_world(3, fullwhere_count=fullwhere, mews_count=mews)
    plan = plan_world(fullwhere, mews)
    summary = summarize(small)
    assert summary["fullwhere_customers"] == fullwhere
    assert summary["mews_customers"] == mews
    assert summary["linked"] == plan.linked
    assert summary["fullwhere_only"] == plan.fullwhere_only
    assert summary["merged"] == plan.merged


# --- documented shapes ------------------------------------------------------------------------


def test_published_key_lists_are_the_documented_ones() -> None:
    assert list(FULLWHERE_CUSTOMER_KEYS) == list(FULLWHERE_EXAMPLE)
    assert len(FULLWHERE_CUSTOMER_KEYS) == 33
    assert list(METADATA_SOURCES) == list(FULLWHERE_EXAMPLE["metadata"])
    assert list(MEWS_CUSTOMER_KEYS) == list(MEWS_EXAMPLE)
    assert list(MEWS_ADDRESS_KEYS) == list(MEWS_EXAMPLE["Address"])


def test_fullwhere_customers_have_every_documented_top_level_key(world: World) -> None:
    for customer in world.fullwhere_customers:
        assert list(customer) == list(FULLWHERE_EXAMPLE)


def test_fullwhere_customers_match_the_documented_shape(world: World) -> None:
    errors = [
        f"{customer['id']} {error}"
        for customer in world.fullwhere_customers
        for error in _shape_errors(FULLWHERE_EXAMPLE, customer, "")
    ]
    assert errors == []


def test_every_metadata_source_is_filled_on_several_customers(world: World) -> None:
    present = Counter(source for c in world.fullwhere_customers for source in c["metadata"])
    assert set(present) == set(METADATA_SOURCES)
    assert min(present.values()) >= 3, present


def test_every_present_block_carries_every_documented_key(world: World) -> None:
    for customer in world.fullwhere_customers:
        for source, block in customer["metadata"].items():
            example = FULLWHERE_EXAMPLE["metadata"][source]
            assert isinstance(block, dict)
            if example:
                assert set(block) == set(example), (customer["id"], source)


def test_every_documented_field_has_a_value_somewhere(world: World) -> None:
    # Null is allowed per record, but the world must show each field filled at least once.
    empty = [
        path
        for path, _ in _leaf_paths(FULLWHERE_EXAMPLE, "")
        if path not in NEVER_FILLED
        and not any(
            value not in (None, {}, [])
            for customer in world.fullwhere_customers
            for value in _values_at(customer, path)
        )
    ]
    assert empty == []


def test_documented_lists_and_objects_are_filled(world: World) -> None:
    def non_empty(path: str) -> bool:
        return any(bool(value) for c in world.fullwhere_customers for value in _values_at(c, path))

    for path in (
        "tags",
        "metadata.zelty.addresses",
        "metadata.zenchef.optins",
        "metadata.oracle.accompanyGuests",
        "metadata.oracle.accompanyGuests[].profileIdList",
        "metadata.como.membership.Assets",
        "metadata.como.assets",
        "metadata.como.membership.PreviousUserKeys",
        "metadata.experience.customer_custom_properties",
        "metadata.theFork.customFields",
        "metadata.theFork.allergiesAndIntolerances",
        "metadata.mews.documents",
        "metadata.mews.customer.Classifications",
        "metadata.import",
    ):
        assert non_empty(path), path
    locations = [
        value
        for c in world.fullwhere_customers
        for value in _values_at(c, "metadata.zelty.addresses[].location")
    ]
    assert all(len(pair) == 2 and -90 <= pair[0] <= 90 for pair in locations)


def test_foreign_ids_are_set_exactly_when_their_block_is_there(world: World) -> None:
    id_of = {
        "zenchefId": ("zenchef", ("id",)),
        "ubereatsId": ("ubereats", ("uuid",)),
        "deliverooId": ("deliveroo", ("id",)),
        "zeltyId": ("zelty", ("id",)),
        "sevenroomsId": ("sevenrooms", ("client_id",)),
        "oracleId": ("oracle", ("id",)),
        "partoucheId": ("partouche", ("id",)),
        "comoId": ("como", ("membership", "ComoMemberID")),
        "theForkId": ("theFork", ("customerUuid",)),
    }
    for customer in world.fullwhere_customers:
        metadata = customer["metadata"]
        for field, (source, path) in id_of.items():
            if source not in metadata:
                assert customer[field] is None, (customer["id"], field)
                continue
            value: Any = metadata[source]
            for key in path:
                value = value[key]
            assert customer[field] == str(value), (customer["id"], field)
        has_meta = "facebook" in metadata or "instagram" in metadata
        assert (customer["metaId"] is not None) == has_meta
        labels = [w.DATA_SOURCE_LABELS[source] for source in metadata]
        assert customer["dataSources"] == labels


def test_fullwhere_values_are_plausible(world: World) -> None:
    for customer in world.fullwhere_customers:
        assert re.fullmatch(r"[a-z]{2}", customer["language"])
        assert customer["displayName"] == f"{customer['firstName']} {customer['lastName']}"
        assert customer["civility"] in ("Mr.", "Ms.", "Mrs.")
        assert customer["type"] == "Unknown"
        assert customer["email"] is None or EMAIL.match(customer["email"])
        assert customer["phoneNumber"] is None or PHONE.match(customer["phoneNumber"])
        for tag in customer["tags"]:
            assert re.fullmatch(r"#[0-9A-F]{6}", tag["color"])


# --- links between the two systems ------------------------------------------------------------


def test_links_resolve_to_existing_guests_with_the_same_names(world: World) -> None:
    guests = {guest["Id"]: guest for guest in world.mews_customers}
    linked = [c for c in world.fullwhere_customers if mews_link(c) is not None]
    assert len(linked) == w.LINKED_COUNT
    for customer in linked:
        guest = guests[mews_link(customer) or ""]
        assert guest["IsActive"]
        assert (customer["firstName"], customer["lastName"]) == (
            guest["FirstName"],
            guest["LastName"],
        )
        block = customer["metadata"].get("mews")
        if block is not None:
            assert block["customer"]["Id"] == guest["Id"]
            assert block["customer"]["Email"] == guest["Email"]
            assert [d["Id"] for d in block["documents"]] == [
                d["Id"] for d in world.mews_documents if d["CustomerId"] == guest["Id"]
            ]
    targets = [mews_link(c) for c in linked]
    assert len(set(targets)) == len(targets), "two Fullwhere customers share one guest"


def test_most_links_agree_on_email_and_phone(world: World) -> None:
    pairs = linked_pairs(world)
    agreeing = [
        (c, g) for c, g in pairs if c["email"] == g["Email"] and c["phoneNumber"] == g["Phone"]
    ]
    assert len(agreeing) == len(pairs) - w.PHONE_CONFLICT_COUNT - w.EMAIL_CONFLICT_COUNT


def test_some_links_disagree_on_purpose(world: World) -> None:
    pairs = linked_pairs(world)
    phone = [c for c, g in pairs if c["phoneNumber"] != g["Phone"]]
    case_only = [
        c
        for c, g in pairs
        if c["email"] != g["Email"] and c["email"].lower() == (g["Email"] or "").lower()
    ]
    other_email = [
        c for c, g in pairs if c["email"] and c["email"].lower() != (g["Email"] or "").lower()
    ]
    assert len(phone) == w.PHONE_CONFLICT_COUNT
    assert case_only and other_email
    assert len(case_only) + len(other_email) == w.EMAIL_CONFLICT_COUNT


def test_a_few_links_live_only_in_the_mews_metadata_block(world: World) -> None:
    only_metadata = [
        c for c in world.fullwhere_customers if c["mewsId"] is None and mews_link(c) is not None
    ]
    assert len(only_metadata) == w.LINKED_BY_METADATA_COUNT == 5
    assert all("Mews" in c["dataSources"] for c in only_metadata)


def test_fullwhere_only_and_mews_only_people_exist(world: World) -> None:
    linked_ids = {guest["Id"] for _, guest in linked_pairs(world)}
    fullwhere_only = [c for c in world.fullwhere_customers if mews_link(c) is None]
    mews_only = [g for g in world.mews_customers if g["Id"] not in linked_ids]
    assert len(fullwhere_only) == w.FULLWHERE_ONLY_COUNT > 0
    assert len(mews_only) == w.MEWS_ONLY_COUNT > 0
    assert all("mews" not in c["metadata"] for c in fullwhere_only)
    assert [g["Id"] for g in w.mews_only(world)] == [g["Id"] for g in mews_only]
    assert len(w.fullwhere_only(world)) == len(fullwhere_only)


# --- Mews guests ------------------------------------------------------------------------------


def test_mews_customers_have_the_documented_keys(world: World) -> None:
    for guest in world.mews_customers:
        assert list(guest) == list(MEWS_EXAMPLE)
        errors = list(_shape_errors(MEWS_EXAMPLE, guest, ""))
        assert errors == [], guest["Id"]
        address = guest["Address"]
        if address is not None:
            assert list(address) == list(MEWS_ADDRESS_KEYS)
            assert address["Id"] == guest["AddressId"]
        else:
            assert guest["AddressId"] is None
        for kind in ("Passport", "IdentityCard", "Visa", "DriversLicense"):
            document = guest[kind]
            if document is not None:
                assert list(document) == list(MEWS_DOCUMENT_KEYS)
                assert (document["Type"], document["CustomerId"]) == (kind, guest["Id"])


def test_mews_enums_are_documented_values(world: World) -> None:
    for guest in world.mews_customers:
        assert (guest["Sex"], guest["Title"]) in {
            ("Male", "Mister"),
            ("Female", "Miss"),
            ("Female", "Misses"),
        }
        assert set(guest["Classifications"]) <= set(MEWS_CLASSIFICATIONS)
        assert set(guest["Options"]) <= set(MEWS_OPTIONS)
        assert set(guest["PreferredSpaceFeatures"]) <= set(MEWS_SPACE_FEATURES)
        assert guest["ActivityState"] in ("Active", "Deleted")
        assert re.fullmatch(r"[a-z]{2}-[A-Z]{2}", guest["LanguageCode"])
        preferred = guest["PreferredLanguageCode"]
        assert preferred is None or re.fullmatch(r"[a-z]{2}-[A-Z]{2}", preferred)
        assert re.fullmatch(r"[A-Z]{2}", guest["NationalityCode"])
    for document in world.mews_documents:
        assert document["Type"] in w.MEWS_DOCUMENT_TYPES


def test_mews_guests_are_varied_and_realistic(world: World) -> None:
    guests = world.mews_customers
    assert len({g["NationalityCode"] for g in guests}) >= 6
    assert len({g["LanguageCode"] for g in guests}) >= 6
    assert any(g["SecondLastName"] for g in guests)
    assert any(g["LoyaltyCode"] for g in guests)
    assert any(g["HasOtaEmail"] for g in guests)
    assert any(g["Notes"] for g in guests)
    assert any(g["ItalianFiscalCode"] for g in guests)
    for guest in guests:
        assert guest["Email"] is None or EMAIL.match(guest["Email"])
        assert guest["Phone"] is None or PHONE.match(guest["Phone"])
        assert guest["ChainId"] == w.CHAIN_ID
        assert guest["CreatorProfileId"] and guest["UpdaterProfileId"]


def test_mews_ids_numbers_and_emails_are_unique(world: World) -> None:
    guests = world.mews_customers
    assert len({g["Id"] for g in guests}) == len(guests)
    numbers = [g["Number"] for g in guests]
    assert len(set(numbers)) == len(numbers)
    assert all(n.isdigit() and len(n) <= 19 for n in numbers)
    emails = [g["Email"].lower() for g in guests if g["Email"]]
    assert len(set(emails)) == len(emails)
    codes = [g["LoyaltyCode"] for g in guests if g["LoyaltyCode"]]
    assert len(set(codes)) == len(codes)


def test_merged_guests_point_at_active_guests(world: World) -> None:
    by_id = {g["Id"]: g for g in world.mews_customers}
    merged = [g for g in world.mews_customers if not g["IsActive"]]
    assert len(merged) == w.MERGED_COUNT
    for guest in merged:
        assert guest["ActivityState"] == "Deleted"
        target = by_id[guest["MergeTargetId"]]
        assert target["IsActive"] and target["MergeTargetId"] is None
        assert (guest["FirstName"], guest["LastName"]) == (target["FirstName"], target["LastName"])
    active = [g for g in world.mews_customers if g["IsActive"]]
    assert all(g["MergeTargetId"] is None and g["ActivityState"] == "Active" for g in active)


def test_a_company_filter_finds_several_guests(world: World) -> None:
    per_company = Counter(g["CompanyId"] for g in world.mews_customers if g["CompanyId"])
    assert set(per_company) <= {company["Id"] for company in world.mews_companies}
    assert len(per_company) >= 3
    assert min(per_company.values()) >= 3


# --- dates ------------------------------------------------------------------------------------


def test_mews_dates_parse_and_are_ordered(world: World) -> None:
    two_years_ago = REFERENCE_TIME - dt.timedelta(days=731)
    for guest in world.mews_customers:
        assert MEWS_UTC.match(guest["CreatedUtc"]) and MEWS_UTC.match(guest["UpdatedUtc"])
        created, updated = _parse_utc(guest["CreatedUtc"]), _parse_utc(guest["UpdatedUtc"])
        assert two_years_ago <= created <= updated <= REFERENCE_TIME
        if guest["BirthDate"] is not None:
            assert DATE.match(guest["BirthDate"])
            dt.date.fromisoformat(guest["BirthDate"])
    created_all = [g["CreatedUtc"] for g in world.mews_customers]
    assert len(set(created_all)) == len(created_all), "creation times break ties in paging"
    for document in world.mews_documents:
        assert dt.date.fromisoformat(document["Issuance"]) < dt.date.fromisoformat(
            document["Expiration"]
        )


def test_fullwhere_dates_parse_and_are_ordered(world: World) -> None:
    for customer in world.fullwhere_customers:
        assert FULLWHERE_UTC.match(customer["createdAt"])
        assert FULLWHERE_UTC.match(customer["updatedAt"])
        created, updated = _parse_utc(customer["createdAt"]), _parse_utc(customer["updatedAt"])
        assert created <= updated <= REFERENCE_TIME
        for tag in customer["tags"]:
            assert _parse_utc(tag["createdAt"]) <= _parse_utc(tag["updatedAt"])
    timestamp_leaves = [
        path
        for path, example in _leaf_paths(FULLWHERE_EXAMPLE, "")
        if isinstance(example, str) and FULLWHERE_UTC.match(example)
    ]
    assert len(timestamp_leaves) >= 10
    for customer in world.fullwhere_customers:
        for path in timestamp_leaves:
            for value in _values_at(customer, path):
                if value is not None:
                    _parse_utc(value)


def test_linked_fullwhere_customers_were_created_after_their_guest(world: World) -> None:
    for customer, guest in linked_pairs(world):
        assert _parse_utc(customer["createdAt"]) >= _parse_utc(guest["CreatedUtc"])


# --- reservations and open items --------------------------------------------------------------


def test_staying_guests_span_the_reference_time(world: World) -> None:
    guests = {g["Id"]: g for g in world.mews_customers}
    rooms = {room["Id"] for room in world.mews_resources}
    started = [r for r in world.mews_reservations if r["State"] == "Started"]
    assert len(started) == w.STAYING_COUNT
    for reservation in started:
        assert list(reservation) == list(MEWS_RESERVATION_KEYS)
        assert MEWS_UTC.match(reservation["StartUtc"]) and MEWS_UTC.match(reservation["EndUtc"])
        assert _parse_utc(reservation["StartUtc"]) < REFERENCE_TIME
        assert _parse_utc(reservation["EndUtc"]) > REFERENCE_TIME
        assert reservation["AssignedResourceId"] in rooms
        assert reservation["Origin"] in MEWS_RESERVATION_ORIGINS
        assert reservation["Options"]["OwnerCheckedIn"] is True
        assert guests[reservation["OwnerId"]]["IsActive"]
        assert all(guests[c]["IsActive"] for c in reservation["CompanionIds"])
    assigned = [r["AssignedResourceId"] for r in started]
    assert len(set(assigned)) == len(assigned), "two stays share a room"
    assert any(r["CompanionIds"] for r in started)
    staying = w.staying_guest_ids(world)
    assert len(set(staying)) == len(staying)


def test_confirmed_reservations_are_in_the_future(world: World) -> None:
    confirmed = [r for r in world.mews_reservations if r["State"] == "Confirmed"]
    assert len(confirmed) == w.CONFIRMED_COUNT
    staying = set(w.staying_guest_ids(world))
    for reservation in confirmed:
        assert _parse_utc(reservation["StartUtc"]) > REFERENCE_TIME
        assert reservation["EndUtc"] > reservation["StartUtc"]
        assert reservation["OwnerId"] not in staying
    states = {r["State"] for r in world.mews_reservations}
    assert states <= set(w.MEWS_RESERVATION_STATES)


def test_open_items_follow_the_documented_shape(world: World) -> None:
    guests = {g["Id"] for g in world.mews_customers}
    assert len(world.mews_open_items) == w.OPEN_ITEMS_COUNT
    discriminators: set[str] = set()
    for customer_id, items in world.mews_open_items.items():
        assert customer_id in guests
        assert set(items) == {"OrderItems", "PaymentItems"}
        assert items["OrderItems"], customer_id
        for item in items["OrderItems"]:
            assert list(item) == list(MEWS_ORDER_ITEM_KEYS)
            assert item["AccountId"] == customer_id
            assert item["AccountingState"] == "Open"
            assert item["RevenueType"] in ("Service", "Product", "Additional")
            assert MEWS_UTC.match(item["ConsumedUtc"])
            assert _parse_utc(item["ConsumedUtc"]) <= REFERENCE_TIME
            discriminators.add(item["Data"]["Discriminator"])
            _assert_amount_adds_up(item["Amount"])
        for payment in items["PaymentItems"]:
            assert list(payment) == list(MEWS_PAYMENT_ITEM_KEYS)
            assert payment["Amount"]["GrossValue"] < 0
            assert payment["Data"]["Discriminator"] == "CreditCard"
    assert {"SpaceOrder", "ProductOrder"} <= discriminators
    assert any(items["PaymentItems"] for items in world.mews_open_items.values())
    owners = {r["OwnerId"] for r in world.mews_reservations if r["State"] == "Started"}
    assert owners <= set(world.mews_open_items)


def _assert_amount_adds_up(amount: dict[str, Any]) -> None:
    assert set(amount) == {"Currency", "NetValue", "GrossValue", "TaxValues", "Breakdown"}
    assert amount["Currency"] == w.CURRENCY
    taxes = sum(tax["Value"] for tax in amount["TaxValues"])
    assert amount["GrossValue"] == pytest.approx(amount["NetValue"] + taxes)
    breakdown = amount["Breakdown"]["Items"]
    assert sum(item["NetValue"] for item in breakdown) == pytest.approx(amount["NetValue"])


def test_helpers_agree_with_the_plan(world: World) -> None:
    assert len(linked_pairs(world)) == DEFAULT_PLAN.linked
    conflicts = w.conflicting_pairs(world)
    assert len(conflicts) == DEFAULT_PLAN.phone_conflicts + DEFAULT_PLAN.email_conflicts
