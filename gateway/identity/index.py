"""The identity index: which Fullwhere records and Mews guests are one person.

Fullwhere has no lookup by `mewsId`, so the gateway must know the links before it is asked.
The index holds, for every record of both systems, its link and its lookup keys (email,
phone, names), built by the background sync (`gateway.identity.sync`) and kept up to date by
the gateway's own writes.

Person ids are the unified `Customer.id`s:

- `fullwhere:<id>` for every Fullwhere record;
- `mews:<id>` for a Mews guest that no Fullwhere record links to (`MEWS_ONLY`).

A Mews guest linked from several Fullwhere records belongs to all of them; `linked_from`
lists them in a fixed order (a `mewsId` link before a metadata one, then by id), so every
process resolves `mews:<id>` to the same first one, whatever it has read before.

`MemoryIdentityIndex` is the single-process default; `gateway.identity.redis` keeps the same
index in Redis for every process and replica.
"""

from __future__ import annotations

import abc
import dataclasses
import itertools
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedList

from gateway.errors import GatewayError
from gateway.identity.keys import email_key, fold, name_keys, phone_key
from gateway.upstream.mews import PROPERTY_KEY

#: How a person is linked: the `LinkMethod` values of the schema.
MEWS_ID, METADATA, NONE, MEWS_ONLY = "MEWS_ID", "METADATA", "NONE", "MEWS_ONLY"
LINK_METHODS = (MEWS_ID, METADATA, NONE, MEWS_ONLY)
_LINK_RANK = {MEWS_ID: 0, METADATA: 1}

FULLWHERE_PREFIX, MEWS_PREFIX = "fullwhere:", "mews:"


def link_order(method: str, fullwhere_id: str) -> tuple[int, str]:
    """Sort key of the records linking one guest: a `mewsId` link first, then by id."""
    return _LINK_RANK.get(method, 2), fullwhere_id


def linked_mews_id(record: Mapping[str, Any]) -> tuple[str | None, str]:
    """The Mews id a Fullwhere customer points at, and how: `mewsId`, else
    `metadata.mews.customer.Id`."""
    if mews_id := record.get("mewsId"):
        return str(mews_id), MEWS_ID
    if mews_id := metadata_mews_id(record):
        return str(mews_id), METADATA
    return None, NONE


def metadata_mews_id(record: Mapping[str, Any]) -> object:
    """`metadata.mews.customer.Id` of a Fullwhere customer, as written (None: absent)."""
    metadata = record.get("metadata")
    block = metadata.get("mews") if isinstance(metadata, dict) else None
    customer = block.get("customer") if isinstance(block, dict) else None
    return customer.get("Id") if isinstance(customer, dict) else None


@dataclass(frozen=True)
class FullwhereEntry:
    """What the index keeps of a Fullwhere record."""

    id: str
    mews_id: str | None = None
    method: str = NONE
    email: str | None = None
    phone: str | None = None
    names: frozenset[str] = frozenset()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FullwhereEntry:
        mews_id, method = linked_mews_id(record)
        return cls(
            id=str(record["id"]),
            mews_id=mews_id.lower() if mews_id else None,
            method=method,
            email=email_key(record.get("email")),
            phone=phone_key(record.get("phoneNumber")),
            names=name_keys(record.get("firstName"), record.get("lastName")),
        )


@dataclass(frozen=True)
class MewsEntry:
    """What the index keeps of a Mews guest, and where it lives: the `MEWS_ACCESS_TOKENS`
    name of the token that reaches it (None: `MEWS_ACCESS_TOKEN`) and its `ChainId` (None in
    entries written before the gateway recorded it)."""

    id: str
    email: str | None = None
    phone: str | None = None
    names: frozenset[str] = frozenset()
    property_name: str | None = None
    chain_id: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> MewsEntry:
        chain_id = record.get("ChainId")
        token = record.get(PROPERTY_KEY)
        return cls(
            id=str(record["Id"]).lower(),
            email=email_key(record.get("Email")),
            phone=phone_key(record.get("Phone")),
            names=name_keys(record.get("FirstName"), record.get("LastName")),
            property_name=token if isinstance(token, str) else None,
            chain_id=chain_id.lower() if isinstance(chain_id, str) else None,
        )

    @property
    def place(self) -> Place | None:
        """(token name, chain id) when the entry records them."""
        return None if self.chain_id is None else (self.property_name, self.chain_id)


#: Where a guest lives: the name of its token (None: `MEWS_ACCESS_TOKEN`) and its chain.
Place = tuple[str | None, str]


