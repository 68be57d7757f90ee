"""Writes through the gateway against the sandboxes: each mutation's success path, each
refusal (proved to cost no upstream call), and that a read after a write never serves the
data from before it."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, fullwhere_only, linked_pairs
from tests.conftest import Gateway, gateway_with

NEW_UUID = "00000000-0000-4000-8000-000000000000"


def only_error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("data") in (None, {}) or all(v is None for v in result["data"].values())
    (error,) = result["errors"]
    assert isinstance(error, dict)
    return error


def _linked(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    return next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))


# --- importCustomer -----------------------------------------------------------------------------

IMPORT = """
mutation($input: ImportCustomerInput!) {
  importCustomer(input: $input) {
    replayed
    customer { id fullwhereId mewsId email firstName language link { method mewsId }
               fullwhere { id metadata { __typename ... on ImportMetadata { data } } } }
  }
}"""

LAST_PAGE = """
query($after: String) {
  customers(first: 100, after: $after) { totalCount edges { cursor node { id email } } }
}"""


async def _all_fullwhere_ids(gateway: Gateway) -> tuple[int, set[str]]:
    ids: set[str] = set()
    after = None
    while True:
        page = (await gateway.data(LAST_PAGE, {"after": after}))["customers"]
        ids |= {edge["node"]["id"] for edge in page["edges"]}
        if len(ids) >= page["totalCount"] or not page["edges"]:
            return page["totalCount"], ids
        after = page["edges"][-1]["cursor"]


async def test_import_customer_returns_the_unified_customer(gateway: Gateway) -> None:
    mews_id = "3A5B6C7D-1111-4222-8333-944455556666"
    data = await gateway.data(
        IMPORT,
        {
            "input": {
                "firstName": "Ada",
                "email": "ada@example.com",
                "language": "fr",
                "metadata": [{"key": "source", "value": "kiosk"}],
                "mewsId": f"mews:{mews_id}",
                "zenchefId": "z-1",
                "smsOptin": True,
            }
        },
    )
    customer = data["importCustomer"]["customer"]
    assert customer["id"] == f"fullwhere:{customer['fullwhereId']}"
    assert customer["email"] == "ada@example.com"
    assert customer["language"] == "fr"
    assert customer["mewsId"] == mews_id.lower()
    assert customer["link"] == {"method": "MEWS_ID", "mewsId": mews_id.lower()}
    stored = gateway.sandboxes.fullwhere.customers[customer["fullwhereId"]]
    assert stored["zenchefId"] == "z-1" and stored["smsOptin"] is True
    assert stored["metadata"]["import"] == {"source": "kiosk"}
    # The unified fields compare the linked guest's update time: one Mews read.
    assert gateway.calls() == {"fullwhere:import": 1, "mews:customers/getAll": 1}


async def test_import_then_read_serves_the_new_customer(gateway: Gateway) -> None:
    before_total, before = await _all_fullwhere_ids(gateway)  # the list pages are cached now
    data = await gateway.data(IMPORT, {"input": {"email": "new@example.com"}})
    new_id = data["importCustomer"]["customer"]["id"]
    gateway.reset_calls()
    one = await gateway.data("query($id: ID!) { customer(id: $id) { id email } }", {"id": new_id})
    assert one["customer"] == {"id": new_id, "email": "new@example.com"}
    assert gateway.calls() == {}  # primed by the write
    after_total, after = await _all_fullwhere_ids(gateway)
    assert after_total == before_total + 1
    assert after - before == {new_id}


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"email": "not-an-email"}, "input.email"),
        ({"email": "a@b"}, "input.email"),
        ({"mewsId": "guest-42"}, "input.mewsId"),
        (
            {"metadata": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]},
            "input.metadata[1].key",
        ),
        ({"metadata": [{"key": " ", "value": "1"}]}, "input.metadata[0].key"),
        ({"description": "x" * 120_000}, "input"),
    ],
)
async def test_import_customer_refusals_cost_no_call(
    gateway: Gateway, fields: dict[str, Any], path: str
) -> None:
    error = only_error(await gateway.post(IMPORT, {"input": fields}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [p["path"] for p in error["extensions"]["problems"]] == [path]
    assert error["message"].startswith(path + ":")
    assert gateway.calls() == {}


async def test_import_customer_language_must_be_a_documented_code(gateway: Gateway) -> None:
    error = only_error(await gateway.post(IMPORT, {"input": {"language": "xx"}}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "LanguageCode" in error["message"]
    assert gateway.calls() == {}


async def test_import_customer_upstream_refusal_is_reported_with_its_source(
    gateway: Gateway,
) -> None:
    gateway.sandboxes.fullwhere.control.fail_next("import", status=503)
    error = only_error(await gateway.post(IMPORT, {"input": {"email": "x@example.com"}}))
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["source"] == "fullwhere"


# --- importCustomers ----------------------------------------------------------------------------

IMPORT_MANY = """
mutation($input: [ImportCustomerInput!]!) {
  importCustomers(input: $input) {
    importedCount failedCount importedIndexes failedIndexes replayed
    chunks { index firstIndex lastIndex count status
             error { code message source mayHaveBeenApplied } }
  }
}"""


def _people(count: int, prefix: str = "batch") -> list[dict[str, Any]]:
    return [{"email": f"{prefix}{i}@example.com", "firstName": f"P{i}"} for i in range(count)]


def _imported_emails(sandboxes: Sandboxes, prefix: str) -> set[str]:
    return {
        c["email"]
        for c in sandboxes.fullwhere.customers.values()
        if (c.get("email") or "").startswith(prefix)
    }


async def test_import_customers_chunks_by_the_configured_batch_size(
    sandboxes: Sandboxes,
) -> None:
    async with gateway_with(sandboxes, {"FULLWHERE_BATCH_SIZE": "2"}) as gateway:
        result = (await gateway.data(IMPORT_MANY, {"input": _people(5)}))["importCustomers"]
        assert gateway.calls() == {"fullwhere:batch": 3}
    assert result["importedCount"] == 5 and result["failedCount"] == 0
    assert result["importedIndexes"] == [0, 1, 2, 3, 4] and result["failedIndexes"] == []
    spans = [(c["firstIndex"], c["lastIndex"], c["count"], c["status"]) for c in result["chunks"]]
    assert spans == [(0, 1, 2, "IMPORTED"), (2, 3, 2, "IMPORTED"), (4, 4, 1, "IMPORTED")]
    assert _imported_emails(sandboxes, "batch") == {f"batch{i}@example.com" for i in range(5)}


async def test_import_customers_splits_by_encoded_size_under_the_100_kib_limit(
    gateway: Gateway,
) -> None:
    # Each item ~30 KB: four would pass 100 KiB, which the sandbox answers with 413.
    items = [{"email": f"big{i}@example.com", "description": "x" * 30_000} for i in range(7)]
    result = (await gateway.data(IMPORT_MANY, {"input": items}))["importCustomers"]
    assert result["importedCount"] == 7 and result["failedCount"] == 0
    assert all(chunk["count"] <= 3 for chunk in result["chunks"])
    assert len(result["chunks"]) == 3
    assert gateway.calls() == {"fullwhere:batch": 3}
    assert len(_imported_emails(gateway.sandboxes, "big")) == 7


async def test_a_failed_middle_chunk_leaves_the_others_imported(sandboxes: Sandboxes) -> None:
    control = sandboxes.fullwhere.control
    control.fail_next("batch", kind="hang", hang_seconds=0)  # the first chunk goes through
    control.fail_next("batch", status=503)  # the second fails
    async with gateway_with(sandboxes, {"FULLWHERE_BATCH_SIZE": "2"}) as gateway:
        result = (await gateway.data(IMPORT_MANY, {"input": _people(6, "mid")}))["importCustomers"]
    assert result["importedIndexes"] == [0, 1, 4, 5]
    assert result["failedIndexes"] == [2, 3]
    assert (result["importedCount"], result["failedCount"]) == (4, 2)
    statuses = [
        (c["index"], c["firstIndex"], c["lastIndex"], c["status"]) for c in result["chunks"]
    ]
    assert statuses == [(0, 0, 1, "IMPORTED"), (1, 2, 3, "FAILED"), (2, 4, 5, "IMPORTED")]
    error = result["chunks"][1]["error"]
    assert error["code"] == "UPSTREAM_UNAVAILABLE" and error["source"] == "fullwhere"
    assert "503" in error["message"]
    assert _imported_emails(sandboxes, "mid") == {
        f"mid{i}@example.com" for i in result["importedIndexes"]
    }


async def test_import_customers_reports_bad_items_by_index_and_sends_nothing(
    gateway: Gateway,
) -> None:
    items = _people(4)
    items[1]["email"] = "broken"
    items[3]["mewsId"] = "nope"
    error = only_error(await gateway.post(IMPORT_MANY, {"input": items}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [p["path"] for p in error["extensions"]["problems"]] == [
        "input[1].email",
        "input[3].mewsId",
    ]
    assert "input[1].email" in error["message"]
    assert gateway.calls() == {}


async def test_import_customers_refuses_an_empty_list(gateway: Gateway) -> None:
    error = only_error(await gateway.post(IMPORT_MANY, {"input": []}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.calls() == {}


async def test_import_customers_then_read_lists_them(gateway: Gateway) -> None:
    before_total, _ = await _all_fullwhere_ids(gateway)
    await gateway.data(IMPORT_MANY, {"input": _people(3, "listed")})
    after_total, _ = await _all_fullwhere_ids(gateway)
    assert after_total == before_total + 3


# --- addCustomer --------------------------------------------------------------------------------

ADD = """
mutation($input: AddCustomerInput!) {
  addCustomer(input: $input) {
    replayed
    customer { id mewsId fullwhereId firstName lastName email
               mews { mewsId title classifications nationalityCode birthDate address { city } } }
    fullwhereImport { status mewsId fullwhereId message error { code source } }
  }
}"""

NEWEST = """
query { mewsCustomers(first: 3) { edges { node { id lastName email } } } }"""


async def test_add_customer_creates_a_mews_guest(gateway: Gateway) -> None:
    data = await gateway.data(
        ADD,
        {
            "input": {
                "lastName": "Carbone",
                "firstName": "Thea",
                "title": "MISS",
                "email": "thea@quotidiano.example",
                "nationalityCode": "it",
                "birthDate": "1985-09-30",
                "classifications": ["MEDIA"],
                "address": {"city": "Pescara", "countryCode": "IT"},
            }
        },
    )
    payload = data["addCustomer"]
    customer = payload["customer"]
    assert payload["fullwhereImport"] is None
    assert customer["id"] == f"mews:{customer['mewsId']}" and customer["fullwhereId"] is None
    assert customer["mews"]["title"] == "MISS"
    assert customer["mews"]["nationalityCode"] == "IT"
    assert customer["mews"]["birthDate"] == "1985-09-30"
    assert customer["mews"]["classifications"] == ["MEDIA"]
    assert customer["mews"]["address"]["city"] == "Pescara"
    stored = gateway.sandboxes.mews.customers[customer["mewsId"]]
    assert stored["Email"] == "thea@quotidiano.example"
    assert gateway.calls() == {"mews:customers/add": 1}


async def test_add_then_read_serves_the_new_guest(gateway: Gateway) -> None:
    await gateway.data(NEWEST)  # a cached getAll page from before the write
    added = (await gateway.data(ADD, {"input": {"lastName": "Fresh"}}))["addCustomer"]
    new_id = added["customer"]["mewsId"]
    gateway.reset_calls()
    one = await gateway.data(
        "query($id: ID!) { customer(id: $id) { id lastName } }", {"id": f"mews:{new_id}"}
    )
    assert one["customer"] == {"id": f"mews:{new_id}", "lastName": "Fresh"}
    assert gateway.calls() == {}  # primed by the write
    newest = (await gateway.data(NEWEST))["mewsCustomers"]["edges"]
    assert newest[0]["node"]["id"] == f"mews:{new_id}"
    assert gateway.calls() == {"mews:customers/getAll": 1}  # the old page was dropped


async def test_add_customer_with_a_taken_email_names_the_conflict(
    gateway: Gateway, world: World
) -> None:
    taken = next(m for m in world.mews_customers if m.get("Email") and m.get("IsActive"))
    error = only_error(
        await gateway.post(ADD, {"input": {"lastName": "Other", "email": taken["Email"]}})
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["source"] == "mews"
    assert error["extensions"]["conflictingEmail"] == taken["Email"]
    assert taken["Email"] in error["message"] and "overwriteExisting" in error["message"]


async def test_add_customer_overwrite_existing_returns_the_existing_guest(
    gateway: Gateway, world: World
) -> None:
    taken = next(m for m in world.mews_customers if m.get("Email") and m.get("IsActive"))
    await gateway.data(
        "query($id: ID!) { customer(id: $id) { lastName } }", {"id": f"mews:{taken['Id']}"}
    )
    data = await gateway.data(
        ADD,
        {"input": {"lastName": "Overwritten", "email": taken["Email"], "overwriteExisting": True}},
    )
    assert data["addCustomer"]["customer"]["mewsId"] == taken["Id"]
    again = await gateway.data(
        "query($id: ID!) { customer(id: $id) { mews { lastName } } }", {"id": f"mews:{taken['Id']}"}
    )
    assert again["customer"]["mews"]["lastName"] == "Overwritten"


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"lastName": "  "}, "input.lastName"),
        ({"lastName": "A", "email": "nope"}, "input.email"),
        ({"lastName": "A", "nationalityCode": "ITA"}, "input.nationalityCode"),
        ({"lastName": "A", "options": ["NONE"]}, "input.options"),
        ({"lastName": "A", "italianLotteryCode": "X" * 16}, "input.italianLotteryCode"),
        ({"lastName": "A", "companyId": "acme"}, "input.companyId"),
        ({"lastName": "A", "fullwhere": {"company": "Acme"}}, "input.fullwhere"),
        (
            {"lastName": "A", "alsoImportToFullwhere": True, "fullwhere": {"mewsId": NEW_UUID}},
            "input.fullwhere.mewsId",
        ),
    ],
)
async def test_add_customer_refusals_cost_no_call(
    gateway: Gateway, fields: dict[str, Any], path: str
) -> None:
    error = only_error(await gateway.post(ADD, {"input": fields}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [p["path"] for p in error["extensions"]["problems"]] == [path]
    assert gateway.calls() == {}


async def test_add_customer_can_also_import_into_fullwhere(gateway: Gateway) -> None:
    data = await gateway.data(
        ADD,
        {
            "input": {
                "lastName": "Both",
                "firstName": "Sam",
                "email": "both@example.com",
                "preferredLanguageCode": "fr-FR",
                "title": "MISTER",
                "alsoImportToFullwhere": True,
                "fullwhere": {"company": "Acme", "emailOptin": True},
            }
        },
    )
    payload = data["addCustomer"]
    outcome = payload["fullwhereImport"]
    assert outcome["status"] == "IMPORTED" and outcome["error"] is None
    mews_id = payload["customer"]["mewsId"]
    assert payload["customer"]["id"] == f"fullwhere:{outcome['fullwhereId']}"
    record = gateway.sandboxes.fullwhere.customers[outcome["fullwhereId"]]
    assert record["mewsId"] == mews_id
    assert (record["email"], record["language"], record["civility"], record["company"]) == (
        "both@example.com",
        "fr",
        "Mr.",
        "Acme",
    )
    assert gateway.calls() == {"mews:customers/add": 1, "fullwhere:import": 1}
    # Both ids now resolve to the one unified customer, with no further call.
    gateway.reset_calls()
    unified = await gateway.data(
        "query($id: ID!) { customer(id: $id) { id mews { mewsId } } }", {"id": f"mews:{mews_id}"}
    )
    assert unified["customer"] == {"id": payload["customer"]["id"], "mews": {"mewsId": mews_id}}
    assert gateway.calls() == {}


async def test_add_customer_reports_a_failed_fullwhere_import_and_the_existing_guest(
    gateway: Gateway,
) -> None:
    gateway.sandboxes.fullwhere.control.fail_next("import", status=503)
    data = await gateway.data(
        ADD,
        {"input": {"lastName": "Half", "email": "half@example.com", "alsoImportToFullwhere": True}},
    )
    payload = data["addCustomer"]
    outcome = payload["fullwhereImport"]
    mews_id = payload["customer"]["mewsId"]
    assert outcome["status"] == "FAILED" and outcome["fullwhereId"] is None
    assert outcome["mewsId"] == mews_id
    assert outcome["error"] == {"code": "UPSTREAM_UNAVAILABLE", "source": "fullwhere"}
    assert f"The Mews guest {mews_id} exists" in outcome["message"]
    assert payload["customer"]["id"] == f"mews:{mews_id}"
    assert mews_id in gateway.sandboxes.mews.customers
    assert not any(
        c.get("mewsId") == mews_id for c in gateway.sandboxes.fullwhere.customers.values()
    )


# --- updateCustomer -----------------------------------------------------------------------------

UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { id mewsId firstName phone
               mews { firstName phone notes italianFiscalCode classifications } }
  }
}"""

