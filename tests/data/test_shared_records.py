"""A Mews record read by id is shared, not copied: the batcher hands one record to every
request that asked for it (and the read cache keeps that same object), so nothing that reads
a record may change it. Here every record the batcher returns refuses any change, and every
field of a page of customers (with their Mews profiles, twice: cold, then from the cache)
still answers what it answers over ordinary records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.upstream.batcher import MewsBatcher
from tests.conftest import gateway_with
from tests.graphql.test_answer_identity import LIMITS, _every_page, _query, _selections


class SharedRecordChanged(TypeError):
    pass


def _refuse(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise SharedRecordChanged("a shared Mews record was changed")


class _ReadOnlyDict(dict[str, Any]):
    __setitem__ = __delitem__ = __ior__ = _refuse
    update = pop = popitem = setdefault = clear = _refuse


class _ReadOnlyList(list[Any]):
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = sort = reverse = clear = _refuse


def read_only(value: Any) -> Any:
    """`value` with every dict and list in it refusing changes."""
    if isinstance(value, dict):
        return _ReadOnlyDict({key: read_only(item) for key, item in value.items()})
    if isinstance(value, list):
        return _ReadOnlyList(read_only(item) for item in value)
    return value


@pytest.fixture
def read_only_mews_records() -> Iterator[list[Any]]:
    """Every record the Mews batcher reads by id, read-only; yields them as handed out."""
    handed: list[Any] = []
    read = MewsBatcher._customers

    async def customers(self: MewsBatcher, ids: list[str]) -> dict[str, Any]:
        found = {key: read_only(record) for key, record in (await read(self, ids)).items()}
        handed.extend(found.values())
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MewsBatcher, "_customers", customers)
        yield handed


def test_the_read_only_record_refuses_changes_at_every_depth() -> None:
    record = read_only({"Id": "1", "Options": ["A"], "Address": {"City": "Praha"}})
    changes: list[Callable[[], object]] = [
        lambda: record.update(Id="2"),
        lambda: record.__setitem__("Id", "2"),
        lambda: record["Options"].append("B"),
        lambda: record["Address"].pop("City"),
    ]
    for change in changes:
        with pytest.raises(SharedRecordChanged):
            change()
    assert record == {"Id": "1", "Options": ["A"], "Address": {"City": "Praha"}}


@pytest.mark.parametrize("ttl", ["0", "60"], ids=["uncached", "cached"])
async def test_no_field_of_a_customer_changes_the_shared_mews_record(
    ttl: str, sandboxes: Sandboxes, read_only_mews_records: list[Any]
) -> None:
    env = {**LIMITS, "CACHE_TTL_SECONDS": ttl}
    every_field = _query("Customer", _selections("Customer")[0])
    async with gateway_with(sandboxes, env) as gateway:
        first = await _every_page(gateway, every_field)
        again = await _every_page(gateway, every_field)  # from the cache when there is one
    assert read_only_mews_records, "the page read no Mews record through the batcher"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MewsBatcher, "_customers", _ORDINARY)
        async with gateway_with(sandboxes, env) as gateway:
            ordinary = await _every_page(gateway, every_field)
    for answers in (first, again):
        assert all("errors" not in page for page in answers), answers[0].get("errors")
        assert answers == ordinary


_ORDINARY = MewsBatcher._customers
