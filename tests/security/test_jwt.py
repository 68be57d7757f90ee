"""JWT bearer tokens from an identity provider: keys made here, the JWKS served over real HTTP
on a loopback port, the gateway over the seeded sandboxes. Every refusal is checked to cost
no upstream call."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_with
from tests.support.identity import (
    IdentityProvider,
    SigningKey,
    claims,
    hmac_signed_with,
    identity_provider,
    jwt_env,
    unsigned,
)

API_KEY = "gw-jwt-test-key-3f9a1c7e5b2d4f60"
QUERY = "{ customers(first: 1) { totalCount } }"
ADD = """
mutation($input: AddCustomerInput!, $key: String) {
  addCustomer(input: $input, idempotencyKey: $key) { replayed customer { id } }
}"""
GUEST = {"lastName": "Token", "email": "token.holder@example.com"}
ALGORITHMS = ("RS256", "ES256", "EdDSA")


@pytest.fixture(scope="module")
def signing_keys() -> dict[str, SigningKey]:
    return {algorithm: SigningKey.generate(algorithm) for algorithm in ALGORITHMS}


@pytest.fixture
def provider(signing_keys: dict[str, SigningKey]) -> Iterator[IdentityProvider]:
    with identity_provider(list(signing_keys.values())) as provider:
        yield provider


@pytest.fixture
async def gateway(sandboxes: Sandboxes, provider: IdentityProvider) -> AsyncIterator[Gateway]:
    env = jwt_env(provider, GATEWAY_API_KEYS=API_KEY)
    async with gateway_with(sandboxes, env) as gateway:
        gateway.reset_calls()
        yield gateway


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def post(gateway: Gateway, token: str, query: str = QUERY, **variables: Any) -> Any:
    return await gateway.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )


def assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="customer-gateway", error="invalid_token"')
    assert f'error_description="{reason}"' in challenge
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == reason
    assert "data" not in body


def assert_forbidden(response: httpx.Response, scope: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["www-authenticate"] == (
        f'Bearer realm="customer-gateway", error="insufficient_scope", scope="{scope}"'
    )
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert scope in error["message"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_a_valid_token_runs_a_query(
    gateway: Gateway, signing_keys: dict[str, SigningKey], algorithm: str
) -> None:
    response = await post(gateway, signing_keys[algorithm].sign(claims()))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["customers"]["totalCount"] > 0


async def test_a_token_with_the_write_scope_runs_a_mutation(
    gateway: Gateway, signing_keys: dict[str, SigningKey]
) -> None:
    response = await post(gateway, signing_keys["ES256"].sign(claims()), ADD, input=GUEST)
    assert response.json()["data"]["addCustomer"]["customer"]["id"]
    assert gateway.calls() == {"mews:customers/add": 1}


@pytest.mark.parametrize(
    "granted",
    [
        {"scope": "openid customers:read"},
        {"scope": None, "scp": ["customers:read"]},  # Okta
        {"scope": None, "scp": "customers:read profile"},  # Entra ID
    ],
)
async def test_a_token_without_the_write_scope_cannot_run_a_mutation(
    gateway: Gateway, signing_keys: dict[str, SigningKey], granted: dict[str, Any]
) -> None:
    token = signing_keys["RS256"].sign(claims(**granted))
    assert (await post(gateway, token)).status_code == 200  # reading is granted
    gateway.reset_calls()
    assert_forbidden(await post(gateway, token, ADD, input=GUEST), "customers:write")
    assert gateway.calls() == {}


async def test_a_token_without_the_read_scope_cannot_run_a_query(
    gateway: Gateway, signing_keys: dict[str, SigningKey]
) -> None:
    token = signing_keys["EdDSA"].sign(claims(scope="customers:write"))
    assert_forbidden(await post(gateway, token), "customers:read")
    assert gateway.calls() == {}


async def test_a_mutation_cannot_slip_through_get_batching_or_operation_name(
    gateway: Gateway, signing_keys: dict[str, SigningKey]
) -> None:
    read_only = signing_keys["RS256"].sign(claims(scope="customers:read"))
    both = f"query Q {{ __typename }}\n{ADD.replace('mutation(', 'mutation M(')}"
    answers = [
        await gateway.http.get(
            "/graphql", params={"query": "mutation { __typename }"}, headers=bearer(read_only)
        ),
        await gateway.http.post(
            "/graphql",
            json=[{"query": QUERY}, {"query": ADD, "variables": {"input": GUEST}}],
            headers=bearer(read_only),
        ),
        await gateway.http.post(
            "/graphql",
            json={"query": both, "operationName": "M", "variables": {"input": GUEST}},
            headers=bearer(read_only),
        ),
    ]
    assert [a.status_code for a in answers] == [405, 400, 403]
    assert gateway.calls() == {}


# The claims that differ from a valid token's; the token is made when the test runs, so its
# `exp` (five minutes on) holds however long the suite took to get there.
REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "expired": ({"exp": 1_000_000_000}, "the token has expired"),
    "not yet valid": ({"nbf": 4_000_000_000}, "the token is not valid yet"),
    "wrong issuer": ({"iss": "https://evil.example/"}, "the token issuer is not accepted"),
    "wrong audience": ({"aud": "another-api"}, "the token audience is not accepted"),
    "no subject": ({"sub": ""}, "the token has no sub claim"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_tokens_failing_a_claim_check_are_refused_without_an_upstream_call(
    gateway: Gateway, signing_keys: dict[str, SigningKey], case: str
) -> None:
    changed, reason = REFUSALS[case]
    assert_refused(await post(gateway, signing_keys["RS256"].sign(claims(**changed))), reason)
    assert gateway.calls() == {}


async def test_forged_tokens_are_refused_without_an_upstream_call(
    gateway: Gateway, signing_keys: dict[str, SigningKey]
) -> None:
    rsa, ec = signing_keys["RS256"], signing_keys["ES256"]
    good = rsa.sign(claims())
    head, _, signature = good.split(".")
    elevated = rsa.sign(claims(sub="admin"))
    impostor = SigningKey.generate("RS256")
    impostor.kid = rsa.kid  # an attacker's key under a published kid
    cases = {
        "alg none": (
            unsigned({"alg": "none", "kid": rsa.kid}, claims()),
            "the token algorithm is not one of RS256, ES256, EdDSA",
        ),
        "HMAC with the public key": (
            hmac_signed_with(rsa.public_pem(), rsa.kid, claims()),
            "the token algorithm is not one of RS256, ES256, EdDSA",
        ),
        "tampered payload": (
            f"{head}.{elevated.split('.')[1]}.{signature}",
            "the token signature is invalid",
        ),
        "another key under a known kid": (
            impostor.sign(claims()),
            "the token signature is invalid",
        ),
        "alg switched to the other key type": (
            ec.sign(claims(), kid=rsa.kid),
            "the token algorithm does not match its signing key",
        ),
        "unknown kid": (
            SigningKey.generate("ES256").sign(claims()),
            "the token signing key is unknown",
        ),
        "not a JWT": ("a.b.c", "the token is malformed"),
    }
    for case, (token, reason) in cases.items():
        response = await post(gateway, token)
        assert response.status_code == 401, case
        assert_refused(response, reason)
    assert gateway.calls() == {}


async def test_api_keys_keep_working_with_both_scopes(gateway: Gateway) -> None:
    response = await post(gateway, API_KEY, ADD, input=GUEST)
    assert response.json()["data"]["addCustomer"]["customer"]["id"]
    response = await gateway.http.post("/graphql", json={"query": QUERY}, headers=bearer("nope"))
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "invalid API key or token"


async def test_without_a_credential_the_challenge_names_both_kinds(gateway: Gateway) -> None:
    response = await gateway.http.post("/graphql", json={"query": QUERY})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="customer-gateway"'
    assert "API key or token" in response.json()["errors"][0]["message"]


async def test_graphiql_page_stays_open_and_its_queries_take_a_token(
    gateway: Gateway, signing_keys: dict[str, SigningKey]
) -> None:
    page = await gateway.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    token = signing_keys["ES256"].sign(claims(scope="customers:read"))
    response = await gateway.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers=bearer(token)
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_rotated_key_is_picked_up_after_one_jwks_refresh(
    sandboxes: Sandboxes, signing_keys: dict[str, SigningKey]
) -> None:
    old, new = signing_keys["RS256"], SigningKey.generate("RS256")
    with identity_provider([old]) as provider:
        env = jwt_env(provider, GATEWAY_JWKS_MIN_REFRESH_SECONDS="0")
        async with gateway_with(sandboxes, env) as gateway:
            assert (await post(gateway, old.sign(claims()))).status_code == 200
            assert provider.hits == 1
            provider.keys = [new, old]  # the provider rotates: the new key signs from now
            assert (await post(gateway, new.sign(claims()))).status_code == 200
            assert provider.hits == 2
            for token in (new.sign(claims()), old.sign(claims())):
                assert (await post(gateway, token)).status_code == 200
            assert provider.hits == 2  # both keys cached now


async def test_random_kids_cost_at_most_one_jwks_fetch_per_interval(
    sandboxes: Sandboxes, signing_keys: dict[str, SigningKey]
) -> None:
    key = signing_keys["ES256"]
    with identity_provider([key]) as provider:
        async with gateway_with(sandboxes, jwt_env(provider)) as gateway:
            tokens = [key.sign(claims(), kid=uuid.uuid4().hex) for _ in range(100)]
            answers = await asyncio.gather(*(post(gateway, token) for token in tokens))
            assert {a.status_code for a in answers} == {401}
            # The first miss loaded the set; the other 99 waited for it and then found
            # that the set was fetched less than an interval ago.
            assert provider.hits == 1
            assert (await post(gateway, key.sign(claims()))).status_code == 200
            assert provider.hits == 1


async def test_an_unreachable_jwks_is_503_and_costs_no_upstream_call(
    sandboxes: Sandboxes, signing_keys: dict[str, SigningKey]
) -> None:
    with identity_provider([signing_keys["RS256"]]) as provider:
        provider.down = True
        async with gateway_with(sandboxes, jwt_env(provider)) as gateway:
            gateway.reset_calls()
            response = await post(gateway, signing_keys["RS256"].sign(claims()))
            assert response.status_code == 503
            assert int(response.headers["retry-after"]) >= 1
            (error,) = response.json()["errors"]
            assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
            assert "identity provider" in error["message"]
            assert gateway.calls() == {}


async def test_callers_never_share_an_idempotency_key(
    gateway: Gateway, signing_keys: dict[str, SigningKey]
) -> None:
    key = signing_keys["EdDSA"]
    alice, alice_again, bob = (
        key.sign(claims("alice")),
        key.sign(claims("alice")),  # a refreshed token of the same user
        key.sign(claims("bob")),
    )
    first = await post(gateway, alice, ADD, input=GUEST, key="k-1")
    assert first.json()["data"]["addCustomer"]["replayed"] is False
    again = await post(gateway, alice_again, ADD, input=GUEST, key="k-1")
    assert again.json()["data"]["addCustomer"]["replayed"] is True
    assert gateway.calls() == {"mews:customers/add": 1}
    # Bob's key is his own: his write is sent (and Mews refuses the taken email).
    other = await post(gateway, bob, ADD, input=GUEST, key="k-1")
    assert other.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gateway.calls() == {"mews:customers/add": 2}


async def test_the_request_log_line_names_the_caller(
    gateway: Gateway, signing_keys: dict[str, SigningKey], caplog: pytest.LogCaptureFixture
) -> None:
    token = signing_keys["ES256"].sign(claims("user-42\nforged", scope="customers:read"))
    with caplog.at_level(logging.INFO, logger="gateway.http"):
        response = await post(gateway, token, ADD, input=GUEST)
    assert response.status_code == 403
    lines = [r.getMessage() for r in caplog.records if "answered 403" in r.getMessage()]
    assert lines == [
        f"request {response.headers['x-request-id']}: POST /graphql answered 403; "
        "caller jwt sub=user-42\\nforged client=web-app"
    ]
