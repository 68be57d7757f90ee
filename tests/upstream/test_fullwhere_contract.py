"""The requests the Fullwhere client sends, pinned against the Partner API documents.

Expectations are literals copied from `seeds/fullwhere-partner-api-customers.txt`, not the
client's own constants. A recorder transport keeps each request and answers the documented
example response (parsed from the seed by `tests/support/docs.py`), so these tests check the
request shape and that documented answers decode.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.upstream import fullwhere_types
from gateway.upstream.fullwhere import FullwhereClient, FullwhereCredentials
from gateway.upstream.fullwhere_types import FullwhereCustomer, FullwhereImportBody, FullwherePage
from gateway.upstream.languages import ISO_639_1
from tests.support.docs import fullwhere_examples

EXAMPLES = fullwhere_examples()
BASE_URL = "https://api.fullwhere.com"
KEY = "pk_live_2b7d9f41c3e8"
SECRET = "sk_live_a05e6c8d1f9b73"

# From the seed: "Import a single customer", Body, in documented order.
DOCUMENTED_IMPORT_KEYS = [
    "description", "company", "firstName", "lastName", "displayName", "phoneNumber", "email",
    "civility", "language", "metadata", "smsOptin", "emailOptin", "zenchefId", "ubereatsId",
    "deliverooId", "zeltyId", "sevenroomsId", "metaId", "mewsId", "oracleId", "partoucheId",
    "comoId", "theForkId",
]  # fmt: skip
DOCUMENTED_FOREIGN_IDS = [
    "zenchefId", "ubereatsId", "deliverooId", "zeltyId", "sevenroomsId", "metaId", "mewsId",
    "oracleId", "partoucheId", "comoId", "theForkId",
]  # fmt: skip
DOCUMENTED_METADATA_SOURCES = [
    "googleMyBusiness", "zelty", "zenchef", "juxta", "salesforce", "deliveroo", "tripadvisor",
    "booking", "ubereats", "sevenrooms", "facebook", "instagram", "whatsapp", "mews", "oracle",
    "partouche", "como", "experience", "autoGestion", "theFork", "import",
]  # fmt: skip

FULL_IMPORT_BODY: FullwhereImportBody = {
    "description": "Met at the Lyon wine fair",
    "company": "Maison Garnier SARL",
    "firstName": "Rémi",
    "lastName": "Garnier",
    "displayName": "Rémi Garnier",
    "phoneNumber": "+33478123456",
    "email": "remi.garnier@example.fr",
    "civility": "Mr.",
    "language": "fr",
    "metadata": {"segment": "b2b", "fair": "2025-lyon"},
    "smsOptin": False,
    "emailOptin": True,
    "zenchefId": "771204",
    "ubereatsId": "ue-9f1c",
    "deliverooId": "dr-55012",
    "zeltyId": "z-3391",
    "sevenroomsId": "sr-ahNzfnNldmVucm9vbXM",
    "metaId": "10229384756",
    "mewsId": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
    "oracleId": "OPERA-448120",
    "partoucheId": "PTC-00912",
    "comoId": "como-5521",
    "theForkId": "tf-88120034",
}


class Recorder:
    """A transport handler that records every request and answers the documented example."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = (request.method, request.url.path)
        if route == ("GET", "/partners/customer"):
            return httpx.Response(200, json=EXAMPLES["customer"])
        if route == ("POST", "/partners/customer"):
            return httpx.Response(201, json=EXAMPLES["importResponse"])
        if route == ("POST", "/partners/customer/list"):
            return httpx.Response(201, json=EXAMPLES["listResponse"])
        if route == ("POST", "/partners/customer/batch"):
            return httpx.Response(201)
        return httpx.Response(404, json={"statusCode": 404, "message": f"Cannot {route}"})

    @property
    def only(self) -> httpx.Request:
        [request] = self.requests
        return request


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[FullwhereClient]:
    transport = httpx.MockTransport(recorder)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield FullwhereClient(http, FullwhereCredentials(KEY, SECRET))


