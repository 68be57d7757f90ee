"""`Sandboxes`: both upstreams' sandboxes, serving one seeded world (demo mode, tests, bench)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.sandbox.fullwhere import FullwhereSandbox, create_fullwhere_sandbox
from gateway.sandbox.mews import MewsSandbox, create_mews_sandbox
from gateway.sandbox.webhooks import open_front_desk
from gateway.sandbox.world import World, build_world


@dataclass
class Sandboxes:
    """The embedded upstreams: a Fullwhere and a Mews sandbox over the same people."""

    fullwhere: FullwhereSandbox
    mews: MewsSandbox

    @classmethod
    def from_world(cls, world: World, *, latency: float = 0.0, **mews: Any) -> Sandboxes:
        """Sandboxes serving (and writing into) the records of `world`; `latency` seconds
        are added to every call; `mews` passes options to the Mews sandbox."""
        sandboxes = cls(
            fullwhere=create_fullwhere_sandbox(world.fullwhere_customers),
            mews=create_mews_sandbox(
                world.mews_customers,
                reservations=world.mews_reservations,
                open_items=world.mews_open_items,
                **mews,
            ),
        )
        sandboxes.fullwhere.control.latency = latency
        sandboxes.mews.control.latency = latency
        open_front_desk(sandboxes.mews)
        return sandboxes

    @classmethod
    def seeded(cls, *, latency: float = 0.0) -> Sandboxes:
        """The default demo world."""
        return cls.from_world(build_world(), latency=latency)
