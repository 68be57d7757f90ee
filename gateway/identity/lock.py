"""The sync lock: one process runs the identity sync at a time.

`MemorySyncLock` serves one process; `gateway.identity.redis.RedisSyncLock` serves every
process that shares a Redis, with an expiry so that a process that dies mid-run does not hold
the lock for good.
"""

from __future__ import annotations

import abc
from typing import Final

#: A run that stops refreshing its lock (a dead process) frees it after this many seconds.
DEFAULT_LOCK_TTL: Final = 120.0


class SyncLock(abc.ABC):
    @abc.abstractmethod
    async def acquire(self) -> bool:
        """Take the lock if it is free; False when another run holds it."""

    @abc.abstractmethod
    async def refresh(self) -> None:
        """Extend the expiry of a held lock (a long run calls this as it goes)."""

    @abc.abstractmethod
    async def release(self) -> None:
        """Give the lock back."""

    async def expires_in(self) -> float:
        """Seconds until the lock frees by itself if its holder stops refreshing it (0 when
        it is free, or when this kind of lock never expires)."""
        return 0.0


class MemorySyncLock(SyncLock):
    def __init__(self) -> None:
        self._held = False

    async def acquire(self) -> bool:
        if self._held:
            return False
        self._held = True
        return True

    async def refresh(self) -> None:
        return None

    async def release(self) -> None:
        self._held = False
