"""The documented examples, read from the upstream documents kept in the repo (docs/).

The one place tests get documented records from: nothing here is copied by hand, so a test
that serves "the documented customer" serves what the documents say, quirks included (the
Fullwhere import body's e-mail is the page's obfuscation artefact `[email protected]`,
with a no-break space).
Every function returns a fresh deep copy: tests may mutate what they get.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs"
FULLWHERE_SEED = DOCS / "seeds" / "fullwhere-partner-api-customers.txt"
MEWS_CUSTOMERS = DOCS / "reference" / "mews" / "operations-customers.md"

# The seed's examples by (method, path, part), in the order the seed shows them.
FULLWHERE_NAMES = {
    ("GET", "/partners/customer", "response"): "customer",
    ("POST", "/partners/customer", "body"): "importBody",
    ("POST", "/partners/customer", "response"): "importResponse",
    ("POST", "/partners/customer/list", "body"): "listBody",
    ("POST", "/partners/customer/list", "response"): "listResponse",
    ("POST", "/partners/customer/batch", "body"): "batchBody",
}

_OBJECT_START = re.compile(r"^\{", re.MULTILINE)
_REQUEST_LINE = re.compile(r"^(GET|POST) (/[^\s?]+)\S* HTTP/1\.1$", re.MULTILINE)
_MEWS_PIECE = re.compile(
    r"^(?P<level>#{2,3}) (?P<title>[^\n]*)$|^```javascript\n(?P<code>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


def _json_objects(text: str) -> list[Any]:
    """The JSON objects that start a line of `text`, in order."""
    decoder = json.JSONDecoder()
    found, position = [], 0
    while (match := _OBJECT_START.search(text, position)) is not None:
        value, position = decoder.raw_decode(text, match.start())
        found.append(value)
    return found


@cache
def _fullwhere() -> dict[str, Any]:
    """The seed's JSON examples by name: after each request line come the body (when the
    request has one: a Content-Length header) and then the response (when documented)."""
    text = FULLWHERE_SEED.read_text(encoding="utf-8")
    requests = list(_REQUEST_LINE.finditer(text))
    examples: dict[str, Any] = {}
    for request, following in zip(requests, [*requests[1:], None], strict=True):
        section = text[request.end() : following.start() if following else len(text)]
        headers = section.split("{", 1)[0]
        parts = ["body", "response"] if "\nContent-Length:" in headers else ["response"]
        objects = _json_objects(section)
        assert len(objects) <= len(parts), (request[0], len(objects))
        for part, value in zip(parts, objects, strict=False):
            examples[FULLWHERE_NAMES[(request[1], request[2], part)]] = value
    assert list(examples) == list(FULLWHERE_NAMES.values()), list(examples)
    return examples


@cache
def _mews() -> dict[tuple[str, str], Any]:
    """Every ```javascript example of the Mews customers page by (operation, Request/Response);
    struck-through (deprecated) operation titles lose their `~~`."""
    text = MEWS_CUSTOMERS.read_text(encoding="utf-8")
    examples: dict[tuple[str, str], Any] = {}
    operation = part = ""
    for piece in _MEWS_PIECE.finditer(text):
        if piece["level"] == "##":
            operation, part = piece["title"].strip("~ "), ""
        elif piece["level"] == "###":
            part = piece["title"].strip()
        elif piece["code"] is not None and part in ("Request", "Response"):
            examples[(operation, part)] = json.loads(piece["code"])
    return examples


# --- Fullwhere Partner API (docs/seeds/fullwhere-partner-api-customers.txt) ----------------


def fullwhere_examples() -> dict[str, Any]:
    """The seed's six JSON examples: `customer` (GET response), `importBody`,
    `importResponse`, `listBody`, `listResponse` and `batchBody`."""
    return copy.deepcopy(_fullwhere())


def fullwhere_doc_customer() -> dict[str, Any]:
    """The documented customer: the `GET /partners/customer` response, the seed's first JSON
    object (the import and list responses show the same customer)."""
    return copy.deepcopy(_fullwhere()["customer"])


# --- Mews Connector API (docs/reference/mews/operations-customers.md) ---------------------


def mews_example(operation: str, part: str = "Response") -> Any:
    """The example of `operation` (its section title, e.g. "Add customer"); `part` is
    "Request" or "Response"."""
    return copy.deepcopy(_mews()[(operation, part)])


def mews_operations() -> list[tuple[str, str]]:
    """(operation, part) of every example on the page, in page order."""
    return list(_mews())


def mews_doc_customer() -> dict[str, Any]:
    """The customer of the "Get all customers" response example (John Smith)."""
    customer: dict[str, Any] = mews_example("Get all customers")["Customers"][0]
    return customer


def mews_added_customer() -> dict[str, Any]:
    """The "Add customer" response example (Thea Carbone: coordinates, Italian codes)."""
    customer: dict[str, Any] = mews_example("Add customer")
    return customer


def mews_open_items() -> dict[str, Any]:
    """The customer items of the "Get customers open items" response example."""
    items: dict[str, Any] = mews_example("Get customers open items")["Customers"][0]
    return items


def mews_order_item(account_id: str | None = None) -> dict[str, Any]:
    """The open order item of that example, optionally charged to another account (in the
    example, the account is the customer's own: `AccountId` is the `CustomerId`)."""
    item: dict[str, Any] = mews_open_items()["OrderItems"][0]
    if account_id is not None:
        item["AccountId"] = account_id
    return item
