"""The identity index at scale: `./dev bench-identity [--people N]`.

Generates N Fullwhere customers and N Mews guests (1,000,000 each by default) straight into
a `redis-server` of its own on loopback (not through the sandboxes: at the real rate limits
that would take hours), then prints:

- the index's memory in Redis (`used_memory` after, less before) and per person;
- the latency of lookups (by email, phone, name prefix, a Mews id's link, a page of the
  Mews-only list), p50 and p99 over repeated calls;
- an estimate of one full sync against the real upstreams: the pages and calls it needs,
  times the per-page cost measured here (the index writes) plus the upstream's time per
  call (`--fullwhere-page-ms`, `--mews-call-ms`), and the Mews calls held to
  `SYNC_MEWS_BUDGET` of 200 calls per 30 s.

A quarter of the Fullwhere customers link a guest by `mewsId` and a twentieth by metadata,
roughly as in the demo world. Nothing leaves the machine; the server stops when done.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from processes import redis_server  # noqa: E402

from gateway.identity.index import FullwhereEntry, Lookup, MewsEntry  # noqa: E402
from gateway.identity.keys import name_keys  # noqa: E402
from gateway.identity.redis import RedisIdentityIndex  # noqa: E402
from gateway.identity.sync import DEFAULT_MEWS_BUDGET, FULLWHERE_PAGE, MEWS_PAGE  # noqa: E402
from gateway.store.redis import connect  # noqa: E402

FIRST = ["Ann", "Ben", "Chloé", "David", "Élodie", "Farid", "Grace", "Hugo", "Inès", "Jules"]
LAST = ["Martin", "Bernard", "Dubois", "Lee", "Smith", "Walker", "Blanc", "Roux", "Fontaine"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MEWS_LIMIT, MEWS_WINDOW = 200, 30.0
#: Mews `UpdatedUtc` windows of 3 months since 2012: what a first sync walks at least.
MEWS_WINDOWS = math.ceil((2027 - 2012) * 4)


def _person(rng: random.Random, n: int) -> tuple[str, str, str, str]:
    # About 6,000 surnames (a surname stem and two letters): a long tail, as real names have.
    first = rng.choice(FIRST)
    last = rng.choice(LAST) + rng.choice(LETTERS) + rng.choice(LETTERS)
    email = f"{first}.{last}.{n}@example.com".lower()
    phone = f"+336{n:08d}"
    return first, last, email, phone


def entries(n: int, rng: random.Random) -> tuple[list[FullwhereEntry], list[MewsEntry]]:
    guests, customers = [], []
    for i in range(n):
        first, last, email, phone = _person(rng, i)
        guests.append(
            MewsEntry(f"{i:08x}-0000-4000-8000-000000000000", email, phone, name_keys(first, last))
        )
    for i in range(n):
        first, last, email, phone = _person(rng, n + i)
        roll = rng.random()
        link, method = (None, "NONE")
        if roll < 0.25:
            link, method = guests[i].id, "MEWS_ID"
        elif roll < 0.30:
            link, method = guests[i].id, "METADATA"
        customers.append(
            FullwhereEntry(f"fw-{i:08d}", link, method, email, phone, name_keys(first, last))
        )
    return customers, guests


def _progress(source: str, done: int, total: int, started: float) -> None:
    if done % 100_000 == 0 or done >= total:
        elapsed = time.perf_counter() - started
        print(f"[{source}] {min(done, total):,}/{total:,} in {elapsed:.0f} s", file=sys.stderr)


async def _timed(call: Callable[[], Awaitable[object]], times: int) -> tuple[float, float]:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]


async def run(args: argparse.Namespace, url: str) -> None:
    store = connect(url, timeout=30.0)
    index = RedisIdentityIndex(store)
    rng = random.Random(7)
    customers, guests = entries(args.people, rng)
    before = int((await store.client.info("memory"))["used_memory"])
    started = time.perf_counter()
    for offset in range(0, len(guests), MEWS_PAGE):
        await index.put_mews(guests[offset : offset + MEWS_PAGE])
        _progress("mews", offset + MEWS_PAGE, len(guests), started)
    mews_s = time.perf_counter() - started
    started = time.perf_counter()
    for offset in range(0, len(customers), FULLWHERE_PAGE):
        await index.put_fullwhere(customers[offset : offset + FULLWHERE_PAGE])
        _progress("fullwhere", offset + FULLWHERE_PAGE, len(customers), started)
    fullwhere_s = time.perf_counter() - started
    after = int((await store.client.info("memory"))["used_memory"])
    people = len(customers) + len(guests)
    print(f"# Identity index at scale: {len(customers):,} Fullwhere + {len(guests):,} Mews")
    print()
    grown = after - before
    print(f"Redis memory: {grown / 2**20:,.0f} MiB, {grown / people:.0f} B per record")
    print(
        f"Index writes: {len(guests) / MEWS_PAGE:,.0f} Mews pages in {mews_s:.1f} s "
        f"({1000 * mews_s / (len(guests) / MEWS_PAGE):.1f} ms a page of {MEWS_PAGE}); "
        f"{len(customers) / FULLWHERE_PAGE:,.0f} Fullwhere pages in {fullwhere_s:.1f} s "
        f"({1000 * fullwhere_s / (len(customers) / FULLWHERE_PAGE):.1f} ms a page of "
        f"{FULLWHERE_PAGE})"
    )
    print()
    probe = customers[len(customers) // 2]
    probe_name = max(probe.names, key=len)  # "first last" or "last first"
    linked = next(c for c in customers if c.method == "MEWS_ID")
    lookups: dict[str, Callable[[], Awaitable[object]]] = {
        "email": lambda: index.find(Lookup.of(email=probe.email), after=None, limit=10),
        "phone": lambda: index.find(Lookup.of(phone=probe.phone), after=None, limit=10),
        "name (`first last`, ~17 people)": lambda: index.find(
            Lookup.of(name=probe_name), after=None, limit=10
        ),
        "link of a Mews id": lambda: index.linked_from(str(linked.mews_id)),
        "page of 100 MEWS_ONLY": lambda: index.find(
            Lookup.of(links=["MEWS_ONLY"]), after=None, limit=100
        ),
    }
    print("| lookup | p50 ms | p99 ms |")
    print("|---|---|---|")
    for name, call in lookups.items():
        p50, p99 = await _timed(call, args.samples)
        print(f"| {name} | {p50:.2f} | {p99:.2f} |")
    print()
    fw_pages = math.ceil(len(customers) / FULLWHERE_PAGE)
    mews_calls = math.ceil(len(guests) / MEWS_PAGE) + MEWS_WINDOWS
    fw_write_ms = 1000 * fullwhere_s / fw_pages
    mews_write_ms = 1000 * mews_s / math.ceil(len(guests) / MEWS_PAGE)
    fullwhere_est = fw_pages * (args.fullwhere_page_ms + fw_write_ms) / 1000
    budget = max(1, int(MEWS_LIMIT * DEFAULT_MEWS_BUDGET))
    mews_paced = (mews_calls / budget) * MEWS_WINDOW
    mews_work = mews_calls * (args.mews_call_ms + mews_write_ms) / 1000
    print(
        f"Full sync estimate: Fullwhere {fw_pages:,} pages x ({args.fullwhere_page_ms:g} ms "
        f"upstream + {fw_write_ms:.1f} ms index) = {fullwhere_est / 60:.1f} min; Mews "
        f"{mews_calls:,} calls at {budget} per {MEWS_WINDOW:g} s (SYNC_MEWS_BUDGET "
        f"{DEFAULT_MEWS_BUDGET:g}) = {max(mews_paced, mews_work) / 60:.1f} min; in all "
        f"{(fullwhere_est + max(mews_paced, mews_work)) / 60:.1f} min"
    )
    await store.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench-identity", description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000, help="records per source")
    parser.add_argument("--samples", type=int, default=500, help="calls per lookup timed")
    parser.add_argument("--fullwhere-page-ms", type=float, default=300.0)
    parser.add_argument("--mews-call-ms", type=float, default=500.0)
    args = parser.parse_args(argv)
    # A redis-server of its own on loopback, with no memory cap (the private Redis of
    # `serve --workers` has one, and would evict the index it is asked to measure).
    with tempfile.TemporaryDirectory() as folder, redis_server(Path(folder)) as url:
        asyncio.run(run(args, url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