READ = """
query($id: ID!) { customer(id: $id) { id firstName phone
  mews { firstName phone notes italianFiscalCode classifications } } }"""


async def test_update_by_fullwhere_id_updates_the_linked_guest_and_reads_see_it(
    gateway: Gateway, world: World
) -> None:
    fw, mews = _linked(world)
    unified = f"fullwhere:{fw['id']}"
    before = (await gateway.data(READ, {"id": unified}))["customer"]  # warms the caches
    assert before["mews"]["notes"] != "VIP, late arrival"
    gateway.reset_calls()
    updated = await gateway.data(
        UPDATE, {"input": {"id": unified, "notes": "VIP, late arrival", "classifications": []}}
    )
    assert updated["updateCustomer"]["customer"]["id"] == unified
    assert updated["updateCustomer"]["customer"]["mews"]["notes"] == "VIP, late arrival"
    assert gateway.calls() == {"mews:customers/update": 1}
    gateway.reset_calls()
    after = (await gateway.data(READ, {"id": unified}))["customer"]
    assert after["mews"]["notes"] == "VIP, late arrival"
    assert after["mews"]["classifications"] == []
    assert after["mews"]["firstName"] == before["mews"]["firstName"]  # omitted: untouched
    assert gateway.calls() == {}
    assert gateway.sandboxes.mews.customers[mews["Id"]]["Notes"] == "VIP, late arrival"


