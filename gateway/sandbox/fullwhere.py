"""An in-memory Fullwhere Partner API that follows its documents, not our client.

The real API is a NestJS service; this sandbox answers the way one does:

- only `GET /partners/customer?id=`, `POST /partners/customer`, `POST /partners/customer/list`
  and `POST /partners/customer/batch` exist; any other path or method is a NestJS 404
  (`{"statusCode": 404, "message": "Cannot POST /x", "error": "Not Found"}`);
- POSTs answer 201; errors are NestJS bodies (`statusCode`, `message`, `error`), validation
  errors the class-validator way (`message` is a list, `whitelist` + `forbidNonWhitelisted`);
- each request is handled in the order Express and Nest apply: the body is read and parsed
  (413 over `max_body_bytes`, Express' 100 kB default; 400 when it is not JSON), then the
  `X-API-KEY` / `X-API-SECRET` guard (401), then validation (400), then the handler;
- the list is in insertion order (seeded customers first, then imports, oldest first), so
  imports made while a client pages through never shift earlier pages; `meta` follows
  nestjs-typeorm-paginate (`itemCount`, `totalItems`, `itemsPerPage`, `totalPages`,
  `currentPage`), and a page past the end has no items;
- every response carries an `X-Request-Id`.

Faults come from `SandboxControl` (operations "get", "import", "list", "batch"); each call is
counted before anything else, refused ones included. A "disconnect" fault starts a response and
then raises `InjectedDisconnect`: over a socket (uvicorn) the connection closes mid-answer and
the client sees a broken response; through `httpx.ASGITransport` the exception reaches the
caller as it is.
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac
import itertools
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, Final

import orjson
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.sandbox.control import Fault, InjectedDisconnect, SandboxControl, malformed_response
from gateway.upstream.languages import ISO_639_1
from gateway.validators import is_email

DEFAULT_API_KEY: Final = "demo-key"
DEFAULT_API_SECRET: Final = "demo-secret"
#: Express' default JSON body limit ("100kb").
DEFAULT_MAX_BODY_BYTES: Final = 100 * 1024

# --- NestJS answers ------------------------------------------------------------------------

# NestJS exception names where they differ from Python's phrases.
_ERROR_NAMES: Final = {413: "Payload Too Large"}
# What Nest says when an exception is thrown without a message.
_DEFAULT_MESSAGES: Final = {
    429: "ThrottlerException: Too Many Requests",
    500: "Internal server error",
}


def _error_name(status: int) -> str:
    if status in _ERROR_NAMES:
        return _ERROR_NAMES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def nest_error_body(status: int, message: str | list[str] | None = None) -> dict[str, Any]:
    """The body NestJS sends for an `HttpException` of `status` (with `message` if given)."""
    if message is None:
        return {"statusCode": status, "message": _DEFAULT_MESSAGES.get(status, _error_name(status))}
    return {"statusCode": status, "message": message, "error": _error_name(status)}


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data),
        status_code=status,
        headers=dict(headers or {}),
        media_type="application/json; charset=utf-8",
    )


def _error(status: int, message: str | list[str] | None = None) -> Response:
    return _json(nest_error_body(status, message), status)


class _Refused(Exception):
    """Ends a request early with `response` (an error the API would send)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class _DroppedConnection(Response):
    """Starts an answer, then fails, so the server closes the connection mid-response."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id":', "more_body": True})
        raise InjectedDisconnect("sandbox fault: connection dropped")


def _fault_answer(fault: Fault) -> Response | None:
    if fault.kind == "status":
        content = fault.body or orjson.dumps(nest_error_body(fault.status))
        return Response(
            content,
            status_code=fault.status,
            headers=fault.headers,
            media_type="application/json; charset=utf-8",
        )
    if fault.kind == "malformed":
        return malformed_response()
    if fault.kind == "disconnect":
        return _DroppedConnection()
    return None  # "hang" was served inside `SandboxControl.enter`


# --- class-validator, the parts the DTOs use ------------------------------------------------

Check = Callable[[str, Any], str | None]

_LANGUAGES_LISTED: Final = ", ".join(sorted(ISO_639_1))


def _string(name: str, value: Any) -> str | None:
    return None if isinstance(value, str) else f"{name} must be a string"


def _boolean(name: str, value: Any) -> str | None:
    return None if isinstance(value, bool) else f"{name} must be a boolean value"


def _email(name: str, value: Any) -> str | None:
    return None if isinstance(value, str) and is_email(value) else f"{name} must be an email"


def _language(name: str, value: Any) -> str | None:
    if isinstance(value, str) and value in ISO_639_1:
        return None
    return f"{name} must be one of the following values: {_LANGUAGES_LISTED}"


def _string_map(name: str, value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"{name} must be an object"
    if not all(isinstance(item, str) for item in value.values()):
        return f"each value in {name} must be a string"
    return None


def _whole_number(minimum: int, maximum: int | None = None) -> Check:
    def check(name: str, value: Any) -> str | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return f"{name} must be a number conforming to the specified constraints"
        if value != int(value):
            return f"{name} must be an integer number"
        if value < minimum:
            return f"{name} must not be less than {minimum}"
        if maximum is not None and value > maximum:
            return f"{name} must not be greater than {maximum}"
        return None

    return check


# The documented import body, in documented order: every property optional and nullable.
IMPORT_DTO: Final[Mapping[str, Check]] = {
    "description": _string,
    "company": _string,
    "firstName": _string,
    "lastName": _string,
    "displayName": _string,
    "phoneNumber": _string,
    "email": _email,
    "civility": _string,
    "language": _language,
    "metadata": _string_map,
    "smsOptin": _boolean,
    "emailOptin": _boolean,
    "zenchefId": _string,
    "ubereatsId": _string,
    "deliverooId": _string,
    "zeltyId": _string,
    "sevenroomsId": _string,
    "metaId": _string,
    "mewsId": _string,
    "oracleId": _string,
    "partoucheId": _string,
    "comoId": _string,
    "theForkId": _string,
}
# The ids of the same person in other systems: the `...Id` properties.
_FOREIGN_IDS: Final = tuple(name for name in IMPORT_DTO if name.endswith("Id"))
LIST_DTO: Final[Mapping[str, Check]] = {
    "limit": _whole_number(1, 100),
    "page": _whole_number(1),
}
LIST_DEFAULTS: Final = {"limit": 10, "page": 1}


def validate(dto: Mapping[str, Check], body: Any, prefix: str = "") -> list[str]:
    """class-validator's messages for `body` against `dto`; `[]` when it is valid."""
    if not isinstance(body, dict):
        return [f"{prefix}an unknown value was passed to the validate function"]
    errors = [f"{prefix}property {key} should not exist" for key in body if key not in dto]
    for name, check in dto.items():
        value = body.get(name)
        if value is not None and (message := check(name, value)) is not None:
            errors.append(prefix + message)
    return errors


