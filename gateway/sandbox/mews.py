"""A sandbox of the Mews Connector API customers operations, built from Mews' own documents
(reference/mews/): it follows the documents, not our client, so tests against it catch client
mistakes.

What it does, operation by operation, where the documents leave room:

- Only `POST` to the exact, case-sensitive paths answers; anything else is a 404. Every response
  carries `Request-Id`; errors are `{"Message", "RequestId", "Details": null}`.
- Bodies must be `application/json` objects (strict JSON); bodies over `max_body_bytes` get 413.
  Unknown properties are refused with a 400 naming them.
- A sliding window of `rate_limit` requests per `AccessToken` per `rate_window` seconds; past it
  a 429 whose `Retry-After` is the whole seconds until the oldest request leaves the window.
- `customers/getAll`: newest first (`CreatedUtc`, then `Id`); the `Cursor` is the id of the
  oldest customer returned. `ActivityStates` absent returns both states. Every documented filter
  but `ChainIds` (ignored for a single-enterprise token) counts as "another filter" for the rule
  that `CustomerIds` is otherwise required. Names and emails match case-insensitively.
- `customers/update`: null, absent or blank values leave a field as it is; a list
  (`Classifications`, `Options`) replaces the old one, even when empty.
- `customers/search`: a customer is "active at the moment" when active and either the owner or a
  companion of a reservation in state `Started` (checked in), or classified `PaymasterAccount`
  (then with a null `Reservation`). `ResourceId` keeps the checked-in members of reservations on
  that resource.
- Merges mark the source `IsActive: false`, `ActivityState: "Deleted"`, `MergeTargetId` set.
- Hotel groups (`scopes`): an access token may be limited to chains. A single-property token
  sees the guests of its chain only (`ChainIds`/`ChainId` ignored, a new guest joins its chain).
  A portfolio token (multi-property guide, concepts/multi-property.md) sees the guests of its
  chains, and every operation that supports it needs them: `customers/getAll` without
  `ChainIds`, `add`/`update`/`addFile` without `ChainId`, get a 400 ("Invalid ChainIds: required
  when using Portfolio Access Tokens."); the operations whose documents do not say they support
  portfolio tokens (`search`, `getOpenItems`, both merges) get a 403. A token without a scope
  sees every guest, as a single-enterprise sandbox does.

Faults come from `SandboxControl` (operation names like `customers/getAll`, `accounts/merge`;
counted before auth). A `disconnect` fault starts an answer and drops the connection, which only
a real socket shows as such (`serve_loopback`); in process, httpx re-raises `InjectedDisconnect`.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import calendar
import copy
import itertools
import math
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NoReturn

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.sandbox.control import Fault, InjectedDisconnect, SandboxControl, malformed_response
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN
from gateway.upstream.mews_types import (
    ACTIVITY_STATES,
    CLASSIFICATIONS,
    FILE_TYPES,
    OPTIONS,
    SEXES,
    TITLES,
    MewsAddBody,
    MewsAddressParameters,
    MewsCustomer,
    MewsIdentityDocumentParameters,
    MewsUpdateBody,
)

SANDBOX_CHAIN_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
#: The user the sandbox records as creator/updater of what the API changes.
SANDBOX_PROFILE_ID = "3cd637ef-4728-47f9-8fb1-afb900c9cdcf"
DEFAULT_MAX_BODY_BYTES = 15 * 1024 * 1024
MAX_ITEMS = 1000

_PREFIX = "/api/connector/v1/"
_ALWAYS_ALLOWED = frozenset({"ClientToken", "AccessToken", "Client", "LanguageCode", "CultureCode"})
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

#: The documented customer properties, in the documents' order.
CUSTOMER_KEYS: tuple[str, ...] = tuple(MewsCustomer.__annotations__)
_DOCUMENT_KEYS = ("Passport", "IdentityCard", "Visa", "DriversLicense")
_ADDRESS_KEYS = tuple(MewsAddressParameters.__annotations__)
_DOCUMENT_PARAMETER_KEYS = tuple(MewsIdentityDocumentParameters.__annotations__)
#: Plain string properties of add and update ("basic personal information" and the rest).
_PERSONAL_KEYS = (
    "FirstName",
    "LastName",
    "SecondLastName",
    "NationalityCode",
    "PreferredLanguageCode",
    "BirthDate",
    "BirthCountryCode",
    "BirthCountrySubdivisionCode",
    "BirthPlace",
    "Occupation",
    "Email",
    "Phone",
)
_OTHER_STRING_KEYS = (
    "LoyaltyCode",
    "Notes",
    "CarRegistrationNumber",
    "DietaryRequirements",
    "TaxIdentificationNumber",
    "CompanyId",
)
_ITALIAN_KEYS = ("ItalianDestinationCode", "ItalianFiscalCode", "ItalianLotteryCode")
_MAX_LENGTHS = {"CarRegistrationNumber": 255, "DietaryRequirements": 255, "ItalianLotteryCode": 15}
_ADD_OPTIONS = tuple(option for option in OPTIONS if option != "None")

_ADD_KEYS = frozenset(MewsAddBody.__annotations__)
_UPDATE_KEYS = frozenset(MewsUpdateBody.__annotations__)
_LIST_FILTERS = (
    "ChainIds",
    "CustomerIds",
    "CompanyIds",
    "Emails",
    "FirstNames",
    "LastNames",
    "LoyaltyCodes",
)
_INTERVAL_FILTERS = ("CreatedUtc", "UpdatedUtc", "DeletedUtc")
_GET_ALL_KEYS = frozenset(
    _LIST_FILTERS + _INTERVAL_FILTERS + ("ActivityStates", "Extent", "Limitation")
)
#: Filters that lift the requirement of `CustomerIds` (ChainIds is ignored for our tokens).
_NARROWING_FILTERS = frozenset(_GET_ALL_KEYS - {"ChainIds", "Extent", "Limitation"})
_UTC = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_MIN_UTC = datetime.min.replace(tzinfo=UTC)
#: A customer's place in the newest-first order: (CreatedUtc, Id as text, Id).
_OrderKey = tuple[datetime, str, Any]

_FAULT_MESSAGES = {
    400: "Invalid request.",
    401: "Invalid ClientToken or AccessToken.",
    403: "The operation is not allowed.",
    404: "Not found.",
    408: "The request took too long; request less data.",
    409: "The data has changed; refresh and try again.",
    413: "The request is too large.",
    429: "Too many requests.",
}


class _Refusal(Exception):
    """An error answer: status, message meant for the caller, extra headers."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def _bad(message: str) -> NoReturn:
    raise _Refusal(400, message)


