"""`Arrivals`: an ASGI wrapper recording when each request reached an app, and its JSON body.

Put around a sandbox's app, it counts upstream calls where the upstream counts them: by
arrival.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class Arrival:
    at: float
    path: str
    body: Any


@dataclass
class Arrivals:
    app: Any
    log: list[Arrival] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()
        messages = [await receive()]
        while messages[-1]["type"] == "http.request" and messages[-1].get("more_body"):
            messages.append(await receive())
        body = b"".join(message.get("body", b"") for message in messages)
        self.log.append(Arrival(arrived, scope["path"], orjson.loads(body) if body else None))
        pending = iter(messages)

        async def replay() -> Any:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)

    def of(self, path_end: str) -> list[Arrival]:
        return [arrival for arrival in self.log if arrival.path.endswith(path_end)]

    def most_in_any_window(self, seconds: float) -> int:
        """The most requests that arrived within any `seconds` long window."""
        times = sorted(arrival.at for arrival in self.log)
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= seconds:
                start += 1
            most = max(most, end - start + 1)
        return most