def assert_documented_headers(request: httpx.Request, *, with_body: bool) -> None:
    assert request.url.scheme == "https" and request.url.host == "api.fullwhere.com"
    assert request.headers.get_list("X-API-KEY") == [KEY]
    assert request.headers.get_list("X-API-SECRET") == [SECRET]
    if with_body:
        assert request.headers["Content-Type"] == "application/json"
    else:
        assert "Content-Type" not in request.headers
        assert request.content == b""


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def documented_post(request: httpx.Request, path: str) -> Any:
    """The JSON body of `request`, once it is checked to be a documented POST to `path`."""
    assert request.method == "POST"
    assert request.url.path == path
    assert request.url.query == b""
    assert_documented_headers(request, with_body=True)
    return sent_json(request)


# --- the four operations -----------------------------------------------------------------------


async def test_get_customer_request(client: FullwhereClient, recorder: Recorder) -> None:
    customer = await client.get_customer("3f6c1a52-8e0b-4d7f-9a14-2b5e7c9d0e11")
    request = recorder.only
    assert request.method == "GET"
    assert request.url.path == "/partners/customer"
    assert list(request.url.params.multi_items()) == [
        ("id", "3f6c1a52-8e0b-4d7f-9a14-2b5e7c9d0e11")
    ]
    assert_documented_headers(request, with_body=False)
    assert customer == EXAMPLES["customer"]


async def test_get_customer_encodes_the_id_as_one_query_value(
    client: FullwhereClient, recorder: Recorder
) -> None:
    await client.get_customer("a b&id=other/é?#")
    assert list(recorder.only.url.params.multi_items()) == [("id", "a b&id=other/é?#")]
    assert recorder.only.url.path == "/partners/customer"


async def test_import_customer_request(client: FullwhereClient, recorder: Recorder) -> None:
    created = await client.import_customer(FULL_IMPORT_BODY)
    body = documented_post(recorder.only, "/partners/customer")
    assert list(body) == DOCUMENTED_IMPORT_KEYS
    assert body == FULL_IMPORT_BODY
    assert created == EXAMPLES["importResponse"]


async def test_import_customer_sends_only_the_given_keys(
    client: FullwhereClient, recorder: Recorder
) -> None:
    await client.import_customer({"lastName": "Nakamura", "email": None})
    assert sent_json(recorder.only) == {"lastName": "Nakamura", "email": None}


async def test_list_customers_request_defaults(client: FullwhereClient, recorder: Recorder) -> None:
    page = await client.list_customers()
    assert documented_post(recorder.only, "/partners/customer/list") == {"limit": 10, "page": 1}
    assert page == EXAMPLES["listResponse"]


async def test_list_customers_request_with_page_and_limit(
    client: FullwhereClient, recorder: Recorder
) -> None:
    await client.list_customers(page=7, limit=100)
    assert sent_json(recorder.only) == {"limit": 100, "page": 7}


async def test_import_batch_request(client: FullwhereClient, recorder: Recorder) -> None:
    second: FullwhereImportBody = {"firstName": "Sofia", "language": "sv", "smsOptin": True}
    await client.import_batch([FULL_IMPORT_BODY, second])
    body = documented_post(recorder.only, "/partners/customer/batch")
    assert list(body) == ["batch"]
    assert list(body["batch"][0]) == DOCUMENTED_IMPORT_KEYS
    assert body == {"batch": [FULL_IMPORT_BODY, second]}


async def test_every_call_carries_the_credentials(
    client: FullwhereClient, recorder: Recorder
) -> None:
    await client.get_customer("x")
    await client.import_customer({})
    await client.list_customers()
    await client.import_batch([])
    assert len(recorder.requests) == 4
    for request in recorder.requests:
        assert (request.headers["X-API-KEY"], request.headers["X-API-SECRET"]) == (KEY, SECRET)