#: Units of each currency per euro, the demo property's currency: `getOpenItems` converts item
#: costs with them when asked for a `Currency`; others are refused as Mews refuses currencies
#: the property does not accept.
DEMO_EXCHANGE_RATES: dict[str, float] = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85, "CHF": 0.94}
_AMOUNT_KEYS = ("UnitAmount", "Amount", "OriginalAmount", "AmountDefault")


def _convert(amount: Mapping[str, Any], currency: str) -> dict[str, Any]:
    rate = DEMO_EXCHANGE_RATES[currency] / DEMO_EXCHANGE_RATES[amount["Currency"]]

    def money(value: float) -> float:
        return round(value * rate, 2)

    return {
        **amount,
        "Currency": currency,
        "NetValue": money(amount["NetValue"]),
        "GrossValue": money(amount["GrossValue"]),
        "TaxValues": [{**t, "Value": money(t["Value"])} for t in amount["TaxValues"]],
        "Breakdown": {
            "Items": [
                {**i, "NetValue": money(i["NetValue"]), "TaxValue": money(i["TaxValue"])}
                for i in amount["Breakdown"]["Items"]
            ]
        },
    }


def _converted(item: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """An order or payment item with its amounts in `currency`."""
    return {
        key: _convert(value, currency) if key in _AMOUNT_KEYS and value else value
        for key, value in item.items()
    }


def _utc_now() -> datetime:
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """The documents' datetime format, `YYYY-MM-DDThh:mm:ssZ`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(value: object) -> datetime | None:
    """A UTC datetime in the documents' format (fractional seconds tolerated), else None."""
    if not isinstance(value, str) or not (match := _UTC.fullmatch(value)):
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    micros = int((fraction or "0").ljust(7, "0")[:6])
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            micros,
            tzinfo=UTC,
        )
    except ValueError:
        return None


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- request validation ---------------------------------------------------------------------


def _optional_str(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        _bad(f"Invalid {key}.")
    max_length = _MAX_LENGTHS.get(key)
    if value is not None and max_length is not None and len(value) > max_length:
        _bad(f"Invalid {key}: at most {max_length} characters.")
    return value


def _required_str(body: Mapping[str, Any], key: str) -> str:
    value = _optional_str(body, key)
    if value is None or not value.strip():
        _bad(f"Missing {key}.")
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _string_list(
    body: Mapping[str, Any],
    key: str,
    *,
    max_items: int = MAX_ITEMS,
    allowed: Collection[str] | None = None,
) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _bad(f"Invalid {key}: expected an array of strings.")
    if len(value) > max_items:
        _bad(f"Invalid {key}: at most {max_items} items.")
    if allowed is not None:
        for item in value:
            if item not in allowed:
                _bad(f"Invalid {key} value {item}.")
    return value


def _enum(body: Mapping[str, Any], key: str, allowed: Collection[str]) -> str | None:
    value = _optional_str(body, key)
    if value is not None and value not in allowed:
        _bad(f"Invalid {key} value {value}.")
    return value


def _object(body: Mapping[str, Any], key: str, keys: Collection[str]) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        _bad(f"Invalid {key}: expected an object.")
    for name in value:
        if name not in keys:
            _bad(f"Invalid property {key}.{name}.")
    return value


def _interval(body: Mapping[str, Any], key: str) -> tuple[datetime, datetime] | None:
    value = _object(body, key, ("StartUtc", "EndUtc"))
    if value is None:
        return None
    start, end = parse_utc(value.get("StartUtc")), parse_utc(value.get("EndUtc"))
    if start is None or end is None:
        _bad(f"Invalid {key}: StartUtc and EndUtc are required, as YYYY-MM-DDThh:mm:ssZ.")
    if end < start:
        _bad(f"Invalid {key}: EndUtc is before StartUtc.")
    if end > _add_months(start, 3):
        _bad(f"Invalid {key}: the interval is longer than 3 months.")
    return start, end


def _in_interval(moment: datetime | None, interval: tuple[datetime, datetime]) -> bool:
    start, end = interval
    if moment is None:
        return False
    return moment == start if start == end else start <= moment < end


def _check_properties(body: Mapping[str, Any], allowed: Collection[str]) -> None:
    for name in body:
        if name not in allowed and name not in _ALWAYS_ALLOWED:
            _bad(f"Invalid property {name}: it is not a parameter of this operation.")


def _email_key(value: object) -> str | None:
    return value.strip().casefold() if isinstance(value, str) and value.strip() else None


# --- rate limiting ----------------------------------------------------------------------------


class SlidingWindow:
    """At most `limit` admitted requests per key within any `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}

    def admit(self, key: str) -> float | None:
        """None when admitted, else the seconds until a place frees up."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window - now
        hits.append(now)
        return None


# --- responses ----------------------------------------------------------------------------------


def _json(
    payload: Any, status: int, request_id: str, headers: Mapping[str, str] | None = None
) -> Response:
    response = Response(orjson.dumps(payload), status_code=status, media_type="application/json")
    response.headers.update(headers or {})
    response.headers["Request-Id"] = request_id
    return response


def _error(
    status: int, message: str, request_id: str, headers: Mapping[str, str] | None = None
) -> Response:
    body = {"Message": message, "RequestId": request_id, "Details": None}
    return _json(body, status, request_id, headers)


class _DroppedConnection(Response):
    """Starts an answer, then drops the connection (the client sees a broken response)."""

    def __init__(self) -> None:
        super().__init__(b"", media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
            }
        )
        raise InjectedDisconnect("the sandbox dropped the connection")