@dataclass(frozen=True)
class Lookup:
    """What `customers(filter:)` asks for; every given criterion must hold."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    links: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        *,
        email: str | None = None,
        phone: str | None = None,
        name: str | None = None,
        links: Iterable[str] | None = None,
    ) -> Lookup:
        """Normalise raw filter values into keys (`ValueError` names a value with no key)."""
        email_k = phone_k = None
        if email is not None and (email_k := email_key(email)) is None:
            raise ValueError(f"email: {email!r} is not an email address")
        if phone is not None and (phone_k := phone_key(phone)) is None:
            raise ValueError(
                f"phone: {phone!r} is not a phone number with its country code (+33 6 12 ...)"
            )
        name_k = fold(name) if name is not None else None
        if name is not None and not name_k:
            raise ValueError("name: give at least one letter")
        return cls(email_k, phone_k, name_k, frozenset(links) if links is not None else None)


#: Index entries a name prefix may match; a broader prefix is refused, not cut short.
MAX_NAME_MATCHES = 2_000


class LookupTooBroad(GatewayError):
    """A name prefix matches more entries than one lookup reads."""

    code = "BAD_USER_INPUT"

    def __init__(self) -> None:
        super().__init__(
            f"filter.name: matches more than {MAX_NAME_MATCHES:,} names; give more letters "
            "(a first and a last name, for example)",
            argument="filter",
        )


@dataclass(frozen=True)
class Page:
    """One page of person ids, in id order."""

    ids: list[str]
    has_next: bool
    total: int


@dataclass
class SyncState:
    """Where the index stands; shown by `/readyz`, `gateway sync --status` and responses."""

    #: A full sync of both sources has finished at least once.
    complete: bool = False
    running: bool = False
    #: waiting, fullwhere, mews, done or failed.
    phase: str = "waiting"
    started_at: float | None = None
    finished_at: float | None = None
    fullwhere_records: int = 0
    fullwhere_pages: int = 0
    fullwhere_total: int | None = None
    mews_records: int = 0
    mews_calls: int = 0
    mews_windows_done: int = 0
    mews_windows_total: int = 0
    #: The UpdatedUtc (ISO, UTC) up to which Mews has been read; the next run starts there.
    mews_synced_until: str | None = None
    last_error: str | None = None
    #: While running: the time (epoch seconds) until which the run is known alive; its
    #: process pushes it forward as it goes, so a run whose process died stops being shown
    #: as running once it passes.
    lease_until: float | None = None
    #: Seconds the run is about to wait for its Mews budget; only progress shows it (0 saved).
    mews_budget_wait: float = 0.0

    def alive(self, now: float) -> bool:
        """Running, and its process was heard from within its lease."""
        return self.running and self.lease_until is not None and self.lease_until > now

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def summary(self, now: float) -> dict[str, Any]:
        """What people are shown (`/readyz`, `gateway sync --status`), camel-cased."""
        alive = self.alive(now)
        return {
            "complete": self.complete,
            "running": alive,
            # A run that stopped without finishing (its process died): the next one restarts.
            "phase": "interrupted" if self.running and not alive else self.phase,
            "ageSeconds": None if self.finished_at is None else round(now - self.finished_at, 1),
            "fullwhereRecords": self.fullwhere_records,
            "fullwhereTotal": self.fullwhere_total,
            "mewsRecords": self.mews_records,
            "mewsCalls": self.mews_calls,
            "mewsWindows": f"{self.mews_windows_done}/{self.mews_windows_total}",
            "lastError": self.last_error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SyncState:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


class IdentityIndex(abc.ABC):
    """The index's operations; every backend gives the same answers."""

    @abc.abstractmethod
    async def put_fullwhere(self, entries: Iterable[FullwhereEntry]) -> None:
        """Add or replace Fullwhere records (an old link or key of the same id is dropped)."""

    @abc.abstractmethod
    async def put_mews(self, entries: Iterable[MewsEntry]) -> None:
        """Add or replace Mews guests."""

    @abc.abstractmethod
    async def linked_from(self, mews_id: str) -> list[str]:
        """The Fullwhere ids that link to this Mews guest, the canonical one first."""

    async def linked_from_many(self, mews_ids: Sequence[str]) -> list[list[str]]:
        """`linked_from` of each id, in order (a backend over the network overrides this to
        ask once)."""
        return [await self.linked_from(mews_id) for mews_id in mews_ids]

    @abc.abstractmethod
    async def find(self, lookup: Lookup, *, after: str | None, limit: int) -> Page:
        """Person ids matching `lookup`, in id order, after the person id `after`."""

    @abc.abstractmethod
    async def state(self) -> SyncState:
        """The sync's state as last saved."""

    @abc.abstractmethod
    async def save_state(self, state: SyncState) -> None:
        """Save the sync's state for every process to see."""

    @abc.abstractmethod
    async def mews_places(self, mews_ids: Sequence[str]) -> list[Place | None]:
        """Where each guest lives, as its entry records it (None: not known)."""

    async def person_of_mews(self, mews_id: str) -> str:
        """The unified id of the person this Mews guest belongs to."""
        linked = await self.linked_from(mews_id)
        return FULLWHERE_PREFIX + linked[0] if linked else MEWS_PREFIX + mews_id.lower()

    async def aclose(self) -> None:  # noqa: B027 - optional: only a networked backend closes
        """Release connections (nothing to do in memory)."""


