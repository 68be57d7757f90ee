"""Trusted documents: Apollo's persisted-query extension over POST and GET, the refusals
Apollo clients expect, `GATEWAY_REQUIRE_PERSISTED` for JWT and anonymous callers (API-key
callers unaffected), and the documents file `gateway persist-documents` builds."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from gateway.config import ConfigError, load_settings
from gateway.http.persisted import document_hash
from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_with
from tests.support.identity import (
    IdentityProvider,
    SigningKey,
    claims,
    identity_provider,
    jwt_env,
)

API_KEY = "gw-persisted-test-key-8d2c4b6a1e9f3057"
LISTED = "query FirstCustomer {\n  customers(first: 1) {\n    totalCount\n  }\n}\n"
ADD = """mutation AddGuest($input: AddCustomerInput!) {
  addCustomer(input: $input) {
    customer {
      id
    }
  }
}
"""
UNLISTED = "{ customers(first: 2) { totalCount } }"


def persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}}


@pytest.fixture
def documents_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    (folder / "mutations").mkdir(parents=True)
    (folder / "first-customer.graphql").write_text(LISTED)
    (folder / "mutations" / "add-guest.graphql").write_text(ADD)
    (folder / "notes.txt").write_text("not a document")
    return folder


def persist(directory: Path) -> subprocess.CompletedProcess[str]:
    """`gateway persist-documents DIR`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", "persist-documents", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def documents_file(documents_dir: Path, tmp_path: Path) -> Path:
    result = persist(documents_dir)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "documents.json"
    path.write_text(result.stdout)
    return path


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate("ES256")


@pytest.fixture
def provider(key: SigningKey) -> Iterator[IdentityProvider]:
    with identity_provider([key]) as provider:
        yield provider


@pytest.fixture
async def required(
    sandboxes: Sandboxes, provider: IdentityProvider, documents_file: Path
) -> AsyncIterator[Gateway]:
    """A gateway taking JWTs and an API key that requires trusted documents."""
    env = jwt_env(
        provider,
        GATEWAY_API_KEYS=API_KEY,
        GATEWAY_PERSISTED_DOCUMENTS=str(documents_file),
        GATEWAY_REQUIRE_PERSISTED="true",
    )
    async with gateway_with(sandboxes, env) as gateway:
        gateway.reset_calls()
        yield gateway


@pytest.fixture
async def optional(sandboxes: Sandboxes, documents_file: Path) -> AsyncIterator[Gateway]:
    """An anonymous demo gateway with trusted documents, not required."""
    env = {"GATEWAY_PERSISTED_DOCUMENTS": str(documents_file)}
    async with gateway_with(sandboxes, env) as gateway:
        gateway.reset_calls()
        yield gateway


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_persist_documents_prints_the_file_of_every_graphql_document(
    documents_dir: Path,
) -> None:
    result = persist(documents_dir)
    assert result.returncode == 0, result.stderr
    assert orjson.loads(result.stdout) == {document_hash(LISTED): LISTED, document_hash(ADD): ADD}
    assert "2 documents" in result.stderr


def test_persist_documents_refuses_a_document_the_schema_rejects(documents_dir: Path) -> None:
    (documents_dir / "typo.graphql").write_text("{ customers(first: 1) { totalCuont } }")
    result = persist(documents_dir)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "typo.graphql" in result.stderr and "totalCuont" in result.stderr


def test_persist_documents_refuses_a_folder_without_documents(tmp_path: Path) -> None:
    result = persist(tmp_path)
    assert result.returncode == 1
    assert "no .graphql files" in result.stderr


async def test_a_persisted_document_runs_by_hash_over_post_and_get(optional: Gateway) -> None:
    post = await optional.http.post("/graphql", json={"extensions": persisted(LISTED)})
    get = await optional.http.get(
        "/graphql", params={"extensions": orjson.dumps(persisted(LISTED)).decode()}
    )
    for response in (post, get):
        assert response.status_code == 200, response.text
        assert response.json()["data"]["customers"]["totalCount"] > 0


async def test_a_persisted_mutation_still_needs_post(optional: Gateway) -> None:
    response = await optional.http.get(
        "/graphql",
        params={
            "extensions": orjson.dumps(persisted(ADD)).decode(),
            "variables": '{"input": {"lastName": "Get"}}',
        },
    )
    assert response.status_code == 405
    assert optional.calls() == {}