@dataclass(frozen=True)
class _Operation:
    name: str
    handler: Callable[[MewsSandbox, dict[str, Any]], Any]
    allowed: frozenset[str]
    #: Whether the documents say the operation supports Portfolio Access Tokens.
    portfolio: bool = False


@dataclass(frozen=True)
class TokenScope:
    """What one access token reaches: the guests of `chains`; `portfolio` tokens must name
    the chains they act on."""

    chains: frozenset[str]
    portfolio: bool = False

    @classmethod
    def property_of(cls, chain_id: str) -> TokenScope:
        return cls(frozenset({chain_id}))

    @classmethod
    def portfolio_of(cls, *chain_ids: str) -> TokenScope:
        return cls(frozenset(chain_ids), portfolio=True)


PORTFOLIO_REFUSED = "This operation does not support Portfolio Access Tokens."


# --- the sandbox --------------------------------------------------------------------------------


class MewsSandbox:
    """State and ASGI app of one sandboxed enterprise. See the module docstring."""

    def __init__(
        self,
        customers: Iterable[Mapping[str, Any]] = (),
        *,
        reservations: Iterable[Mapping[str, Any]] = (),
        open_items: Mapping[str, Mapping[str, Any]] | None = None,
        tokens: Collection[tuple[str, str]] = ((DEMO_CLIENT_TOKEN, DEMO_ACCESS_TOKEN),),
        control: SandboxControl | None = None,
        rate_limit: int = 200,
        rate_window: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utc_now,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        scopes: Mapping[str, TokenScope] | None = None,
    ) -> None:
        self.control = control if control is not None else SandboxControl()
        #: Access token -> what it reaches; a token without one reaches every guest.
        self.scopes: dict[str, TokenScope] = dict(scopes or {})
        #: The scope of the request being handled (handlers run without awaiting).
        self._scope: TokenScope | None = None
        self.customers: dict[str, dict[str, Any]] = {}
        self.files: list[dict[str, Any]] = []
        self.reservations: list[dict[str, Any]] = [copy.deepcopy(dict(r)) for r in reservations]
        self.open_items: dict[str, dict[str, Any]] = {
            key: copy.deepcopy(dict(value)) for key, value in (open_items or {}).items()
        }
        self.max_body_bytes = max_body_bytes
        #: The strictest reading of "CustomerIds: required if no other filter is provided":
        #: every getAll must name `CustomerIds` (no other filter lifts the requirement).
        self.require_customer_ids = False
        self._tokens = frozenset(tokens)
        self._limiter = SlidingWindow(rate_limit, rate_window, clock)
        self._now = now
        self._numbers = itertools.count(100001)
        #: When each merged-away customer was deleted, for the `DeletedUtc` filter.
        self._deleted_utc: dict[str, datetime] = {}
        # Kept up to date by `put_customer` and the API's writes, so that reads never scan or
        # parse every customer (see `_index`).
        self._stamps: dict[tuple[Any, str], tuple[object, datetime | None]] = {}
        self._order: list[_OrderKey] = []  # ascending; read backwards for newest first
        self._order_key_of: dict[Any, _OrderKey] = {}
        self._rank: dict[Any, int] = {}  # first-insertion order, as `self.customers` keeps it
        self._email_of: dict[Any, str] = {}
        self._ids_by_email: dict[str, set[Any]] = {}
        self._paymasters: set[Any] = set()
        #: Told `(customer id, added)` of each change the API makes (`gateway.sandbox.webhooks`
        #: sends them on as Mews's General Webhooks).
        self.on_change: Callable[[str, bool], None] | None = None
        for customer in customers:
            self.put_customer(customer)
        self.app = Starlette(routes=[Route("/{path:path}", self._dispatch, methods=_ALL_METHODS)])

    # -- state -------------------------------------------------------------------------------

    def put_customer(self, customer: Mapping[str, Any]) -> dict[str, Any]:
        """Store a customer, completing it to the documented shape; returns the stored dict.

        Add or replace customers here or through the API, not by editing `customers`: reads
        answer from indexes these writes keep (CreatedUtc order, emails, paymasters).
        """
        given = copy.deepcopy(dict(customer))
        now = format_utc(self._now())
        is_active = given.get("IsActive", True) is not False
        address = given.get("Address")
        defaults: dict[str, Any] = {
            "Id": str(uuid.uuid4()),
            "ChainId": SANDBOX_CHAIN_ID,
            "Number": str(next(self._numbers)),
            "HasOtaEmail": False,
            "CreatedUtc": now,
            "Classifications": [],
            "Options": [],
            "PreferredSpaceFeatures": [],
            "IsActive": is_active,
            "ActivityState": "Active" if is_active else "Deleted",
            "AddressId": address.get("Id") if isinstance(address, dict) else None,
            "CreatorProfileId": SANDBOX_PROFILE_ID,
            "UpdaterProfileId": SANDBOX_PROFILE_ID,
        }
        stored: dict[str, Any] = {key: given.get(key, defaults.get(key)) for key in CUSTOMER_KEYS}
        if stored["UpdatedUtc"] is None:
            stored["UpdatedUtc"] = stored["CreatedUtc"]
        stored.update((key, value) for key, value in given.items() if key not in stored)
        if not is_active:
            self._deleted_utc[stored["Id"]] = parse_utc(stored["UpdatedUtc"]) or self._now()
        self.customers[stored["Id"]] = stored
        self._rank.setdefault(stored["Id"], len(self._rank))
        self._place(stored)
        self._index(stored)
        return stored

    # -- indexes: what reads need, kept as records are written -------------------------------

    def _moment(self, customer: Mapping[str, Any], key: str) -> datetime | None:
        """`parse_utc(customer[key])`, parsed once per value: re-parsed only if the text changed."""
        text = customer.get(key)
        slot = (customer.get("Id"), key)
        cached = self._stamps.get(slot)
        if cached is not None and cached[0] is text:
            return cached[1]
        moment = parse_utc(text)
        self._stamps[slot] = (text, moment)
        return moment

    def _order_key(self, customer: Mapping[str, Any]) -> _OrderKey:
        """Newest first means descending (CreatedUtc, Id); an unreadable CreatedUtc is oldest."""
        customer_id = customer.get("Id")
        return self._moment(customer, "CreatedUtc") or _MIN_UTC, str(customer_id), customer_id

    def _place(self, customer: Mapping[str, Any]) -> None:
        """(Re)insert a customer in the maintained order (its CreatedUtc is set on insert)."""
        customer_id = customer["Id"]
        old = self._order_key_of.pop(customer_id, None)
        if old is not None:
            del self._order[bisect.bisect_left(self._order, old)]
        key = self._order_key(customer)
        bisect.insort(self._order, key)
        self._order_key_of[customer_id] = key

    def _index(self, customer: Mapping[str, Any]) -> None:
        """Refresh what a write may change: parsed UpdatedUtc, the email index, paymasters."""
        customer_id = customer["Id"]
        self._moment(customer, "UpdatedUtc")
        email = customer.get("Email")
        key = email.strip().casefold() if isinstance(email, str) else None
        old = self._email_of.get(customer_id)
        if old != key:
            if old is not None:
                self._ids_by_email[old].discard(customer_id)
                if not self._ids_by_email[old]:
                    del self._ids_by_email[old]
                del self._email_of[customer_id]
            if key is not None:
                self._ids_by_email.setdefault(key, set()).add(customer_id)
                self._email_of[customer_id] = key
        if "PaymasterAccount" in (customer.get("Classifications") or []):
            self._paymasters.add(customer_id)
        else:
            self._paymasters.discard(customer_id)

    def _with_email(self, key: str) -> list[dict[str, Any]]:
        """Customers whose stripped, case-folded email is `key`, in `self.customers` order."""
        ids = sorted(self._ids_by_email.get(key, ()), key=self._rank.__getitem__)
        return [self.customers[customer_id] for customer_id in ids if customer_id in self.customers]

    def _newest_first(self, before: _OrderKey | None) -> Iterable[dict[str, Any]]:
        """Every customer newest first, from just after `before` (a cursor's key) when given."""
        order = self._order
        start = len(order) if before is None else bisect.bisect_left(order, before[:2])
        for index in range(start - 1, -1, -1):
            customer = self.customers.get(order[index][2])
            if customer is not None:
                yield customer

    def _activity_state(self, customer: Mapping[str, Any]) -> str:
        return "Active" if customer.get("IsActive", True) is not False else "Deleted"

    def _by_email(
        self, email: str, *, other_than: str | None = None, chain_id: str | None = None
    ) -> dict[str, Any] | None:
        """The active guest with this email (in `chain_id`, when given: emails are unique
        within a chain)."""
        key = _email_key(email)
        if key is None:
            return None
        for customer in self._with_email(key):
            if (
                customer["Id"] != other_than
                and (chain_id is None or customer.get("ChainId") == chain_id)
                and self._activity_state(customer) == "Active"
                and _email_key(customer.get("Email")) == key
            ):
                return customer
        return None

    def _touch(self, customer: dict[str, Any]) -> None:
        customer["UpdatedUtc"] = format_utc(self._now())
        customer["UpdaterProfileId"] = SANDBOX_PROFILE_ID
        self._index(customer)
        self._changed(customer, added=False)

    def _changed(self, customer: Mapping[str, Any], *, added: bool) -> None:
        if self.on_change is not None:
            self.on_change(str(customer["Id"]), added)

    @staticmethod
    def _render(
        customer: Mapping[str, Any], *, addresses: bool = True, documents: bool = True
    ) -> dict[str, Any]:
        # A shallow copy is enough: `_dispatch` serializes a handler's result before anything
        # else runs, so the nested values it shares with the stored record cannot change first.
        rendered = dict(customer)
        if not addresses:
            rendered["Address"] = None
        if not documents:
            for key in _DOCUMENT_KEYS:
                rendered[key] = None
        return rendered

    # -- HTTP --------------------------------------------------------------------------------

    async def _dispatch(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        path = "/" + request.path_params["path"]
        operation = _OPERATIONS.get(path) if request.method == "POST" else None
        if operation is None:
            return _error(404, "Not found.", request_id)
        fault = await self.control.enter(operation.name)
        if fault is not None:
            return self._fault_response(fault, request_id)
        try:
            body = await self._read_body(request)
            self._scope = self._authorize(body)
            if self._scope is not None and self._scope.portfolio and not operation.portfolio:
                raise _Refusal(403, PORTFOLIO_REFUSED)
            _check_properties(body, operation.allowed)
            result = operation.handler(self, body)
        except _Refusal as refusal:
            return _error(refusal.status, refusal.message, request_id, refusal.headers)
        except Exception:  # a sandbox bug still answers like Mews: a 500 with the error body
            return _error(500, "An unexpected error occurred.", request_id)
        finally:  # the token's scope is the call's only: a front-desk edit after it has none
            self._scope = None
        return _json(result, 200, request_id)

    def _fault_response(self, fault: Fault, request_id: str) -> Response:
        if fault.kind == "malformed":
            response = malformed_response()
            response.headers["Request-Id"] = request_id
            return response
        if fault.kind == "disconnect":
            return _DroppedConnection()
        if fault.body:
            response = Response(fault.body, status_code=fault.status, media_type="application/json")
            response.headers.update(fault.headers)
            response.headers["Request-Id"] = request_id
            return response
        message = _FAULT_MESSAGES.get(fault.status, "An unexpected error occurred.")
        return _error(fault.status, message, request_id, fault.headers)

    async def _read_body(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            _bad("Invalid Content-Type: the API accepts application/json only.")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _Refusal(413, "The request body is too large.")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _Refusal(413, "The request body is too large.")
            chunks.append(chunk)
        try:
            body = orjson.loads(b"".join(chunks))
        except orjson.JSONDecodeError:
            _bad("Invalid JSON")
        if not isinstance(body, dict):
            _bad("Invalid JSON: the body must be an object.")
        return body

    def _authorize(self, body: Mapping[str, Any]) -> TokenScope | None:
        client_token, access_token = body.get("ClientToken"), body.get("AccessToken")
        if (
            not isinstance(client_token, str)
            or not isinstance(access_token, str)
            or ((client_token, access_token) not in self._tokens)
        ):
            raise _Refusal(401, "Invalid ClientToken or AccessToken.")
        wait = self._limiter.admit(access_token)
        if wait is not None:
            retry_after = str(max(1, math.ceil(wait)))
            raise _Refusal(429, "Too many requests.", {"Retry-After": retry_after})
        _required_str(body, "Client")
        return self.scopes.get(access_token)

    # -- hotel groups ------------------------------------------------------------------------

    def _visible(self, customer: Mapping[str, Any] | None) -> bool:
        """Whether the request's token reaches `customer`."""
        scope = self._scope
        return customer is not None and (scope is None or customer.get("ChainId") in scope.chains)

    def _chain_of_write(self, body: Mapping[str, Any]) -> str | None:
        """The chain a write acts on: the portfolio token's `ChainId` (required, within its
        scope), a property token's own chain (`ChainId` ignored), None without a scope."""
        scope = self._scope
        if scope is None:
            return None
        if not scope.portfolio:
            return next(iter(scope.chains))
        chain_id = _optional_str(body, "ChainId")
        if chain_id is None:
            _bad("Invalid ChainId: required when using Portfolio Access Tokens.")
        if chain_id not in scope.chains:
            _bad("Invalid ChainId.")
        return chain_id

    def _chains_of_read(self, body: Mapping[str, Any]) -> frozenset[str] | None:
        """The chains a getAll reads (None: every guest)."""
        scope = self._scope
        if scope is None:
            return None
        if not scope.portfolio:
            return scope.chains
        chain_ids = _string_list(body, "ChainIds")
        if not chain_ids:
            _bad("Invalid ChainIds: required when using Portfolio Access Tokens.")
        if not set(chain_ids) <= scope.chains:
            _bad("Invalid ChainIds.")
        return frozenset(chain_ids)

    def _own(self, customer_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The guest a write names, reachable by the token (and in the portfolio's ChainId)."""
        chain_id = self._chain_of_write(body)
        customer = self.customers.get(customer_id)
        if customer is None or not self._visible(customer):
            _bad("Invalid CustomerId.")
        if chain_id is not None and customer.get("ChainId") != chain_id:
            _bad("Invalid CustomerId.")
        return customer

    # -- customers/getAll --------------------------------------------------------------------

    def _get_all(self, body: dict[str, Any]) -> dict[str, Any]:
        extent = _object(body, "Extent", ("Customers", "Addresses", "Documents"))
        if extent is None:
            _bad("Missing Extent.")
        count, cursor = self._limitation(body)
        lists = {key: _string_list(body, key) for key in _LIST_FILTERS}
        if lists["CompanyIds"] is not None and len(lists["CompanyIds"]) > 1:
            _bad("Invalid CompanyIds: at most 1 item.")
        states = _string_list(body, "ActivityStates", allowed=ACTIVITY_STATES)
        intervals = {key: _interval(body, key) for key in _INTERVAL_FILTERS}
        narrowing = ("CustomerIds",) if self.require_customer_ids else _NARROWING_FILTERS
        if not any(body.get(key) is not None for key in narrowing):
            _bad("Missing CustomerIds: required when no other filter is given.")

        before: _OrderKey | None = None
        if cursor is not None:
            anchor = self.customers.get(cursor)
            if anchor is None:
                _bad("Invalid Limitation Cursor.")
            before = self._order_key(anchor)
        keep = self._filter(lists, states, intervals, self._chains_of_read(body))
        candidates = self._candidates(lists["CustomerIds"], lists["Emails"])
        if candidates is None:  # no id or email to look up: walk the maintained order
            page = list(itertools.islice((c for c in self._newest_first(before) if keep(c)), count))
        else:
            chosen = [c for c in candidates if keep(c)]
            if before is not None:
                chosen = [c for c in chosen if self._order_key(c)[:2] < before[:2]]
            page = sorted(chosen, key=self._order_key, reverse=True)[:count]
        show_documents = extent.get("Documents") is True
        rendered = [
            self._render(c, addresses=extent.get("Addresses") is True, documents=show_documents)
            for c in page
        ]
        documents = (
            [c[key] for c in rendered for key in _DOCUMENT_KEYS if c.get(key)]
            if show_documents
            else None
        )
        return {
            "Customers": rendered if extent.get("Customers") is True else [],
            "Documents": documents,
            "Cursor": page[-1]["Id"] if page else None,
        }

    @staticmethod
    def _limitation(body: Mapping[str, Any]) -> tuple[int, str | None]:
        limitation = _object(body, "Limitation", ("Count", "Cursor"))
        if limitation is None:
            _bad("Missing Limitation.")
        count = limitation.get("Count")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_ITEMS:
            _bad(f"Invalid Limitation Count: between 1 and {MAX_ITEMS}.")
        cursor = limitation.get("Cursor")
        if cursor is not None and not isinstance(cursor, str):
            _bad("Invalid Limitation Cursor.")
        return count, cursor

    def _candidates(
        self, ids: list[str] | None, emails: list[str] | None
    ) -> list[dict[str, Any]] | None:
        """The customers `CustomerIds` (else `Emails`) can name, looked up; None without either.

        A superset: the filters still decide. The email index is keyed on the stripped,
        case-folded address, which any case-insensitive match also shares.
        """
        if ids is not None:
            return [self.customers[i] for i in dict.fromkeys(ids) if i in self.customers]
        if emails is None:
            return None
        found: dict[Any, dict[str, Any]] = {}
        for key in dict.fromkeys(email.strip().casefold() for email in emails):
            found.update((c["Id"], c) for c in self._with_email(key))
        return list(found.values())

    def _filter(
        self,
        lists: Mapping[str, list[str] | None],
        states: list[str] | None,
        intervals: Mapping[str, tuple[datetime, datetime] | None],
        chains: frozenset[str] | None = None,
    ) -> Callable[[Mapping[str, Any]], bool]:
        """The getAll filters as one test, built once per request (only the given ones)."""
        tests: list[Callable[[Mapping[str, Any]], bool]] = []
        if chains is not None:
            tests.append(lambda customer: customer.get("ChainId") in chains)

        def value_in(field: str, values: list[str] | None, fold: bool = False) -> None:
            if values is None:
                return
            wanted = {value.casefold() for value in values} if fold else set(values)

            def test(customer: Mapping[str, Any]) -> bool:
                value = customer.get(field)
                if not isinstance(value, str):
                    return False
                return (value.casefold() if fold else value) in wanted

            tests.append(test)

        value_in("Id", lists["CustomerIds"])
        value_in("Email", lists["Emails"], fold=True)
        value_in("FirstName", lists["FirstNames"], fold=True)
        value_in("LastName", lists["LastNames"], fold=True)
        value_in("LoyaltyCode", lists["LoyaltyCodes"])
        value_in("CompanyId", lists["CompanyIds"])
        if states is not None:
            allowed = frozenset(states)
            tests.append(lambda customer: self._activity_state(customer) in allowed)
        for key, interval in intervals.items():
            if interval is not None:
                tests.append(self._interval_test(key, interval))
        if len(tests) == 1:
            return tests[0]
        return lambda customer: all(test(customer) for test in tests)

    def _interval_test(
        self, key: str, interval: tuple[datetime, datetime]
    ) -> Callable[[Mapping[str, Any]], bool]:
        if key == "DeletedUtc":
            return lambda customer: _in_interval(self._deleted_utc.get(customer["Id"]), interval)
        return lambda customer: _in_interval(self._moment(customer, key), interval)

    # -- customers/getOpenItems --------------------------------------------------------------

    def _get_open_items(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = _string_list(body, "CustomerIds")
        if ids is None:
            _bad("Missing CustomerIds.")
        currency = _optional_str(body, "Currency")
        if currency is not None and not _CURRENCY.fullmatch(currency):
            _bad("Invalid Currency.")
        if currency is not None and currency not in DEMO_EXCHANGE_RATES:
            _bad(f"Currency {currency} is not accepted by the property.")
        result = []
        for customer_id in dict.fromkeys(ids):
            if customer_id not in self.customers and customer_id not in self.open_items:
                continue
            if customer_id in self.customers and not self._visible(self.customers[customer_id]):
                continue
            items = self.open_items.get(customer_id, {})
            # Shallow copies, as in `_render`: the result is serialized before anything changes.
            entry = {
                "CustomerId": customer_id,
                "OrderItems": list(items.get("OrderItems", [])),
                "PaymentItems": list(items.get("PaymentItems", [])),
            }
            if currency is not None:
                entry["OrderItems"] = [_converted(i, currency) for i in entry["OrderItems"]]
                entry["PaymentItems"] = [_converted(i, currency) for i in entry["PaymentItems"]]
            result.append(entry)
        return {"Customers": result}

    # -- customers/add -----------------------------------------------------------------------

    def _add(self, body: dict[str, Any], *, chain_id: str | None = None) -> dict[str, Any]:
        """customers/add; `chain_id` places a guest added without a token (the front desk)."""
        _required_str(body, "LastName")
        overwrite = body.get("OverwriteExisting")
        if overwrite is None:
            _bad("Missing OverwriteExisting.")
        if not isinstance(overwrite, bool):
            _bad("Invalid OverwriteExisting.")
        chain_id = self._chain_of_write(body) or chain_id
        fields = _customer_fields(body, italian_as_update_values=False)
        email = fields.get("Email")
        existing = self._by_email(email, chain_id=chain_id) if email else None
        if existing is not None:
            if not overwrite:
                raise _Refusal(403, f"A customer with the email {email} already exists.")
            for key in ("Title", "Sex", *_PERSONAL_KEYS):
                if key in body:
                    existing[key] = fields.get(key)
            self._touch(existing)
            return self._render(existing)
        stored = self.put_customer(
            {"LastName": fields["LastName"], **({"ChainId": chain_id} if chain_id else {})}
        )
        self._apply(stored, fields)
        stored["LanguageCode"] = stored.get("PreferredLanguageCode")
        self._changed(stored, added=True)
        return self._render(stored)

    def _apply(self, customer: dict[str, Any], fields: Mapping[str, Any]) -> None:
        """Apply validated, non-blank field values (and Italian clears) to a stored customer."""
        for key, value in fields.items():
            if key == "Address":
                address = customer.get("Address") or {
                    "Id": str(uuid.uuid4()),
                    **dict.fromkeys(_ADDRESS_KEYS),
                    "Latitude": None,
                    "Longitude": None,
                }
                address.update(value)
                customer["Address"], customer["AddressId"] = address, address["Id"]
            elif key in _DOCUMENT_KEYS:
                document = customer.get(key) or {
                    "Id": str(uuid.uuid4()),
                    "CustomerId": customer["Id"],
                    "Type": key,
                    **dict.fromkeys(_DOCUMENT_PARAMETER_KEYS),
                }
                document.update(value)
                customer[key] = document
            else:
                customer[key] = copy.deepcopy(value)
        self._index(customer)

    # -- the front desk ----------------------------------------------------------------------

    def front_desk(self, customer_id: str | None, fields: Mapping[str, Any]) -> dict[str, Any]:
        """An edit made in Mews itself (no tokens, no rate limit): adds a guest (`customer_id`
        None) or updates one, as `customers/add` and `customers/update` would.

        Raises:
            ValueError: what Mews would refuse, in its words.
        """
        try:
            if customer_id is None:
                return self._add_at_front_desk(fields)
            return self._update({**fields, "CustomerId": customer_id})
        except _Refusal as refusal:
            raise ValueError(refusal.message) from None

    def _add_at_front_desk(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A guest added at a front desk: in a group, at the first property's chain (a guest
        belongs to an enterprise, and a front desk is a property's)."""
        properties = (scope for scope in self.scopes.values() if not scope.portfolio)
        chain_id = min((c for scope in properties for c in scope.chains), default=None)
        return self._add({"OverwriteExisting": False, **fields}, chain_id=chain_id)

    # -- customers/update --------------------------------------------------------------------

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        customer_id = _required_str(body, "CustomerId")
        customer = self._own(customer_id, body)
        fields = _customer_fields(body, italian_as_update_values=True)
        email = fields.get("Email")
        chain_id = customer.get("ChainId") if self._scope is not None else None
        if email and self._by_email(email, other_than=customer_id, chain_id=chain_id) is not None:
            raise _Refusal(403, f"The email {email} is already used by another customer.")
        self._apply(customer, fields)
        if "PreferredLanguageCode" in fields:
            customer["LanguageCode"] = fields["PreferredLanguageCode"]
        self._touch(customer)
        return self._render(customer)

    # -- customers/addFile -------------------------------------------------------------------

    def _add_file(self, body: dict[str, Any]) -> dict[str, Any]:
        customer_id = _required_str(body, "CustomerId")
        name = _required_str(body, "Name")
        mime_type = _required_str(body, "Type")
        data = _required_str(body, "Data")
        chain_id = _optional_str(body, "ChainId")
        self._own(customer_id, body)
        if mime_type not in FILE_TYPES:
            _bad(f"Invalid Type {mime_type}: allowed are {', '.join(FILE_TYPES)}.")
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            _bad("Invalid Data: expected base64.")
        file_id = str(uuid.uuid4())
        self.files.append(
            {
                "FileId": file_id,
                "CustomerId": customer_id,
                "Name": name,
                "Type": mime_type,
                "Data": content,
                "ChainId": chain_id,
            }
        )
        return {"FileId": file_id}

    # -- customers/search --------------------------------------------------------------------

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        name = _optional_str(body, "Name")
        resource_id = _optional_str(body, "ResourceId")
        extent = _object(body, "Extent", ("Customers", "Addresses", "Documents"))
        needle = name.strip().casefold() if name and name.strip() else None
        found: dict[str, dict[str, Any] | None] = {}
        for reservation in self.reservations:
            if reservation.get("State") != "Started" or (
                resource_id is not None
                and resource_id
                not in (reservation.get("AssignedResourceId"), reservation.get("AssignedSpaceId"))
            ):
                continue
            for member in _reservation_members(reservation):
                found.setdefault(member, reservation)
        if resource_id is None:
            for paymaster_id in self._paymasters:  # the order does not matter: hits are sorted
                found.setdefault(paymaster_id, None)
        hits: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for customer_id, stay in found.items():
            customer = self.customers.get(customer_id)
            if (
                customer is None
                or not self._visible(customer)
                or self._activity_state(customer) != "Active"
            ):
                continue
            if needle is None or _name_matches(customer, needle):
                hits.append((customer, stay))
        if extent is not None and extent.get("Customers") is not True:
            hits = []
        hits.sort(
            key=lambda hit: (
                (hit[0].get("LastName") or "").casefold(),
                (hit[0].get("FirstName") or "").casefold(),
                hit[0]["Id"],
            )
        )
        results = [
            {
                "Customer": self._render(
                    customer,
                    addresses=extent is None or extent.get("Addresses") is True,
                    documents=extent is None or extent.get("Documents") is True,
                ),
                "Reservation": stay,  # no copy needed, as in `_render`
            }
            for customer, stay in hits
        ]
        return {"Customers": results, "Documents": None}

    # -- merges ------------------------------------------------------------------------------

    def _merge_customers(self, body: dict[str, Any]) -> dict[str, Any]:
        source_id = _required_str(body, "SourceCustomerId")
        target_id = _required_str(body, "TargetCustomerId")
        self._check_merge(source_id, target_id, "SourceCustomerId", "TargetCustomerId")
        self._merge(source_id, target_id)
        return {}

    def _merge_accounts(self, body: dict[str, Any]) -> dict[str, Any]:
        merges = body.get("AccountMergeParameters")
        if merges is None:
            _bad("Missing AccountMergeParameters.")
        if not isinstance(merges, list) or not 1 <= len(merges) <= 10:
            _bad("Invalid AccountMergeParameters: between 1 and 10 items.")
        plan: list[tuple[str, str]] = []
        for index, merge in enumerate(merges):
            where = f"AccountMergeParameters[{index}]"
            if not isinstance(merge, dict):
                _bad(f"Invalid {where}.")
            _object({where: merge}, where, ("AccountType", "SourceAccountIds", "TargetAccountId"))
            if merge.get("AccountType") not in ("Customer", "Company"):
                _bad(f"Invalid {where}.AccountType.")
            sources = _string_list(merge, "SourceAccountIds")
            target = _required_str(merge, "TargetAccountId")
            if not sources:
                _bad(f"Missing {where}.SourceAccountIds.")
            if merge["AccountType"] == "Company":
                _bad(f"Invalid {where}.TargetAccountId: no such company.")
            for source in sources:
                self._check_merge(source, target, "SourceAccountIds", "TargetAccountId")
                plan.append((source, target))
        merged_away = [source for source, _ in plan]
        if len(set(merged_away)) < len(merged_away) or any(t in merged_away for _, t in plan):
            _bad(
                "Invalid AccountMergeParameters: an account is merged away twice or is both "
                "a source and a target."
            )
        for source, target in plan:
            self._merge(source, target)
        return {}

    def _check_merge(self, source: str, target: str, source_name: str, target_name: str) -> None:
        if source == target:
            _bad(f"Invalid {source_name}: the source and the target are the same customer.")
        for customer_id, name in ((source, source_name), (target, target_name)):
            customer = self.customers.get(customer_id)
            if (
                customer is None
                or not self._visible(customer)
                or self._activity_state(customer) != "Active"
            ):
                _bad(f"Invalid {name}.")

    def _merge(self, source_id: str, target_id: str) -> None:
        source = self.customers[source_id]
        source.update(IsActive=False, ActivityState="Deleted", MergeTargetId=target_id)
        self._touch(source)
        self._deleted_utc[source_id] = self._now()


def _reservation_members(reservation: Mapping[str, Any]) -> list[str]:
    members = [reservation.get("CustomerId"), reservation.get("OwnerId")]
    members.extend(reservation.get("CompanionIds") or [])
    return [member for member in dict.fromkeys(members) if isinstance(member, str)]


def _name_matches(customer: Mapping[str, Any], needle: str) -> bool:
    first = (customer.get("FirstName") or "").casefold()
    last = (customer.get("LastName") or "").casefold()
    return any(needle in value for value in (first, last, f"{first} {last}".strip()))


def _customer_fields(body: Mapping[str, Any], *, italian_as_update_values: bool) -> dict[str, Any]:
    """The validated, non-blank customer fields of an add or update body.

    Italian codes are plain strings on add and String update values on update; there a
    `{"Value": null}` yields a None to apply (the one way to clear a field).
    """
    fields: dict[str, Any] = {}
    for key in ("Title", "Sex"):
        value = _enum(body, key, TITLES if key == "Title" else SEXES)
        if not _blank(value):
            fields[key] = value
    for key in (*_PERSONAL_KEYS, *_OTHER_STRING_KEYS):
        value = _optional_str(body, key)
        if not _blank(value):
            fields[key] = value
    if "Email" in fields and not _EMAIL.fullmatch(fields["Email"].strip()):
        _bad("Invalid Email.")
    if "BirthDate" in fields:
        try:
            date.fromisoformat(fields["BirthDate"])
        except ValueError:
            _bad("Invalid BirthDate: expected YYYY-MM-DD.")
    for key, allowed in (("Classifications", CLASSIFICATIONS), ("Options", _ADD_OPTIONS)):
        values = _string_list(body, key, allowed=allowed)
        if values is not None:
            fields[key] = list(dict.fromkeys(values))
    for key in _ITALIAN_KEYS:
        if italian_as_update_values:
            update = _object(body, key, ("Value",))
            if update is not None:
                value = _optional_str(update, "Value")
                if key == "ItalianLotteryCode" and value is not None and len(value) > 15:
                    _bad(f"Invalid {key}: at most 15 characters.")
                fields[key] = None if _blank(value) else value
        elif not _blank(value := _optional_str(body, key)):
            fields[key] = value
    address = _object(body, "Address", _ADDRESS_KEYS)
    if address is not None:
        fields["Address"] = _non_blank_strings(address, "Address")
    for key in _DOCUMENT_KEYS:
        document = _object(body, key, _DOCUMENT_PARAMETER_KEYS)
        if document is not None:
            fields[key] = _non_blank_strings(document, key)
    return fields


def _non_blank_strings(values: Mapping[str, Any], where: str) -> dict[str, str]:
    for key, value in values.items():
        if value is not None and not isinstance(value, str):
            _bad(f"Invalid {where}.{key}.")
    return {key: value for key, value in values.items() if not _blank(value)}


_OPERATIONS: dict[str, _Operation] = {
    _PREFIX + "customers/getAll": _Operation(
        "customers/getAll", MewsSandbox._get_all, _GET_ALL_KEYS, portfolio=True
    ),
    _PREFIX + "customers/getOpenItems": _Operation(
        "customers/getOpenItems",
        MewsSandbox._get_open_items,
        frozenset({"CustomerIds", "Currency"}),
    ),
    _PREFIX + "customers/add": _Operation(
        "customers/add", MewsSandbox._add, _ADD_KEYS, portfolio=True
    ),
    _PREFIX + "customers/update": _Operation(
        "customers/update", MewsSandbox._update, _UPDATE_KEYS, portfolio=True
    ),
    _PREFIX + "customers/addFile": _Operation(
        "customers/addFile",
        MewsSandbox._add_file,
        frozenset({"ChainId", "CustomerId", "Name", "Type", "Data"}),
        portfolio=True,
    ),
    _PREFIX + "customers/search": _Operation(
        "customers/search", MewsSandbox._search, frozenset({"Name", "ResourceId", "Extent"})
    ),
    _PREFIX + "customers/merge": _Operation(
        "customers/merge",
        MewsSandbox._merge_customers,
        frozenset({"SourceCustomerId", "TargetCustomerId"}),
    ),
    _PREFIX + "accounts/merge": _Operation(
        "accounts/merge", MewsSandbox._merge_accounts, frozenset({"AccountMergeParameters"})
    ),
}


def create_mews_sandbox(
    customers: Iterable[Mapping[str, Any]] = (),
    *,
    reservations: Iterable[Mapping[str, Any]] = (),
    open_items: Mapping[str, Mapping[str, Any]] | None = None,
    tokens: Collection[tuple[str, str]] = ((DEMO_CLIENT_TOKEN, DEMO_ACCESS_TOKEN),),
    control: SandboxControl | None = None,
    rate_limit: int = 200,
    rate_window: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = _utc_now,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    scopes: Mapping[str, TokenScope] | None = None,
) -> MewsSandbox:
    """A sandboxed Mews enterprise seeded with `customers`; serve `.app` at the API root.
    With `scopes`, a hotel group: which chains each access token reaches."""
    return MewsSandbox(
        customers,
        reservations=reservations,
        open_items=open_items,
        tokens=tokens,
        control=control,
        rate_limit=rate_limit,
        rate_window=rate_window,
        clock=clock,
        now=now,
        max_body_bytes=max_body_bytes,
        scopes=scopes,
    )


__all__ = [
    "CUSTOMER_KEYS",
    "DEFAULT_MAX_BODY_BYTES",
    "PORTFOLIO_REFUSED",
    "SANDBOX_CHAIN_ID",
    "SANDBOX_PROFILE_ID",
    "MewsSandbox",
    "SlidingWindow",
    "TokenScope",
    "create_mews_sandbox",
    "format_utc",
    "parse_utc",
]
