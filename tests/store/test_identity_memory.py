"""What the identity index costs in Redis per record, measured on a real `redis-server` with
records shaped like real ones (UUID ids, an email, a phone, a first and a last name, a
quarter of the Fullwhere customers linked): at most 800 bytes, where one key per record and
per value took about 1,700. `./dev bench-identity` measures it at scale (docs/identity.md)."""

from __future__ import annotations

import random
import uuid

from gateway.identity.index import FullwhereEntry, MewsEntry
from gateway.identity.keys import name_keys
from gateway.identity.redis import RedisIdentityIndex
from gateway.identity.sync import FULLWHERE_PAGE, MEWS_PAGE
from gateway.store import connect
from tests.support.redis_server import RedisServer

PEOPLE = 5000  # per source
#: Buckets for this many records: as full as the default's are at a million.
BUCKETS = 64
FIRST = ["Ann", "Ben", "Chloé", "David", "Élodie", "Farid", "Grace", "Hugo", "Inès", "Jules"]
LAST = ["Martin", "Bernard", "Dubois", "Lee", "Smith", "Walker", "Blanc", "Roux", "Fontaine"]


def _records(rng: random.Random) -> tuple[list[FullwhereEntry], list[MewsEntry]]:
    def person(n: int) -> tuple[str, str | None, str | None, frozenset[str]]:
        first, last = rng.choice(FIRST), rng.choice(LAST) + rng.choice("abcdefgh") * 2
        email = f"{first}.{last}.{n}@example.com".lower()
        return (
            str(uuid.UUID(int=rng.getrandbits(128))),
            email,
            f"+336{n:08d}",
            name_keys(first, last),
        )

    guests = [MewsEntry(*person(n)) for n in range(PEOPLE)]
    customers = []
    for n in range(PEOPLE):
        record_id, email, phone, names = person(PEOPLE + n)
        linked = guests[n].id if n % 4 == 0 else None
        method = "MEWS_ID" if linked else "NONE"
        customers.append(FullwhereEntry(record_id, linked, method, email, phone, names))
    return customers, guests


async def test_the_index_takes_at_most_800_bytes_a_record(redis_server: RedisServer) -> None:
    store = connect(redis_server.url, timeout=30.0)
    index = RedisIdentityIndex(store, buckets=BUCKETS)
    customers, guests = _records(random.Random(7))
    try:
        before = int((await store.client.info("memory"))["used_memory"])
        for start in range(0, PEOPLE, MEWS_PAGE):
            await index.put_mews(guests[start : start + MEWS_PAGE])
        for start in range(0, PEOPLE, FULLWHERE_PAGE):
            await index.put_fullwhere(customers[start : start + FULLWHERE_PAGE])
        after = int((await store.client.info("memory"))["used_memory"])
        # What was written is found again.
        probe = customers[PEOPLE // 2 + 4]
        assert await index.linked_from(guests[PEOPLE // 2 + 4].id) == [probe.id]
    finally:
        await store.aclose()
    per_record = (after - before) / (2 * PEOPLE)
    assert per_record <= 800, f"{per_record:.0f} bytes a record"