async def test_an_unknown_hash_is_persisted_query_not_found_as_apollo_clients_expect(
    optional: Gateway,
) -> None:
    # Apollo's link sends the hash alone, and on this answer the hash with the text.
    response = await optional.http.post("/graphql", json={"extensions": persisted(UNLISTED)})
    assert response.status_code == 200
    assert "no-cache" in response.headers["cache-control"]
    assert response.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    retry = await optional.http.post(
        "/graphql", json={"query": UNLISTED, "extensions": persisted(UNLISTED)}
    )
    assert retry.json()["data"]["customers"]["totalCount"] > 0


async def test_without_a_documents_file_a_hash_is_not_supported(gateway: Gateway) -> None:
    response = await gateway.http.post("/graphql", json={"extensions": persisted(LISTED)})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error == {
        "message": "PersistedQueryNotSupported",
        "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
    }


@pytest.mark.parametrize(
    "body",
    [
        {"query": UNLISTED, "extensions": persisted(LISTED)},  # text and hash disagree
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}},
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": document_hash(LISTED)}}},
        {"extensions": {"persistedQuery": "hash"}},
    ],
)
async def test_malformed_persisted_queries_are_bad_user_input(
    optional: Gateway, body: dict[str, Any]
) -> None:
    response = await optional.http.post("/graphql", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert optional.calls() == {}


async def test_when_required_a_token_caller_runs_only_listed_documents(
    required: Gateway, key: SigningKey
) -> None:
    token = bearer(key.sign(claims()))
    by_hash = await required.http.post(
        "/graphql", json={"extensions": persisted(LISTED)}, headers=token
    )
    assert by_hash.json()["data"]["customers"]["totalCount"] > 0
    by_text = await required.http.post("/graphql", json={"query": LISTED}, headers=token)
    assert by_text.json()["data"]["customers"]["totalCount"] > 0
    required.reset_calls()
    refused = await required.http.post("/graphql", json={"query": UNLISTED}, headers=token)
    assert refused.status_code == 403
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "persistedQuery" in error["message"]
    assert required.calls() == {}


async def test_when_required_api_key_callers_may_send_any_document(required: Gateway) -> None:
    response = await required.http.post(
        "/graphql", json={"query": UNLISTED}, headers=bearer(API_KEY)
    )
    assert response.json()["data"]["customers"]["totalCount"] > 0
    by_hash = await required.http.post(
        "/graphql", json={"extensions": persisted(LISTED)}, headers=bearer(API_KEY)
    )
    assert by_hash.json()["data"]["customers"]["totalCount"] > 0


async def test_when_required_anonymous_callers_run_only_listed_documents(
    sandboxes: Sandboxes, documents_file: Path
) -> None:
    env = {
        "GATEWAY_PERSISTED_DOCUMENTS": str(documents_file),
        "GATEWAY_REQUIRE_PERSISTED": "true",
    }
    async with gateway_with(sandboxes, env) as gateway:
        gateway.reset_calls()
        refused = await gateway.http.post("/graphql", json={"query": UNLISTED})
        assert refused.status_code == 403
        assert gateway.calls() == {}
        listed = await gateway.http.post("/graphql", json={"extensions": persisted(LISTED)})
        assert listed.json()["data"]["customers"]["totalCount"] > 0


async def test_a_persisted_mutation_still_needs_the_write_scope(
    required: Gateway, key: SigningKey
) -> None:
    token = bearer(key.sign(claims(scope="customers:read")))
    response = await required.http.post(
        "/graphql",
        json={"extensions": persisted(ADD), "variables": {"input": {"lastName": "Scoped"}}},
        headers=token,
    )
    assert response.status_code == 403
    assert "customers:write" in response.json()["errors"][0]["message"]
    assert required.calls() == {}


def test_requiring_documents_needs_a_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"GATEWAY_REQUIRE_PERSISTED": "true"})
    assert caught.value.variable == "GATEWAY_PERSISTED_DOCUMENTS"


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", orjson.dumps({"0" * 64: LISTED}), orjson.dumps({"x": 1})],
)
def test_a_malformed_documents_file_names_the_variable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "documents.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings({"GATEWAY_PERSISTED_DOCUMENTS": str(path)})
    assert caught.value.variable == "GATEWAY_PERSISTED_DOCUMENTS"
    assert str(path) in str(caught.value)


async def test_the_demo_gateway_reads_the_file_once_at_start(
    sandboxes: Sandboxes, documents_file: Path
) -> None:
    env = {"GATEWAY_PERSISTED_DOCUMENTS": str(documents_file)}
    async with gateway_with(sandboxes, env) as gateway:
        documents_file.unlink()  # documents are served from memory
        response = await gateway.http.post("/graphql", json={"extensions": persisted(LISTED)})
        assert response.json()["data"]["customers"]["totalCount"] > 0
