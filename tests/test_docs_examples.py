"""`tests/support/docs.py` reads every documented example out of the repo's own documents,
as published (quirks included), and hands out copies that tests may change freely."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import docs

REPO = Path(__file__).resolve().parents[1]


def test_documents_are_read_from_the_repo() -> None:
    assert docs.FULLWHERE_SEED == REPO / "docs" / "seeds" / "fullwhere-partner-api-customers.txt"
    assert docs.MEWS_CUSTOMERS == REPO / "docs" / "reference" / "mews" / "operations-customers.md"
    assert docs.FULLWHERE_SEED.is_file() and docs.MEWS_CUSTOMERS.is_file()


def test_fullwhere_seed_yields_its_six_examples_in_order() -> None:
    examples = docs.fullwhere_examples()
    assert list(examples) == [
        "customer", "importBody", "importResponse", "listBody", "listResponse", "batchBody",
    ]  # fmt: skip
    text = docs.FULLWHERE_SEED.read_text(encoding="utf-8")
    first, _ = json.JSONDecoder().raw_decode(text, text.index("{"))
    assert docs.fullwhere_doc_customer() == examples["customer"] == first


def test_fullwhere_responses_show_the_same_customer() -> None:
    examples = docs.fullwhere_examples()
    assert examples["importResponse"] == examples["customer"]
    assert examples["listResponse"]["items"] == [examples["customer"]]
    assert examples["listResponse"]["meta"] == {
        "itemCount": 1, "totalItems": 1, "itemsPerPage": 1, "totalPages": 1, "currentPage": 1,
    }  # fmt: skip
    assert examples["listBody"] == {"limit": 10, "page": 1}


def test_fullwhere_import_bodies_keep_the_published_quirks() -> None:
    examples = docs.fullwhere_examples()
    # The page's e-mail obfuscation artefact, kept as published (with a no-break space).
    assert examples["importBody"]["email"] == "[email\u00a0protected]"
    assert examples["batchBody"] == {"batch": [examples["importBody"]]}
    assert examples["importBody"]["metadata"] == {}


def test_mews_page_has_a_request_and_a_response_for_every_operation() -> None:
    operations = [
        "Get all customers", "Get customers relationships", "Get customers open items",
        "Add customer", "Update customer", "Add customer file", "Search customers",
        "Merge customers",
    ]  # fmt: skip
    assert docs.mews_operations() == [
        (operation, part) for operation in operations for part in ("Request", "Response")
    ]
    assert docs.mews_example("Merge customers") == {}
    assert docs.mews_example("Add customer file") == {
        "FileId": "f039f5b4-ff18-4510-9086-92b14a68ed78"
    }


def test_mews_customers_are_the_documented_ones() -> None:
    customer = docs.mews_doc_customer()
    assert customer["Id"] == "fadd5bb6-b428-45d5-94f8-fd0d89fece6d"
    assert customer["LastName"] == "Smith"
    assert docs.mews_example("Get all customers")["Cursor"] == customer["Id"]
    assert docs.mews_example("Search customers")["Customers"][0]["Customer"] == customer
    added = docs.mews_added_customer()
    assert (added["Id"], added["LastName"]) == ("99b4f0af-9558-463b-8452-07a9bc414708", "Carbone")
    assert added["Address"]["Latitude"] == 28.56333 and added["Options"] == []
    assert docs.mews_example("Add customer", "Request")["LastName"] == "Carbone"


def test_mews_open_items_and_their_order_item() -> None:
    items = docs.mews_open_items()
    assert items["CustomerId"] == "2a1a4315-7e6f-4131-af21-402cec59b8b9"
    assert items["PaymentItems"] == []
    assert docs.mews_order_item() == items["OrderItems"][0]
    assert docs.mews_order_item()["AccountId"] == items["CustomerId"]
    moved = docs.mews_order_item("another-account")
    assert moved == {**items["OrderItems"][0], "AccountId": "another-account"}


def test_every_example_is_a_fresh_copy() -> None:
    customer = docs.mews_doc_customer()
    customer["Address"]["City"] = "Changed"
    examples = docs.fullwhere_examples()
    examples["customer"]["tags"].clear()
    docs.fullwhere_doc_customer()["metadata"].clear()
    assert docs.mews_doc_customer()["Address"]["City"] == "Christchurch"
    assert docs.mews_example("Get all customers")["Customers"][0]["Address"]["City"] == (
        "Christchurch"
    )
    assert len(docs.fullwhere_examples()["customer"]["tags"]) == 1
    assert len(docs.fullwhere_doc_customer()["metadata"]) == 21
