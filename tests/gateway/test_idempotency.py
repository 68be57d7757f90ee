"""`idempotencyKey` on mutations: a repeat returns the first answer without writing again,
concurrent repeats share one write, another input under the same key is refused."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from gateway.data.idempotency import IdempotencyStore
from gateway.sandbox.world import World
from tests.conftest import Gateway

ADD = """
mutation($input: AddCustomerInput!, $key: String) {
  addCustomer(input: $input, idempotencyKey: $key) { replayed customer { id lastName } }
}"""

IMPORT_MANY = """
mutation($input: [ImportCustomerInput!]!, $key: String) {
  importCustomers(input: $input, idempotencyKey: $key) {
    replayed importedCount importedIndexes
  }
}"""

ATTACH = """
mutation($input: AttachCustomerFileInput!, $key: String) {
  attachCustomerFile(input: $input, idempotencyKey: $key) { replayed fileId }
}"""

MERGE = """
mutation($s: ID!, $t: ID!, $key: String) {
  mergeCustomers(sourceId: $s, targetId: $t, idempotencyKey: $key) { replayed via }
}"""

GUEST = {"lastName": "Once", "email": "once@example.com"}


async def test_a_repeat_returns_the_first_answer_without_writing_again(
    gateway: Gateway,
) -> None:
    first = (await gateway.data(ADD, {"input": GUEST, "key": "k-1"}))["addCustomer"]
    assert first["replayed"] is False
    again = (await gateway.data(ADD, {"input": GUEST, "key": "k-1"}))["addCustomer"]
    assert again == {**first, "replayed": True}
    assert gateway.calls() == {"mews:customers/add": 1}
    # Without the key the same add is a new write, which Mews refuses (email taken).
    result = await gateway.post(ADD, {"input": GUEST})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_same_key_with_another_input_is_refused(gateway: Gateway) -> None:
    await gateway.data(ADD, {"input": GUEST, "key": "k-2"})
    gateway.reset_calls()
    result = await gateway.post(ADD, {"input": {**GUEST, "lastName": "Twice"}, "key": "k-2"})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "idempotencyKey"
    assert gateway.calls() == {}
    # ... and so is the same key on another mutation.
    result = await gateway.post(IMPORT_MANY, {"input": [{"lastName": "X"}], "key": "k-2"})
    assert result["errors"][0]["extensions"]["argument"] == "idempotencyKey"
    assert gateway.calls() == {}


async def test_concurrent_repeats_share_one_write(gateway: Gateway) -> None:
    gateway.sandboxes.mews.control.latency = 0.05  # keeps the first write in flight
    results = await asyncio.gather(
        *(gateway.data(ADD, {"input": GUEST, "key": "k-3"}) for _ in range(10))
    )
    payloads = [r["addCustomer"] for r in results]
    assert len({p["customer"]["id"] for p in payloads}) == 1
    assert sorted(p["replayed"] for p in payloads) == [False] + [True] * 9
    assert gateway.calls() == {"mews:customers/add": 1}


async def test_a_failed_write_is_not_remembered(gateway: Gateway) -> None:
    # A refusal (400): Mews did not apply it, so the same key may be used again.
    gateway.sandboxes.mews.control.fail_next("customers/add", status=400)
    failed = await gateway.post(ADD, {"input": GUEST, "key": "k-4"})
    assert failed["errors"][0]["extensions"]["mayHaveBeenApplied"] is False
    retried = (await gateway.data(ADD, {"input": GUEST, "key": "k-4"}))["addCustomer"]
    assert retried["replayed"] is False and retried["customer"]["lastName"] == "Once"
    assert gateway.calls() == {"mews:customers/add": 2}


async def test_a_write_that_may_have_been_applied_is_never_sent_again(gateway: Gateway) -> None:
    # Mews answers 500 to the add: whether it created the guest is unknown.
    gateway.sandboxes.mews.control.fail_next("customers/add", status=500)
    failed = await gateway.post(ADD, {"input": GUEST, "key": "k-maybe"})
    assert failed["errors"][0]["extensions"]["mayHaveBeenApplied"] is True
    repeats = [await gateway.post(ADD, {"input": GUEST, "key": "k-maybe"}) for _ in range(3)]
    for repeat in repeats:
        (error,) = repeat["errors"]
        assert error["extensions"]["mayHaveBeenApplied"] is True
        assert error["extensions"]["argument"] == "idempotencyKey"
        assert "not sent again" in error["message"]
    assert gateway.calls() == {"mews:customers/add": 1}


async def test_a_batch_import_is_not_sent_twice(gateway: Gateway) -> None:
    items = [{"email": f"idem{i}@example.com"} for i in range(3)]
    first = (await gateway.data(IMPORT_MANY, {"input": items, "key": "k-5"}))["importCustomers"]
    again = (await gateway.data(IMPORT_MANY, {"input": items, "key": "k-5"}))["importCustomers"]
    assert again == {**first, "replayed": True}
    assert gateway.calls() == {"fullwhere:batch": 1}


async def test_an_upload_repeat_is_recognised_by_its_content(
    gateway: Gateway, world: World
) -> None:
    guest = next(m["Id"] for m in world.mews_customers if m.get("IsActive"))

    def attach(content: bytes) -> dict[str, Any]:
        return {
            "input": {
                "customerId": f"mews:{guest}",
                "name": "a.pdf",
                "type": "application/pdf",
                "data": base64.b64encode(content).decode(),
            },
            "key": "k-6",
        }

    first = (await gateway.data(ATTACH, attach(b"%PDF-1.4 one")))["attachCustomerFile"]
    again = (await gateway.data(ATTACH, attach(b"%PDF-1.4 one")))["attachCustomerFile"]
    assert again == {**first, "replayed": True}
    other = await gateway.post(ATTACH, attach(b"%PDF-1.4 two"))
    assert other["errors"][0]["extensions"]["argument"] == "idempotencyKey"
    assert gateway.calls() == {"mews:customers/addFile": 1}


async def test_a_merge_repeat_makes_no_call_at_all(gateway: Gateway, world: World) -> None:
    active = [m["Id"] for m in world.mews_customers if m.get("IsActive")][-2:]
    variables = {"s": f"mews:{active[0]}", "t": f"mews:{active[1]}", "key": "k-7"}
    await gateway.data(MERGE, variables)
    gateway.reset_calls()
    again = (await gateway.data(MERGE, variables))["mergeCustomers"]
    assert again["replayed"] is True
    assert gateway.calls() == {}


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "tab\there"])
async def test_unusable_keys_are_refused(gateway: Gateway, key: str) -> None:
    result = await gateway.post(ADD, {"input": GUEST, "key": key})
    (error,) = result["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "idempotencyKey"}
    assert gateway.calls() == {}


# --- the store on its own ----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_results_expire_after_the_ttl() -> None:
    clock = Clock()
    store = IdempotencyStore(ttl=60, maxsize=10, timer=clock)
    calls = 0

    async def work() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert await store.run("k", "fp", work) == (1, False)
    clock.now = 59
    assert await store.run("k", "fp", work) == (1, True)
    clock.now = 61
    assert await store.run("k", "fp", work) == (2, False)


async def test_the_store_is_bounded() -> None:
    store = IdempotencyStore(ttl=60, maxsize=2)

    async def work() -> str:
        return "done"

    for key in ("a", "b", "c"):
        await store.run(key, "fp", work)
    assert len(store) == 2
    assert await store.run("a", "fp", work) == ("done", False)  # the oldest was dropped


async def test_the_store_is_bounded_in_bytes() -> None:
    result = {"customers": [{"id": str(i), "notes": "n" * 1000} for i in range(10)]}
    one = IdempotencyStore(ttl=60, maxsize=1000)

    async def work() -> dict[str, Any]:
        return result

    await one.run("k", "fp", work)
    size = one.size_in_bytes
    store = IdempotencyStore(ttl=60, maxsize=1000, max_bytes=5 * size)
    for i in range(50):
        await store.run(f"k{i}", "fp", work)
    assert len(store) == 5 and store.size_in_bytes == 5 * size
    assert await store.run("k49", "fp", work) == (result, True)  # the latest are kept


async def test_a_cancelled_first_call_hands_over_to_a_waiting_repeat() -> None:
    store = IdempotencyStore(ttl=60, maxsize=10)
    started = asyncio.Event()
    calls = 0

    async def slow() -> str:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.sleep(10 if calls == 1 else 0)
        return f"call {calls}"

    first = asyncio.create_task(store.run("k", "fp", slow))
    await started.wait()
    second = asyncio.create_task(store.run("k", "fp", slow))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == ("call 2", False)
    assert calls == 2