async def test_update_then_list_pages_and_email_lookups_are_fresh(
    gateway: Gateway, world: World
) -> None:
    guest = next(m for m in world.mews_customers if m.get("IsActive") and m.get("Email"))
    page = """query($e: String!) { mewsCustomers(filter: {emails: [$e]}) {
        edges { node { id phone } } } }"""
    await gateway.data(page, {"e": guest["Email"]})
    new_phone = {"id": f"mews:{guest['Id']}", "phone": "+33 1 23 45 67 89"}
    await gateway.data(UPDATE, {"input": new_phone})
    fresh = (await gateway.data(page, {"e": guest["Email"]}))["mewsCustomers"]["edges"]
    assert fresh == [{"node": {"id": f"mews:{guest['Id']}", "phone": "+33 1 23 45 67 89"}}]


async def test_update_sets_and_clears_an_italian_code(gateway: Gateway, world: World) -> None:
    guest = next(m for m in world.mews_customers if m.get("IsActive"))
    unified = f"mews:{guest['Id']}"
    set_ = await gateway.data(UPDATE, {"input": {"id": unified, "italianFiscalCode": "ZGNZLR17"}})
    assert set_["updateCustomer"]["customer"]["mews"]["italianFiscalCode"] == "ZGNZLR17"
    cleared = await gateway.data(UPDATE, {"input": {"id": unified, "italianFiscalCode": None}})
    assert cleared["updateCustomer"]["customer"]["mews"]["italianFiscalCode"] is None
    assert gateway.sandboxes.mews.customers[guest["Id"]]["ItalianFiscalCode"] is None


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ({"firstName": None}, ["input.firstName"]),
        ({"phone": "  "}, ["input.phone"]),
        ({"classifications": None}, ["input.classifications"]),
        ({"italianFiscalCode": ""}, ["input.italianFiscalCode"]),
        ({}, ["input"]),
        ({"email": "x", "birthCountryCode": "123"}, ["input.email", "input.birthCountryCode"]),
    ],
)
async def test_update_refusals_cost_no_call(
    gateway: Gateway, world: World, fields: dict[str, Any], paths: list[str]
) -> None:
    guest = world.mews_customers[0]
    error = only_error(
        await gateway.post(UPDATE, {"input": {"id": f"mews:{guest['Id']}", **fields}})
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [p["path"] for p in error["extensions"]["problems"]] == paths
    assert gateway.calls() == {}


async def test_update_refuses_malformed_ids_without_a_call(gateway: Gateway) -> None:
    error = only_error(await gateway.post(UPDATE, {"input": {"id": "42", "phone": "1"}}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.id:")
    assert gateway.calls() == {}


async def test_update_of_an_unlinked_fullwhere_customer_is_refused(
    gateway: Gateway, world: World
) -> None:
    lonely = fullwhere_only(world)[0]
    error = only_error(
        await gateway.post(UPDATE, {"input": {"id": f"fullwhere:{lonely['id']}", "phone": "1"}})
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not linked to a Mews guest" in error["message"]
    assert gateway.calls() == {"fullwhere:get": 1}  # the lookup; no Mews write


async def test_update_to_an_email_in_use_names_the_conflict(gateway: Gateway, world: World) -> None:
    active = [m for m in world.mews_customers if m.get("IsActive") and m.get("Email")]
    first, second = active[0], active[1]
    error = only_error(
        await gateway.post(
            UPDATE, {"input": {"id": f"mews:{first['Id']}", "email": second["Email"]}}
        )
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["conflictingEmail"] == second["Email"]
    assert error["extensions"]["source"] == "mews"


# --- mergeCustomers -----------------------------------------------------------------------------

MERGE = """
mutation($s: ID!, $t: ID!) {
  mergeCustomers(sourceId: $s, targetId: $t) {
    sourceId targetId sourceMewsId targetMewsId via target { id mews { mewsId isActive } }
  }
}"""

ACTIVE = "query($id: ID!) { customer(id: $id) { mews { isActive mergeTargetId } } }"


def _two_active(world: World) -> tuple[str, str]:
    linked = {m["Id"] for _, m in linked_pairs(world)}
    ids = [m["Id"] for m in world.mews_customers if m.get("IsActive") and m["Id"] not in linked]
    return ids[0], ids[1]


async def test_merge_customers_merges_and_reads_see_the_source_inactive(
    gateway: Gateway, world: World
) -> None:
    source, target = _two_active(world)
    assert (await gateway.data(ACTIVE, {"id": f"mews:{source}"}))["customer"]["mews"][
        "isActive"
    ] is True
    result = (await gateway.data(MERGE, {"s": f"mews:{source}", "t": f"mews:{target}"}))[
        "mergeCustomers"
    ]
    assert result["via"] == "CUSTOMERS_MERGE"
    assert (result["sourceMewsId"], result["targetMewsId"]) == (source, target)
    assert result["target"]["mews"] == {"mewsId": target, "isActive": True}
    assert gateway.calls()["mews:customers/merge"] == 1
    after = (await gateway.data(ACTIVE, {"id": f"mews:{source}"}))["customer"]["mews"]
    assert after == {"isActive": False, "mergeTargetId": target}


async def test_merge_falls_back_to_accounts_merge_when_customers_merge_is_gone(
    gateway: Gateway, world: World
) -> None:
    source, target = _two_active(world)
    gateway.sandboxes.mews.control.fail_next("customers/merge", status=404)
    result = (await gateway.data(MERGE, {"s": f"mews:{source}", "t": f"mews:{target}"}))[
        "mergeCustomers"
    ]
    assert result["via"] == "ACCOUNTS_MERGE"
    calls = gateway.calls()
    assert (calls["mews:customers/merge"], calls["mews:accounts/merge"]) == (1, 1)
    assert gateway.sandboxes.mews.customers[source]["MergeTargetId"] == target


async def test_merge_into_itself_is_refused_without_a_call(gateway: Gateway, world: World) -> None:
    source, _ = _two_active(world)
    error = only_error(await gateway.post(MERGE, {"s": f"mews:{source}", "t": f"mews:{source}"}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "itself" in error["message"]
    assert gateway.calls() == {}


async def test_merge_of_a_fullwhere_id_into_its_own_guest_is_refused(
    gateway: Gateway, world: World
) -> None:
    fw, mews = _linked(world)
    error = only_error(
        await gateway.post(MERGE, {"s": f"fullwhere:{fw['id']}", "t": f"mews:{mews['Id']}"})
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert mews["Id"] in error["message"]
    assert "mews:customers/merge" not in gateway.calls()


async def test_merge_with_an_unknown_or_malformed_id_is_refused_before_merging(
    gateway: Gateway, world: World
) -> None:
    source, _ = _two_active(world)
    error = only_error(await gateway.post(MERGE, {"s": f"mews:{source}", "t": "nope"}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("targetId:")
    assert gateway.calls() == {}
    error = only_error(await gateway.post(MERGE, {"s": f"mews:{source}", "t": f"mews:{NEW_UUID}"}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert NEW_UUID in error["message"]
    assert gateway.calls() == {"mews:customers/getAll": 1}  # the existence check only


async def test_merging_an_already_merged_guest_is_refused_before_merging(
    gateway: Gateway, world: World
) -> None:
    source, target = _two_active(world)
    await gateway.data(MERGE, {"s": f"mews:{source}", "t": f"mews:{target}"})
    gateway.reset_calls()
    error = only_error(await gateway.post(MERGE, {"s": f"mews:{source}", "t": f"mews:{target}"}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"merged into {target}" in error["message"]
    assert "mews:customers/merge" not in gateway.calls()


async def test_a_fullwhere_failure_after_a_mews_write_keeps_the_written_guest(
    gateway: Gateway, world: World
) -> None:
    fw, mews = _linked(world)
    await gateway.data(READ, {"id": f"fullwhere:{fw['id']}"})  # the gateway learns the link
    gateway.app.state.upstreams.cache.clear()
    gateway.sandboxes.fullwhere.control.fail_next("get", 10, status=503)
    result = await gateway.post(
        UPDATE, {"input": {"id": f"mews:{mews['Id']}", "notes": "Written anyway"}}
    )
    customer = result["data"]["updateCustomer"]["customer"]
    assert customer["mews"]["notes"] == "Written anyway"
    (error,) = result["errors"]
    assert error["path"] == ["updateCustomer", "customer"]
    assert error["extensions"]["source"] == "fullwhere"
    assert gateway.sandboxes.mews.customers[mews["Id"]]["Notes"] == "Written anyway"
