"""An upstream's own words reach a client redacted and capped: no configured credential
echoed by an upstream error body, no multi-kilobyte dump, and no upstream text at all on the
anonymous `/readyz`."""

from __future__ import annotations

from typing import Any

import orjson

from gateway.config import Settings
from gateway.logs import secrets_of
from gateway.redaction import REDACTED, UPSTREAM_TEXT_MAX_CHARS
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import Gateway, gateway_with
from tests.resilience.conftest import FAST

FULLWHERE_READ = "query($id: ID!) { customer(id: $id) { id fullwhere { id } } }"
MEWS_READ = (
    "query($ids: [ID!]) { mewsCustomers(filter: {customerIds: $ids}) { edges { node { id } } } }"
)


def _settings(gateway: Gateway) -> Settings:
    settings: Settings = gateway.app.state.settings
    return settings


def _assert_no_secret(settings: Settings, text: str) -> None:
    for secret in secrets_of(settings):
        assert secret not in text


async def test_fullwhere_401_echoing_the_key_and_secret_is_redacted(
    sandboxes: Sandboxes, world: World
) -> None:
    async with gateway_with(sandboxes, {**FAST, "UPSTREAM_RETRIES": "0"}) as gateway:
        fullwhere = _settings(gateway).fullwhere
        assert fullwhere is not None
        echo = {"message": f"bad secret {fullwhere.api_secret} for key {fullwhere.api_key}"}
        sandboxes.fullwhere.control.fail_next(
            "get", 5, status=401, body=orjson.dumps({**echo, "statusCode": 401})
        )
        fw = world.fullwhere_customers[0]
        result = await gateway.post(FULLWHERE_READ, {"id": f"fullwhere:{fw['id']}"})
        (error,) = result["errors"]
        _assert_no_secret(_settings(gateway), error["message"])
        assert f"bad secret {REDACTED} for key {REDACTED}" in error["message"]


async def test_a_mews_400_holding_the_access_token_is_redacted(
    sandboxes: Sandboxes, world: World
) -> None:
    _, guest = next(iter(linked_pairs(world)))
    async with gateway_with(sandboxes, {**FAST, "UPSTREAM_RETRIES": "0"}) as gateway:
        mews = _settings(gateway).mews
        assert mews is not None
        for status in (400, 401):
            body = {"Message": f"Invalid AccessToken {mews.access_token}.", "RequestId": "r"}
            sandboxes.mews.control.fail_next(
                "customers/getAll", status=status, body=orjson.dumps(body)
            )
            gateway.app.state.upstreams.cache.clear()
            result = await gateway.post(MEWS_READ, {"ids": [guest["Id"]]})
            (error,) = result["errors"]
            _assert_no_secret(_settings(gateway), error["message"])
            assert f"Invalid AccessToken {REDACTED}." in error["message"]


async def test_a_200_kb_upstream_message_is_capped(sandboxes: Sandboxes, world: World) -> None:
    huge = "x" * 200_000
    sandboxes.fullwhere.control.fail_next(
        "get", status=409, body=orjson.dumps({"statusCode": 409, "message": huge})
    )
    async with gateway_with(sandboxes, FAST) as gateway:
        fw = world.fullwhere_customers[0]
        result = await gateway.post(FULLWHERE_READ, {"id": f"fullwhere:{fw['id']}"})
    (error,) = result["errors"]
    assert error["message"].startswith("Fullwhere: xxx")
    assert len(error["message"]) <= UPSTREAM_TEXT_MAX_CHARS + len("Fullwhere: ")


async def test_anonymous_readyz_shows_codes_not_upstream_text(sandboxes: Sandboxes) -> None:
    async with gateway_with(sandboxes, {**FAST, "UPSTREAM_RETRIES": "0"}) as gateway:
        fullwhere = _settings(gateway).fullwhere
        assert fullwhere is not None
        text = f"bad secret {fullwhere.api_secret} (internal host db-7.corp)"
        sandboxes.fullwhere.control.fail_next(
            "list", status=401, body=orjson.dumps({"statusCode": 401, "message": text})
        )
        response = await gateway.http.get("/readyz")
    assert response.status_code == 503
    report: dict[str, Any] = response.json()["upstreams"]["fullwhere"]
    assert report == {"status": "unavailable", "code": "UPSTREAM_ERROR", "upstreamStatus": 401}
    assert "db-7.corp" not in response.text
