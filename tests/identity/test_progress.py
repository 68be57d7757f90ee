"""What `gateway sync` prints while it runs: rates over the time a phase really took, and the
waits for the Mews budget said as waits."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from gateway.identity.index import SyncState
from gateway.identity.progress import ProgressPrinter
from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World
from tests.conftest import gateway_with


def test_a_phase_s_first_line_counts_the_time_its_first_page_took() -> None:
    now = [100.0]
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=False, clock=lambda: now[0])
    now[0] = 102.0  # the first page of 100 records took 2 s
    printer(
        SyncState(phase="fullwhere", fullwhere_records=100, fullwhere_pages=1, fullwhere_total=300)
    )
    now[0] = 104.0
    printer(
        SyncState(phase="fullwhere", fullwhere_records=200, fullwhere_pages=2, fullwhere_total=300)
    )
    now[0] = 109.0  # the first Mews window took 5 s after the last Fullwhere page
    printer(SyncState(phase="mews", mews_records=50, mews_windows_done=1, mews_windows_total=4))
    lines = out.getvalue().splitlines()
    assert "100/300 records, 1 pages, 50/s, ETA 4 s" in lines[0]
    assert "200/300 records, 2 pages, 50/s, ETA 2 s" in lines[1]
    assert "50 guests" in lines[2] and "10/s, ETA 15 s" in lines[2]


async def test_a_wait_for_the_mews_budget_shows_as_a_wait(world: World) -> None:
    # 8 calls in 3 s for the gateway and the sandbox alike; the sync may use a quarter, so its
    # third call (of four windows of 3 months) waits unless the first two took over 3 s each.
    sandboxes = Sandboxes.from_world(world, rate_limit=8, rate_window=3.0)
    since = (datetime.now(UTC) - timedelta(days=30 * 9)).date().isoformat()
    env = {"MEWS_RATE_LIMIT": "8", "MEWS_RATE_WINDOW_SECONDS": "3", "SYNC_MEWS_SINCE": since}
    out = io.StringIO()
    async with gateway_with(sandboxes, {**env, "SYNC_MEWS_BUDGET": "0.25"}) as gateway:
        state = await gateway.app.state.sync.run_once(ProgressPrinter(out, tty=False))
    assert state is not None and state.complete
    lines = [line for line in out.getvalue().splitlines() if line.startswith("mews")]
    waits = [line for line in lines if "for its Mews budget (SYNC_MEWS_BUDGET)" in line]
    # Two calls a window fit the budget; a later one waited, and said so.
    assert waits and all(re.search(r"waiting \d+ s", line) for line in waits)
    assert not any("ETA" in line for line in waits)
