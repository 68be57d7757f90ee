"""Every task and coroutine a request starts settles, also when an upstream fails and a
non-null root field nulls the whole answer (its siblings' loads are then cancelled)."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import gateway.graphql
from gateway.sandbox.demo import Sandboxes
from tests.conftest import gateway_with
from tests.resilience.conftest import FAST


@contextmanager
def unsettled_work() -> Iterator[list[str]]:
    """What the loop reports about its tasks (`Task exception was never retrieved`) and the
    `never awaited` warnings, collected while the block runs and after a full collection."""
    reports: list[str] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reports.append(str(context)))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield reports
            gc.collect()
        reports += [str(w.message) for w in caught if "never awaited" in str(w.message)]
    finally:
        loop.set_exception_handler(previous)


def large_query(mews_ids: list[str]) -> str:
    """A failing non-null root (`customers`, from Fullwhere) beside many pending Mews loads."""
    nodes = " ".join(
        f'n{i}: node(id: "mews:{id_}") {{ ... on Customer {{ mews {{ lastName }} }} }}'
        for i, id_ in enumerate(mews_ids)
    )
    return f"{{ customers(first: 5) {{ edges {{ node {{ id }} }} }} {nodes} }}"


@pytest.mark.parametrize("executor", ["fast", "graphql-core"])
async def test_a_failed_root_leaves_no_unsettled_task_nor_unawaited_coroutine(
    sandboxes: Sandboxes, executor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if executor == "graphql-core":
        monkeypatch.setattr(gateway.graphql, "EXECUTOR", None)
    ids = list(sandboxes.mews.customers)[:40]
    sandboxes.fullwhere.control.fail_next("list", 100, status=500)
    sandboxes.mews.control.latency = 0.1  # the Mews batch lands after the root failed
    with unsettled_work() as reports:
        async with gateway_with(sandboxes, FAST) as client:
            result: Any = await client.post(large_query(ids))
            assert result["data"] is None
            assert result["errors"][0]["path"] == ["customers"]
            await asyncio.sleep(0.3)  # the cancelled loads' batch lands and settles
    assert reports == []
