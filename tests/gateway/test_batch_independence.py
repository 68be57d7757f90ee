"""Requests stay independent in a shared Mews batch: when Mews refuses a merged getAll for
one of its ids, the batch is split until the refused id is alone, so only the request that
asked for it fails; the splits are counted in `/metrics`."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.app import create_app
from gateway.config import load_settings
from gateway.sandbox.demo import Sandboxes
from tests.conftest import Gateway, gateway_http, gateway_with
from tests.observability.test_metrics_workers import samples

POISON = str(uuid.uuid4())  # well-formed, unknown to Mews, and refused by it
READ = "query($id: ID!) { customer(id: $id) { id mews { mewsId lastName } } }"


class RefusesOneId:
    """The Mews sandbox, except that a getAll naming `POISON` among its `CustomerIds` is
    answered as Mews answered it: 400, "Invalid CustomerIds"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/customers/getAll"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if POISON in (orjson.loads(body).get("CustomerIds") or []):
            self.refused += 1
            await _refuse(send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Send) -> None:
    error = {"Message": "Invalid CustomerIds.", "RequestId": str(uuid.uuid4()), "Details": None}
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": orjson.dumps(error)})


async def test_innocent_reads_batched_with_a_refused_id_all_succeed(
    sandboxes: Sandboxes,
) -> None:
    mews = RefusesOneId(sandboxes.mews.app)
    app = create_app(
        load_settings({}, demo=True),
        sandboxes=sandboxes,
        mews_transport=httpx.ASGITransport(app=mews),
    )
    innocent = list(sandboxes.mews.customers)[:200]
    async with gateway_http(app) as http:
        gateway = Gateway(http, sandboxes, app)
        before = (await http.get("/metrics")).text
        results: list[Any] = await asyncio.gather(
            gateway.post(READ, {"id": f"mews:{POISON}"}),
            *(gateway.post(READ, {"id": f"mews:{id_}"}) for id_ in innocent),
        )
        after = (await http.get("/metrics")).text
    poisoned, *others = results
    assert mews.refused >= 1  # the merged batch was refused, at least once
    for id_, result in zip(innocent, others, strict=True):
        assert "errors" not in result, result["errors"]
        assert result["data"]["customer"]["mews"]["mewsId"] == id_
    [error] = poisoned["errors"]
    assert error["extensions"]["source"] == "mews"
    assert "Invalid CustomerIds" in error["message"]
    splits = sum(samples(after, "gateway_batch_splits_total").values()) - sum(
        samples(before, "gateway_batch_splits_total").values()
    )
    assert splits >= 1


async def test_a_mews_refusing_every_batch_costs_a_bounded_number_of_calls(
    sandboxes: Sandboxes,
) -> None:
    refusal = {"Message": "Invalid CustomerIds.", "RequestId": "r-1", "Details": None}
    sandboxes.mews.control.fail_next(
        "customers/getAll", 1000, status=400, body=orjson.dumps(refusal)
    )
    ids = list(sandboxes.mews.customers)[:100]
    async with gateway_with(sandboxes) as gateway:
        results: list[Any] = await asyncio.gather(
            *(gateway.post(READ, {"id": f"mews:{id_}"}) for id_ in ids)
        )
    assert all(result["errors"][0]["extensions"]["source"] == "mews" for result in results)
    # One merged call, and splits bounded by twice the 7 halvings that isolate one of 100.
    assert 1 < sandboxes.mews.control.calls["customers/getAll"] <= 1 + 2 * 7


async def test_a_refusal_that_does_not_name_the_ids_is_not_split(sandboxes: Sandboxes) -> None:
    sandboxes.mews.control.fail_next("customers/getAll", 1000, status=400)  # "Invalid request."
    ids = list(sandboxes.mews.customers)[:100]
    async with gateway_with(sandboxes) as gateway:
        results: list[Any] = await asyncio.gather(
            *(gateway.post(READ, {"id": f"mews:{id_}"}) for id_ in ids)
        )
    assert all(result["errors"][0]["extensions"]["source"] == "mews" for result in results)
    # No split: one call per batch (the 100 reads go out in one, or two under load).
    assert sandboxes.mews.control.calls["customers/getAll"] <= 2
