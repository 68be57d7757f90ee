"""Remembered mutation answers as bytes and back: the payload types come back equal, and
nothing outside the gateway's own types is ever built from what Redis holds."""

from __future__ import annotations

import pytest

from gateway.graphql.customer import Customer, LinkMethod
from gateway.graphql.mutation import ImportChunk, ImportChunkStatus, ImportCustomersPayload
from gateway.store import codec


def test_payloads_come_back_equal() -> None:
    payload = ImportCustomersPayload(
        imported_count=2,
        failed_count=0,
        chunks=[
            ImportChunk(
                index=0,
                first_index=0,
                last_index=1,
                count=2,
                status=ImportChunkStatus.IMPORTED,
                error=None,
            )
        ],
        imported_indexes=[0, 1],
        failed_indexes=[],
    )
    assert codec.loads(codec.dumps(payload)) == payload


def test_a_customer_comes_back_without_its_request_state() -> None:
    customer = Customer.from_mews({"Id": "m-1", "LastName": "Doe", "Notes": None})
    back = codec.loads(codec.dumps(customer))
    assert isinstance(back, Customer)
    assert back.mews_record == customer.mews_record
    assert back.link_method is LinkMethod.MEWS_ONLY
    assert back.mews_pending is None


@pytest.mark.parametrize("path", ["os:system", "subprocess:Popen", "builtins:eval"])
def test_nothing_outside_the_gateway_is_built(path: str) -> None:
    with pytest.raises(ValueError, match="not a gateway type"):
        codec.loads(b'{"$t": "%s", "f": {}}' % path.encode())


def test_an_answer_stored_before_the_types_moved_still_comes_back() -> None:
    # Keys remembered in Redis by a version whose GraphQL types lived in `gateway.schema`.
    stored = b'{"$e": "gateway.schema.mutation:ImportChunkStatus", "v": "IMPORTED"}'
    assert codec.loads(stored) is ImportChunkStatus.IMPORTED