@dataclass
class MemoryIdentityIndex(IdentityIndex):
    """The index in this process's memory: the single-process default."""

    _fullwhere: dict[str, FullwhereEntry] = field(default_factory=dict)
    _mews: dict[str, MewsEntry] = field(default_factory=dict)
    _linked_from: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: Key -> record refs (`f:<id>` or `m:<id>`).
    _email: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _phone: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: (name key, record ref), sorted, for prefix ranges.
    _names: SortedList = field(default_factory=SortedList)
    _state: SyncState = field(default_factory=SyncState)

    async def put_fullwhere(self, entries: Iterable[FullwhereEntry]) -> None:
        for entry in entries:
            old = self._fullwhere.get(entry.id)
            if old is not None:
                self._unkey(f"f:{old.id}", old.email, old.phone, old.names)
                if old.mews_id:
                    self._linked_from[old.mews_id].discard(old.id)
            self._fullwhere[entry.id] = entry
            self._key(f"f:{entry.id}", entry.email, entry.phone, entry.names)
            if entry.mews_id:
                self._linked_from[entry.mews_id].add(entry.id)

    async def put_mews(self, entries: Iterable[MewsEntry]) -> None:
        for entry in entries:
            old = self._mews.get(entry.id)
            if old is not None:
                self._unkey(f"m:{old.id}", old.email, old.phone, old.names)
            self._mews[entry.id] = entry
            self._key(f"m:{entry.id}", entry.email, entry.phone, entry.names)

    def _key(self, ref: str, email: str | None, phone: str | None, names: frozenset[str]) -> None:
        if email:
            self._email[email].add(ref)
        if phone:
            self._phone[phone].add(ref)
        for name in names:
            self._names.add((name, ref))

    def _unkey(self, ref: str, email: str | None, phone: str | None, names: frozenset[str]) -> None:
        if email:
            self._email[email].discard(ref)
        if phone:
            self._phone[phone].discard(ref)
        for name in names:
            self._names.discard((name, ref))

    def _canonical_order(self, mews_id: str) -> list[str]:
        ids = self._linked_from.get(mews_id.lower()) or ()
        return sorted(ids, key=lambda fw: link_order(self._fullwhere[fw].method, fw))

    async def linked_from(self, mews_id: str) -> list[str]:
        return self._canonical_order(mews_id)

    def _person(self, ref: str) -> str:
        kind, _, raw = ref.partition(":")
        if kind == "f":
            return FULLWHERE_PREFIX + raw
        linked = self._canonical_order(raw)
        return FULLWHERE_PREFIX + linked[0] if linked else MEWS_PREFIX + raw

    def _method(self, person: str) -> str:
        if person.startswith(MEWS_PREFIX):
            return MEWS_ONLY
        return self._fullwhere[person.removeprefix(FULLWHERE_PREFIX)].method

    def _everyone(self) -> set[str]:
        people = {FULLWHERE_PREFIX + fw for fw in self._fullwhere}
        people |= {MEWS_PREFIX + m for m in self._mews if not self._linked_from.get(m)}
        return people

    def _matching(self, lookup: Lookup) -> set[str]:
        found: set[str] | None = None

        def narrow(people: set[str]) -> None:
            nonlocal found
            found = people if found is None else found & people

        if lookup.email is not None:
            narrow({self._person(r) for r in self._email.get(lookup.email, ())})
        if lookup.phone is not None:
            narrow({self._person(r) for r in self._phone.get(lookup.phone, ())})
        if lookup.name is not None:
            hits = list(
                itertools.islice(
                    self._names.irange((lookup.name, ""), (lookup.name + "\uffff", "")),
                    MAX_NAME_MATCHES + 1,
                )
            )
            if len(hits) > MAX_NAME_MATCHES:
                raise LookupTooBroad()
            narrow({self._person(ref) for _, ref in hits})
        people = self._everyone() if found is None else found
        if lookup.links is not None:
            people = {p for p in people if self._method(p) in lookup.links}
        return people

    async def mews_places(self, mews_ids: Sequence[str]) -> list[Place | None]:
        entries = (self._mews.get(mews_id.lower()) for mews_id in mews_ids)
        return [None if entry is None else entry.place for entry in entries]

    async def find(self, lookup: Lookup, *, after: str | None, limit: int) -> Page:
        people = sorted(self._matching(lookup))
        start = 0 if after is None else bisect_right(people, after)
        chosen = people[start : start + limit]
        return Page(chosen, start + limit < len(people), len(people))

    async def state(self) -> SyncState:
        return dataclasses.replace(self._state)

    async def save_state(self, state: SyncState) -> None:
        self._state = dataclasses.replace(state)

    def counts(self) -> tuple[int, int]:
        """Records held: (Fullwhere, Mews)."""
        return len(self._fullwhere), len(self._mews)
