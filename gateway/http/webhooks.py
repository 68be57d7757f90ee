"""The receiver of Mews General Webhooks: `POST /webhooks/mews/<secret>`.

Mews authenticates itself by a secret token in the URL, expects an answer within 5 seconds,
and sends a message again a few minutes after a failed answer. So the receiver:

- compares the token in constant time (digests of equal length, so neither the content nor
  the length of a wrong token changes the time taken), and answers a wrong one exactly as a
  path that does not exist: 404, having read nothing;
- refuses a body over `max_bytes` (413) and a body that is not the documented shape (400);
- keeps only the customer events, puts the message in the inbox (Redis when shared) and
  answers 202 at once; the work (`gateway.services.live`) runs afterwards. With the inbox
  unavailable or full it answers 503, and Mews tries again later.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gateway.http.responses import error_response
from gateway.services.live import CUSTOMER_EVENTS
from gateway.store.inbox import Inbox, InboxFull
from gateway.store.redis import StoreUnavailable

logger = logging.getLogger("gateway.live")

PATH = "/webhooks/mews/{secret}"
#: Seconds Mews is told to wait before sending again when the inbox cannot take a message.
RETRY_AFTER = 60


class BadMessage(Exception):
    """The body is not a General Webhooks message."""


class _TooLarge(Exception):
    pass


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()


def _not_found() -> Response:
    # What Starlette answers for a path no route matches.
    return PlainTextResponse("Not Found", status_code=404)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadMessage(f"{where} must be a non-empty string")
    return value


def parse_message(body: bytes) -> dict[str, Any]:
    """The message with its customer events only.

    Raises:
        BadMessage: not the documented shape (only customer events' values are checked).
    """
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadMessage("the body is not valid JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("the body must be a JSON object")
    events = message.get("Events")
    if not isinstance(events, list):
        raise BadMessage("Events must be an array")
    kept = []
    for position, event in enumerate(events):
        if not isinstance(event, dict):
            raise BadMessage(f"Events[{position}] must be an object")
        discriminator = _text(event.get("Discriminator"), f"Events[{position}].Discriminator")
        if discriminator not in CUSTOMER_EVENTS:
            continue
        value = event.get("Value")
        if not isinstance(value, dict):
            raise BadMessage(f"Events[{position}].Value must be an object")
        customer_id = _text(value.get("Id"), f"Events[{position}].Value.Id")
        kept.append({"Discriminator": discriminator, "Value": {"Id": customer_id}})
    return {
        "EnterpriseId": _text(message.get("EnterpriseId"), "EnterpriseId"),
        "IntegrationId": _text(message.get("IntegrationId"), "IntegrationId"),
        "Events": kept,
    }


def webhook_routes(secret: str | None, inbox: Inbox, *, max_bytes: int) -> list[Route]:
    """The receiver's route; none without a secret."""
    if not secret:
        return []
    expected = _digest(secret)

    async def receive(request: Request) -> Response:
        if not hmac.compare_digest(_digest(request.path_params["secret"]), expected):
            return _not_found()
        try:
            message = parse_message(await _body(request, max_bytes))
        except _TooLarge:
            return error_response(413, f"the webhook body exceeds the limit of {max_bytes} bytes")
        except BadMessage as exc:
            return error_response(400, f"not a Mews General Webhooks message: {exc}")
        except ClientDisconnect:
            return Response(status_code=400)
        if message["Events"]:
            try:
                await inbox.put(message)
            except (StoreUnavailable, InboxFull):
                logger.warning("a Mews webhook was refused: the inbox cannot take it now")
                return error_response(
                    503,
                    "cannot take the message now; send it again later",
                    "UPSTREAM_UNAVAILABLE",
                    headers={"retry-after": str(RETRY_AFTER)},
                )
        return Response(status_code=202)

    return [Route(PATH, receive, methods=["POST"])]


__all__ = ["PATH", "BadMessage", "parse_message", "webhook_routes"]
