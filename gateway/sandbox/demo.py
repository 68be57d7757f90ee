"""`Sandboxes`: both upstreams' sandboxes, serving one seeded world (demo mode, tests, bench)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gateway.config import Settings
from gateway.sandbox.fullwhere import FullwhereSandbox, create_fullwhere_sandbox
from gateway.sandbox.mews import MewsSandbox, TokenScope, create_mews_sandbox
from gateway.sandbox.webhooks import open_front_desk
from gateway.sandbox.world import (
    GROUP_PORTFOLIO_TOKEN,
    GROUP_PROPERTY_TOKENS,
    PORTFOLIO_CHAIN_IDS,
    PROPERTY_CHAIN_IDS,
    World,
    as_group,
    build_world,
)
from gateway.upstream.mews import DEMO_CLIENT_TOKEN


@dataclass
class Sandboxes:
    """The embedded upstreams: a Fullwhere and a Mews sandbox over the same people."""

    fullwhere: FullwhereSandbox
    mews: MewsSandbox
    #: Whether the Mews sandbox is a hotel group (`group`): demo mode then uses its tokens.
    is_group: bool = False

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
        """The default demo world (a hotel group: see `group`)."""
        return cls.group(latency=latency)

    def settings_for(self, settings: Settings) -> Settings:
        """Demo `settings` with the Mews tokens these sandboxes accept: the group's when
        they are a group (a portfolio token over two chains, `paris` and `lyon`)."""
        if not self.is_group or settings.mews is None:
            return settings
        mews = dataclasses.replace(
            settings.mews,
            access_token=GROUP_PORTFOLIO_TOKEN,
            chain_ids=PORTFOLIO_CHAIN_IDS,
            named=tuple(GROUP_PROPERTY_TOKENS.items()),
        )
        return dataclasses.replace(settings, mews=mews)

    @classmethod
    def group(cls, world: World | None = None, *, latency: float = 0.0, **mews: Any) -> Sandboxes:
        """A hotel group over `world`'s people (the default world when None): a portfolio
        token over two chains and the property tokens `paris` and `lyon`, each reaching only
        its own guests (`as_group`)."""
        sandboxes = cls.from_world(
            as_group(world or build_world()),
            latency=latency,
            tokens=group_tokens(),
            scopes=group_scopes(),
            **mews,
        )
        sandboxes.is_group = True
        return sandboxes


def group_tokens() -> list[tuple[str, str]]:
    """(client token, access token) of each of the group's tokens."""
    tokens = [GROUP_PORTFOLIO_TOKEN, *GROUP_PROPERTY_TOKENS.values()]
    return [(DEMO_CLIENT_TOKEN, token) for token in tokens]


def group_scopes() -> dict[str, TokenScope]:
    """What each of the group's tokens reaches."""
    scopes = {GROUP_PORTFOLIO_TOKEN: TokenScope.portfolio_of(*PORTFOLIO_CHAIN_IDS)}
    for name, token in GROUP_PROPERTY_TOKENS.items():
        scopes[token] = TokenScope.property_of(PROPERTY_CHAIN_IDS[name])
    return scopes