# --- the documents and the declared types ----------------------------------------------------


def test_documented_examples_use_the_documented_keys() -> None:
    assert list(EXAMPLES["importBody"]) == DOCUMENTED_IMPORT_KEYS
    assert list(EXAMPLES["batchBody"]["batch"][0]) == DOCUMENTED_IMPORT_KEYS
    assert EXAMPLES["listBody"] == {"limit": 10, "page": 1}
    assert list(EXAMPLES["customer"]["metadata"]) == DOCUMENTED_METADATA_SOURCES
    assert len(EXAMPLES["customer"]) == 33


def test_exported_field_lists_match_the_documents() -> None:
    assert list(fullwhere_types.IMPORT_FIELDS) == DOCUMENTED_IMPORT_KEYS
    assert list(fullwhere_types.FOREIGN_ID_FIELDS) == DOCUMENTED_FOREIGN_IDS
    assert list(fullwhere_types.METADATA_SOURCES) == DOCUMENTED_METADATA_SOURCES


def _typed_dict(hint: Any) -> Any:
    """The TypedDict inside `hint` (`X | None`, `list[X] | None`), or None."""
    for arg in typing.get_args(hint) or (hint,):
        if typing.is_typeddict(arg):
            return arg
        if typing.get_origin(arg) is list:
            return _typed_dict(typing.get_args(arg)[0])
    return None


def _undeclared(example: Any, declared: Any, path: str) -> list[str]:
    """Keys of `example` (recursively) that the TypedDict `declared` does not name."""
    if isinstance(example, list):
        return [key for item in example for key in _undeclared(item, declared, path + "[]")]
    if not isinstance(example, dict) or declared is None:
        return []
    hints = typing.get_type_hints(declared)
    missing = [f"{path}.{key}" for key in example if key not in hints]
    for key, value in example.items():
        if key in hints:
            missing += _undeclared(value, _typed_dict(hints[key]), f"{path}.{key}")
    return missing


def _unexampled(declared: Any, example: Any, path: str) -> list[str]:
    """Keys the TypedDict `declared` names that the documented example does not have."""
    if isinstance(example, list):
        return _unexampled(declared, example[0], path + "[]") if example else []
    hints = typing.get_type_hints(declared)
    extra = [f"{path}.{key}" for key in hints if key not in example]
    for key, hint in hints.items():
        nested = _typed_dict(hint)
        if nested is not None and key in example:
            extra += _unexampled(nested, example[key], f"{path}.{key}")
    return extra


@pytest.mark.parametrize(
    ("declared", "example"),
    [
        (FullwhereCustomer, EXAMPLES["customer"]),
        (FullwherePage, EXAMPLES["listResponse"]),
        (FullwhereImportBody, EXAMPLES["importBody"]),
    ],
)
def test_types_name_exactly_the_documented_fields(declared: Any, example: Any) -> None:
    assert _undeclared(example, declared, "$") == []
    assert _unexampled(declared, example, "$") == []


def test_types_follow_the_example_values() -> None:
    hints = typing.get_type_hints(FullwhereCustomer)
    assert hints["feedbackCount"] == int | None
    assert hints["emailOptin"] == bool | None
    assert hints["dataSources"] == list[str] | None
    metadata = typing.get_type_hints(_typed_dict(hints["metadata"]))
    assert metadata["import"] == dict[str, str] | None
    body = typing.get_type_hints(FullwhereImportBody)
    assert body["metadata"] == dict[str, str] | None
    assert isinstance(body["smsOptin"], types.UnionType)


def test_language_codes_are_iso_639_1() -> None:
    assert len(ISO_639_1) == 184
    assert EXAMPLES["importBody"]["language"] in ISO_639_1
    assert all(len(code) == 2 and code.isascii() and code.islower() for code in ISO_639_1)
    assert {"en", "fr", "de", "it", "es", "pl", "sv", "zh", "ja", "zu"} <= ISO_639_1
