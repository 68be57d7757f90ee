"""SettlingLoader: one batch while the request's reads keep landing; a slow read is not
waited for."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gateway.data.batching import Settle, SettlingLoader


def loader(settle: Settle, batches: list[list[str]]) -> SettlingLoader[str, str]:
    async def batch(keys: Sequence[str]) -> list[str]:
        batches.append(list(keys))
        return [key.upper() for key in keys]

    return SettlingLoader(batch, settle, max_wait=0.05)


async def test_keys_from_reads_landing_one_after_another_go_out_in_one_batch() -> None:
    settle, batches = Settle(), list[list[str]]()
    mews = loader(settle, batches)

    async def read_then_load(i: int) -> str:
        with settle.busy():
            await asyncio.sleep(0.03 * i)  # reads land 30 ms apart: 150 ms in all
            future = mews.load(f"k{i}")
        return await future

    assert await asyncio.gather(*(read_then_load(i) for i in range(1, 6))) == [
        "K1",
        "K2",
        "K3",
        "K4",
        "K5",
    ]
    assert batches == [["k1", "k2", "k3", "k4", "k5"]]


async def test_a_slow_read_does_not_hold_the_batch_back() -> None:
    settle, batches = Settle(), list[list[str]]()
    mews = loader(settle, batches)
    events: list[str] = []

    async def fast() -> str:
        with settle.busy():
            await asyncio.sleep(0)
            future = mews.load("fast")
        value = await future
        events.append("fast loaded")
        return value

    async def slow() -> None:
        with settle.busy():
            await asyncio.sleep(0.5)
            events.append("slow read done")

    await asyncio.gather(fast(), slow())
    assert events == ["fast loaded", "slow read done"]
    assert batches == [["fast"]]


async def test_with_nothing_in_flight_a_batch_goes_out_at_once() -> None:
    settle, batches = Settle(), list[list[str]]()
    mews = loader(settle, batches)
    assert await mews.load_many(["a", "b", "a"]) == ["A", "B", "A"]
    assert batches == [["a", "b"]]
