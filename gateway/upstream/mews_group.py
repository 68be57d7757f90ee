"""A hotel group's Mews access tokens: one client, one batcher and one rate window per token.

Mews gives a group either a portfolio access token (over several chains, `MEWS_ACCESS_TOKEN`
with `MEWS_CHAIN_IDS`) or one token per property (`MEWS_ACCESS_TOKENS`), or both. Mews counts
its rate limit per token, so each token has a guard (and limiter) of its own and a batcher of
its own: a busy property never spends another's calls. `MewsGroup` holds them and finds the
token of a guest: from the record itself (`PROPERTY_KEY`), from what this process has read, or
from the caller's identity index; a single-token gateway is a group of one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache

from gateway.upstream.batcher import BatchWindow, MewsBatcher
from gateway.upstream.mews import PROPERTY_KEY, MewsClient

#: Guest ids whose token this process remembers (an id and a short name each).
DEFAULT_KNOWN_GUESTS = 50_000


@dataclass(frozen=True)
class Place:
    """Where guests live: a token, and for a portfolio token one of its chains."""

    client: MewsClient
    #: The portfolio chain (None: a property token, whose chain Mews decides).
    chain_id: str | None = None

    @property
    def key(self) -> str:
        """`<property name>` of a property token, `~<chain id>` of a portfolio chain."""
        if self.chain_id is not None:
            return "~" + self.chain_id
        return self.client.name or ""


class MewsGroup:
    """The clients of every Mews token of the gateway, `MEWS_ACCESS_TOKEN`'s first."""

    def __init__(
        self,
        clients: Sequence[MewsClient],
        *,
        window: BatchWindow | None = None,
        known_guests: int = DEFAULT_KNOWN_GUESTS,
    ) -> None:
        if not clients:
            raise ValueError("a Mews group needs at least one token")
        self.clients = tuple(clients)
        self._named = {client.name: client for client in clients}
        self._batchers = {
            client.name: MewsBatcher(client, window or BatchWindow()) for client in clients
        }
        #: Guest id (lowercase) -> the name of the token that reached it.
        self._homes: LRUCache[str, str | None] = LRUCache(known_guests)
        #: EnterpriseId (lowercase) -> the token of that enterprise, as registered.
        self._enterprises: dict[str, MewsClient] = {}

    def __repr__(self) -> str:
        return f"MewsGroup({list(self.clients)!r})"

    @property
    def single(self) -> bool:
        return len(self.clients) == 1

    @property
    def one_property(self) -> bool:
        """One token, of one property (not a portfolio token)."""
        return self.single and not self.primary.portfolio

    @property
    def primary(self) -> MewsClient:
        return self.clients[0]

    @property
    def names(self) -> list[str]:
        """The `MEWS_ACCESS_TOKENS` names, in their order."""
        return [client.name for client in self.clients if client.name is not None]

    @property
    def portfolio(self) -> MewsClient | None:
        return next((client for client in self.clients if client.portfolio), None)

    def named(self, name: str | None) -> MewsClient | None:
        """The client of the token named `name` (None: `MEWS_ACCESS_TOKEN`'s), if any."""
        return self._named.get(name)

    def batcher(self, client: MewsClient) -> MewsBatcher:
        return self._batchers[client.name]

    def for_chain(self, chain_id: str) -> MewsClient | None:
        """The portfolio token over `chain_id`, if the group has one."""
        chain = chain_id.lower()
        return next((c for c in self.clients if chain in c.chain_ids), None)

    def register_enterprise(self, enterprise_id: str, client: MewsClient) -> None:
        """Record that `client`'s token reaches the enterprise `enterprise_id` (what Mews's
        `configuration/get` answers for the token), for `for_enterprise`."""
        if client not in self.clients:
            raise ValueError("not a token of this group")
        self._enterprises[enterprise_id.lower()] = client

    def for_enterprise(self, enterprise_id: str) -> MewsClient | None:
        """The token registered for `enterprise_id` (a webhook names the enterprise), else
        the group's only token, else None."""
        found = self._enterprises.get(enterprise_id.lower())
        return found if found is not None else (self.primary if self.single else None)

    def places(self) -> list[Place]:
        """Every place guests can be read from: each portfolio chain, then each property."""
        found: list[Place] = []
        for client in self.clients:
            if client.portfolio:
                found += [Place(client, chain) for chain in client.chain_ids]
            else:
                found.append(Place(client))
        return found

    def place(self, key: str) -> Place | None:
        return next((place for place in self.places() if place.key == key), None)

    # -- which token holds a guest ---------------------------------------------------------

    def client_of(self, record: Mapping[str, Any]) -> MewsClient:
        """The token that read `record` (its `PROPERTY_KEY`, else `MEWS_ACCESS_TOKEN`'s)."""
        return self._named.get(record.get(PROPERTY_KEY)) or self.primary

    def learn(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Remember which token reaches each of these guests (a group of one needs not)."""
        if self.single:
            return
        for record in records:
            guest_id = record.get("Id")
            if isinstance(guest_id, str):
                self._homes[guest_id.lower()] = self.client_of(record).name

    def remember(self, guest_id: str, name: str | None) -> None:
        if name in self._named:
            self._homes[guest_id.lower()] = name

    def home_of(self, guest_id: str) -> MewsClient | None:
        """The token this process has seen reach `guest_id` (None: not seen; in a group of
        one, always its token)."""
        if self.single:
            return self.primary
        key = guest_id.lower()
        if key not in self._homes:
            return None
        return self._named.get(self._homes[key])

    def by_spare_budget(self, clients: Iterable[MewsClient] | None = None) -> list[MewsClient]:
        """`clients` (every one by default), the one with the most calls left first: a
        lookup across tokens spends the calls of the least busy ones."""
        chosen = list(self.clients if clients is None else clients)
        return sorted(chosen, key=lambda client: -self.batcher(client).spare())


__all__ = ["DEFAULT_KNOWN_GUESTS", "MewsGroup", "Place"]