def validate_batch(body: Any) -> list[str]:
    """Messages for a batch body: `batch` must be an array of valid import bodies."""
    if not isinstance(body, dict):
        return ["an unknown value was passed to the validate function"]
    errors = [f"property {key} should not exist" for key in body if key != "batch"]
    batch = body.get("batch")
    if not isinstance(batch, list):
        return [*errors, "batch must be an array"]
    if not all(isinstance(item, dict) for item in batch):
        return [*errors, "each value in nested property batch must be either object or array"]
    for index, item in enumerate(batch):
        errors += validate(IMPORT_DTO, item, f"batch.{index}.")
    return errors


# --- the service ----------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


class _RequestIds:
    """Adds an `X-Request-Id` header to every response."""

    def __init__(self, app: ASGIApp, next_id: Callable[[], str]) -> None:
        self.app = app
        self.next_id = next_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.next_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Request-Id", request_id)
            await send(message)

        await self.app(scope, receive, send_with_id)


async def _no_route(request: Request, exc: Exception) -> Response:
    # Nest answers 404 for an unknown path and for a known path with another method.
    return _error(404, f"Cannot {request.method} {_route_path(request.scope)}")


Handler = Callable[[Request, Any], Response]


class FullwhereSandbox:
    """The sandbox: `.app` (Starlette), `.control`, `.customers` (id → record, list order)."""

    def __init__(
        self,
        customers: Iterable[Mapping[str, Any]] = (),
        *,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        control: SandboxControl | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.control = control if control is not None else SandboxControl()
        self.max_body_bytes = max_body_bytes
        self.customers: dict[str, dict[str, Any]] = {}
        for customer in customers:
            if not isinstance(customer.get("id"), str):
                raise ValueError("every seeded Fullwhere customer needs a string id")
            self.customers[customer["id"]] = copy.deepcopy(dict(customer))
        self._api_key = api_key.encode()
        self._api_secret = api_secret.encode()
        counter = itertools.count(1)
        self.app = Starlette(
            routes=[
                Route("/partners/customer", self._get, methods=["GET"]),
                Route("/partners/customer", self._import, methods=["POST"]),
                Route("/partners/customer/list", self._list, methods=["POST"]),
                Route("/partners/customer/batch", self._batch, methods=["POST"]),
            ],
            middleware=[Middleware(_RequestIds, next_id=lambda: f"fw-req-{next(counter):06d}")],
            exception_handlers={404: _no_route, 405: _no_route},
        )
        self.app.router.redirect_slashes = False

    # -- endpoints ------------------------------------------------------------------------

    async def _get(self, request: Request) -> Response:
        return await self._serve("get", request, self._get_customer, with_body=False)

    async def _import(self, request: Request) -> Response:
        return await self._serve("import", request, self._import_customer)

    async def _list(self, request: Request) -> Response:
        return await self._serve("list", request, self._list_customers)

    async def _batch(self, request: Request) -> Response:
        return await self._serve("batch", request, self._import_batch)

    async def _serve(
        self, operation: str, request: Request, handle: Handler, *, with_body: bool = True
    ) -> Response:
        fault = await self.control.enter(operation)
        if fault is not None and (answer := _fault_answer(fault)) is not None:
            return answer
        try:
            body = await self._read_json(request) if with_body else None
            self._check_credentials(request)
            return handle(request, body)
        except _Refused as refusal:
            return refusal.response

    # -- the pipeline before a handler ------------------------------------------------------

    async def _read_json(self, request: Request) -> Any:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _Refused(_error(413, "request entity too large"))
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > self.max_body_bytes:
                raise _Refused(_error(413, "request entity too large"))
        if not raw.strip():
            return {}  # Express' parser leaves an empty body as {}
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _Refused(_error(400, f"Unexpected token in JSON at position {exc.pos}")) from None

    def _check_credentials(self, request: Request) -> None:
        key = request.headers.get("x-api-key", "").encode("latin-1")
        secret = request.headers.get("x-api-secret", "").encode("latin-1")
        # Both compared every time, in constant time, so timing tells nothing.
        key_ok = hmac.compare_digest(key, self._api_key)
        secret_ok = hmac.compare_digest(secret, self._api_secret)
        if not (key_ok and secret_ok):
            raise _Refused(_error(401))

    # -- handlers ---------------------------------------------------------------------------

    def _get_customer(self, request: Request, _body: Any) -> Response:
        ids = request.query_params.getlist("id")
        if len(ids) != 1:
            raise _Refused(_error(400, ["id must be a string"]))
        customer = self.customers.get(ids[0])
        if customer is None:
            raise _Refused(_error(404, f"Customer {ids[0]} not found"))
        return _json(customer)

    def _import_customer(self, _request: Request, body: Any) -> Response:
        if errors := validate(IMPORT_DTO, body):
            raise _Refused(_error(400, errors))
        return _json(self._create(body), 201)

    def _list_customers(self, _request: Request, body: Any) -> Response:
        if errors := validate(LIST_DTO, body):
            raise _Refused(_error(400, errors))
        limit = int(body.get("limit") or LIST_DEFAULTS["limit"])
        page = int(body.get("page") or LIST_DEFAULTS["page"])
        # Skips to the page without copying the records before it (dicts keep insertion order).
        start = (page - 1) * limit
        items = list(itertools.islice(self.customers.values(), start, start + limit))
        total = len(self.customers)
        meta = {
            "itemCount": len(items),
            "totalItems": total,
            "itemsPerPage": limit,
            "totalPages": math.ceil(total / limit),
            "currentPage": page,
        }
        return _json({"items": items, "meta": meta}, 201)

    def _import_batch(self, _request: Request, body: Any) -> Response:
        if errors := validate_batch(body):
            raise _Refused(_error(400, errors))
        for item in body["batch"]:
            self._create(item)
        return Response(status_code=201)

    def _create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A new customer in the documented response shape, from a valid import body."""
        now = _now()
        field = body.get
        customer: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "createdAt": now,
            "updatedAt": now,
            "description": field("description"),
            "company": field("company"),
            "firstName": field("firstName"),
            "lastName": field("lastName"),
            "displayName": field("displayName"),
            "language": field("language"),
            "phoneNumber": field("phoneNumber"),
            "email": field("email"),
            "emailBounced": False,
            "civility": field("civility"),
            "tags": [],
            "emailOptin": field("emailOptin"),
            "smsOptin": field("smsOptin"),
            **{name: field(name) for name in _FOREIGN_IDS},
            "type": "Unknown",
            "feedbackCount": 0,
            "purchaseCount": 0,
            "averageFeedbackRating": None,
            "dataSources": [],
            "metadata": {"import": dict(field("metadata") or {})},
        }
        self.customers[customer["id"]] = customer
        return customer


def create_fullwhere_sandbox(
    customers: Iterable[Mapping[str, Any]] = (),
    *,
    api_key: str = DEFAULT_API_KEY,
    api_secret: str = DEFAULT_API_SECRET,
    control: SandboxControl | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FullwhereSandbox:
    """A Fullwhere sandbox seeded with `customers` (each a documented customer record)."""
    return FullwhereSandbox(
        customers,
        api_key=api_key,
        api_secret=api_secret,
        control=control,
        max_body_bytes=max_body_bytes,
    )


__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "DEFAULT_MAX_BODY_BYTES",
    "FullwhereSandbox",
    "create_fullwhere_sandbox",
    "nest_error_body",
]
