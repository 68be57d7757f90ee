"""The Mews sandbox's General Webhooks: what Mews sends when its guests change, sent to a
configured URL, and a "front desk" to change guests the way a receptionist would.

- `WebhookSender` is told of every change the sandbox's API makes (`MewsSandbox.on_change`).
  Changes that happen together (within `gather` seconds) go in one message, as Mews does:
  `{EnterpriseId, IntegrationId, Events: [{Discriminator, Value: {Id}}]}`; a new guest brings
  `CustomerAdded` and `CustomerUpdated`. A message that is not answered 2xx is sent again
  after `retry_after` seconds (Mews waits a few minutes), `attempts` times in all.
- `front_desk_routes(sandbox)`: `POST /front-desk/customers` adds a guest and
  `POST /front-desk/customers/{id}` changes one (a JSON object of Connector API customer
  fields, no tokens): an edit made in Mews, not through the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.sandbox.mews import MewsSandbox

logger = logging.getLogger("gateway.sandbox")

#: The sandboxed enterprise and the integration its webhooks are for.
SANDBOX_ENTERPRISE_ID: Final = "851df8c8-90f2-4c4a-8e01-a4fc46b25178"
SANDBOX_INTEGRATION_ID: Final = "c8bee838-7fb1-4f4e-8fac-ac87008b2f90"
#: Seconds changes are gathered into one message.
DEFAULT_GATHER: Final = 0.05
DEFAULT_RETRY_AFTER: Final = 5.0
DEFAULT_ATTEMPTS: Final = 3
#: Events per message at most ("in the order of hundreds", says Mews).
MAX_EVENTS: Final = 200


class WebhookSender:
    """Sends the sandbox's changes to `url` as General Webhooks messages."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        gather: float = DEFAULT_GATHER,
        retry_after: float = DEFAULT_RETRY_AFTER,
        attempts: int = DEFAULT_ATTEMPTS,
    ) -> None:
        self.url = url
        self._http = httpx.AsyncClient(transport=transport, timeout=5.0)
        self.gather = gather
        self.retry_after = retry_after
        self.attempts = attempts
        self._pending: dict[str, bool] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: Messages answered 2xx, for tests and the demo's curious.
        self.delivered: list[dict[str, Any]] = []

    def attach(self, sandbox: MewsSandbox) -> None:
        sandbox.on_change = self.changed

    def changed(self, customer_id: str, added: bool) -> None:
        """A guest changed (`added`: it is new); called from the sandbox's handlers."""
        first = not self._pending
        self._pending[customer_id] = self._pending.get(customer_id, False) or added
        if first:
            self._spawn(self._flush_later())

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.gather)
        pending, self._pending = self._pending, {}
        events: list[dict[str, Any]] = []
        for customer_id, added in pending.items():
            if added:
                events.append(_event("CustomerAdded", customer_id))
            events.append(_event("CustomerUpdated", customer_id))
        for start in range(0, len(events), MAX_EVENTS):
            self._spawn(self._send(events[start : start + MAX_EVENTS]))

    async def _send(self, events: list[dict[str, Any]]) -> None:
        message = {
            "EnterpriseId": SANDBOX_ENTERPRISE_ID,
            "IntegrationId": SANDBOX_INTEGRATION_ID,
            "Events": events,
        }
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.retry_after)
            try:
                response = await self._http.post(self.url, json=message)
            except httpx.HTTPError as exc:
                logger.warning("sandbox webhook not delivered (%s)", type(exc).__name__)
                continue
            if response.is_success:
                self.delivered.append(message)
                return
            logger.warning("sandbox webhook answered %d", response.status_code)
        logger.warning("sandbox webhook given up after %d attempts", self.attempts)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._http.aclose()


def _event(discriminator: str, customer_id: str) -> dict[str, Any]:
    return {"Discriminator": discriminator, "Value": {"Id": customer_id}}


def front_desk_routes(sandbox: MewsSandbox) -> list[Route]:
    """Routes that change guests as a receptionist would (see the module docstring)."""

    async def edit(request: Request) -> Response:
        try:
            fields = await request.json()
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            return JSONResponse({"Message": "Send a JSON object of customer fields."}, 400)
        try:
            guest = sandbox.front_desk(request.path_params.get("customer_id"), fields)
        except ValueError as exc:
            return JSONResponse({"Message": str(exc)}, 400)
        return JSONResponse(guest)

    return [
        Route("/front-desk/customers", edit, methods=["POST"]),
        Route("/front-desk/customers/{customer_id}", edit, methods=["POST"]),
    ]


def open_front_desk(sandbox: MewsSandbox) -> None:
    """Serve the front desk's routes beside the sandbox's API."""
    sandbox.app.router.routes[:0] = front_desk_routes(sandbox)


__all__ = [
    "SANDBOX_ENTERPRISE_ID",
    "SANDBOX_INTEGRATION_ID",
    "WebhookSender",
    "front_desk_routes",
    "open_front_desk",
]
