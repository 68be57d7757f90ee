"""Client for the Mews Connector API customers operations.

Every call is `POST /api/connector/v1/<resource>/<action>` with `ClientToken`, `AccessToken`
and `Client` in the JSON body (reference/mews/guidelines-requests.md). Failures come out as the
`UpstreamError` tree through `request_json`; answers that are JSON but not of the documented
shape become `UpstreamInvalidResponse`. Returned records are the upstream dicts, typed with the
TypedDicts of `mews_types`, unchanged but for one key: a client of a named single-property token
(`MEWS_ACCESS_TOKENS`) writes its name under `PROPERTY_KEY` into every guest it returns, so a
record says which token reaches it wherever it is cached.

A portfolio access token (`chain_ids` given) sends its chains as `ChainIds` on every getAll
that names none, and the guest's `ChainId` on update and addFile: Mews requires them with
portfolio tokens and ignores them otherwise (reference/mews/customers.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast

import httpx

from gateway.upstream._http import expect_list, expect_mapping, request_json
from gateway.upstream.errors import Source, UpstreamInvalidResponse
from gateway.upstream.mews_types import (
    MewsAddBody,
    MewsCustomer,
    MewsCustomerExtent,
    MewsCustomerFilters,
    MewsCustomerItems,
    MewsCustomerPage,
    MewsSearchResult,
    MewsUpdateBody,
)
from gateway.upstream.resilience import Guard, mark_write
from gateway.upstream.session import UpstreamSession, as_session

#: Public demo tokens (demo environment `https://api.mews-demo.com` only, fake data only).
DEMO_CLIENT_TOKEN = "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D"
DEMO_ACCESS_TOKEN = "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D"
#: Upper bound of `Limitation.Count` and of every id/email list filter.
MAX_ITEMS = 1000

API_PREFIX = "/api/connector/v1/"
_AUTH_KEYS = frozenset({"ClientToken", "AccessToken", "Client"})
_DEFAULT_EXTENT: MewsCustomerExtent = {"Customers": True, "Addresses": True, "Documents": False}
_SOURCE: Source = "mews"
#: The key naming the single-property token that read a guest (absent: `MEWS_ACCESS_TOKEN`).
#: Mews's keys are PascalCase, so it never meets one of theirs.
PROPERTY_KEY = "$property"

T = TypeVar("T")


@dataclass(frozen=True)
class MewsCredentials:
    """The body-borne credentials. Tokens stay out of `repr`."""

    client_token: str = field(repr=False)
    access_token: str = field(repr=False)
    #: Application name and version, sent as `Client` in every body.
    client: str


def mews_message(body: Any) -> str | None:
    """`Message` of a Mews error body `{"Message", "RequestId", "Details"}`.

    `Details` is never surfaced: on development environments it holds the request, headers
    and stack traces.
    """
    if isinstance(body, Mapping):
        message = body.get("Message")
        if isinstance(message, str) and message.strip():
            return message
    return None


def chunked(items: Sequence[T], size: int = MAX_ITEMS) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_ITEMS:
        raise ValueError(f"count must be between 1 and {MAX_ITEMS}, got {count}")


async def _gather_all(calls: Sequence[Awaitable[T]]) -> list[T]:
    """Run `calls` concurrently; raise the first failure once all have settled.

    Waiting for every call (rather than failing fast) leaves no orphaned request running.
    """
    if len(calls) == 1:
        return [await calls[0]]
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast(list[T], results)


class MewsClient:
    """The customers operations of one Mews enterprise (one `AccessToken`).

    `http`, a session or an `httpx.AsyncClient`, carries the `base_url` (e.g.
    `https://api.mews.com`) and timeouts; the application owns and closes it. `guard` applies
    retries, the circuit breaker, the rate limit of the `AccessToken` and the request deadline
    to every call (the default sends each call once).
    """

    source: Final[Source] = "mews"

    def __init__(
        self,
        http: httpx.AsyncClient | UpstreamSession,
        credentials: MewsCredentials,
        *,
        guard: Guard | None = None,
        chain_ids: Sequence[str] = (),
        name: str | None = None,
    ) -> None:
        self._http = as_session(http, _SOURCE)
        self._credentials = credentials
        self.guard = guard or Guard(_SOURCE)
        #: The chains of a portfolio token (empty: a single-property token).
        self.chain_ids: tuple[str, ...] = tuple(chain_ids)
        #: The `MEWS_ACCESS_TOKENS` name of this token (None: `MEWS_ACCESS_TOKEN`).
        self.name = name

    def __repr__(self) -> str:
        base_url = self._http.base_url
        return (
            f"MewsClient(base_url={base_url!r}, client={self._credentials.client!r}, "
            f"name={self.name!r}, chains={len(self.chain_ids)})"
        )

    @property
    def portfolio(self) -> bool:
        """Whether this is a portfolio token (calls must name chains)."""
        return bool(self.chain_ids)

    def _mark(self, customers: Iterable[Any]) -> None:
        """Write this token's name into each guest (a named token only)."""
        if self.name is not None:
            for customer in customers:
                if isinstance(customer, dict):
                    customer[PROPERTY_KEY] = self.name

    def _with_chain(self, body: Mapping[str, Any], chain_id: str | None) -> Mapping[str, Any]:
        """`body` with the guest's `ChainId` when this is a portfolio token."""
        if not self.portfolio or chain_id is None:
            return body
        return {**body, "ChainId": chain_id}

    # -- transport ---------------------------------------------------------------------------

    async def _post(
        self, operation: str, body: Mapping[str, Any], *, write: bool
    ) -> tuple[Any, str | None]:
        """One call through the guard; `write` says whether it changes data upstream."""
        payload: dict[str, Any] = {
            "ClientToken": self._credentials.client_token,
            "AccessToken": self._credentials.access_token,
            "Client": self._credentials.client,
        }
        payload.update((k, v) for k, v in body.items() if k not in _AUTH_KEYS)
        return await self.guard.call(
            lambda timeout: request_json(
                self._http,
                _SOURCE,
                "POST",
                API_PREFIX + operation,
                message_of=mews_message,
                json=payload,
                timeout=timeout,
                operation=operation,
            ),
            write=write,
        )

    async def _read_object(
        self, operation: str, body: Mapping[str, Any], what: str
    ) -> tuple[dict[str, Any], str | None]:
        data, request_id = await self._post(operation, body, write=False)
        return expect_mapping(_SOURCE, data, what, request_id), request_id

    # -- customers/getAll --------------------------------------------------------------------

    async def get_all(
        self,
        filters: MewsCustomerFilters,
        *,
        count: int = MAX_ITEMS,
        cursor: str | None = None,
        extent: MewsCustomerExtent | None = None,
    ) -> MewsCustomerPage:
        """One `customers/getAll` page: up to `count` customers older than `cursor`."""
        _check_count(count)
        limitation: dict[str, Any] = {"Count": count}
        if cursor is not None:
            limitation["Cursor"] = cursor
        body: dict[str, Any] = {
            **filters,
            "Extent": dict(extent if extent is not None else _DEFAULT_EXTENT),
            "Limitation": limitation,
        }
        if self.portfolio and not filters.get("ChainIds"):
            body["ChainIds"] = list(self.chain_ids)
        data, request_id = await self._read_object("customers/getAll", body, "a customer page")
        customers = expect_list(_SOURCE, data.get("Customers"), "Customers", request_id)
        self._mark(customers)
        next_cursor = data.get("Cursor")
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise UpstreamInvalidResponse(
                _SOURCE, "expected Cursor as a string or null", request_id=request_id
            )
        documents = data.get("Documents")
        if documents is not None:
            documents = expect_list(_SOURCE, documents, "Documents", request_id)
        return cast(
            MewsCustomerPage,
            {"Customers": customers, "Cursor": next_cursor, "Documents": documents},
        )

    async def iter_pages(
        self, filters: MewsCustomerFilters, *, page_size: int = MAX_ITEMS
    ) -> AsyncIterator[list[MewsCustomer]]:
        """Walk every page, newest first; stop when `Cursor` is null or a page is short."""
        _check_count(page_size)
        cursor: str | None = None
        while True:
            page = await self.get_all(filters, count=page_size, cursor=cursor)
            customers = page["Customers"]
            if customers:
                yield customers
            next_cursor = page.get("Cursor")
            # A repeated cursor would loop forever on a misbehaving upstream.
            if next_cursor is None or len(customers) < page_size or next_cursor == cursor:
                return
            cursor = next_cursor

    async def get_by_ids(self, customer_ids: Sequence[str]) -> list[MewsCustomer]:
        """Customers with these ids (unknown ids are simply absent), in as few calls as can be.

        Ids are unique, so a chunk of n ids fits in one page of `Count` n.
        """
        ids = _unique(customer_ids)
        calls = [
            self.get_all({"CustomerIds": list(chunk)}, count=len(chunk)) for chunk in chunked(ids)
        ]
        pages = await _gather_all(calls)
        return [customer for page in pages for customer in page["Customers"]]

    async def get_by_emails(self, emails: Sequence[str]) -> list[MewsCustomer]:
        """Customers with any of these emails.

        Emails are not unique across profiles (portfolio tokens, OTA addresses), so each chunk
        asks for a full page and follows the cursor while pages come back full.
        """
        unique = _unique(emails)
        calls = [self._all_pages({"Emails": list(chunk)}) for chunk in chunked(unique)]
        pages = await _gather_all(calls)
        return [customer for page in pages for customer in page]

    async def _all_pages(self, filters: MewsCustomerFilters) -> list[MewsCustomer]:
        return [c async for page in self.iter_pages(filters) for c in page]

    # -- customers/getOpenItems (deprecated upstream) ---------------------------------------

    async def get_open_items(
        self, customer_ids: Sequence[str], *, currency: str | None = None
    ) -> list[MewsCustomerItems]:
        """Open order and payment items per customer, chunks of <= 1000 ids concurrently."""
        ids = _unique(customer_ids)

        async def one(chunk: Sequence[str]) -> list[MewsCustomerItems]:
            body: dict[str, Any] = {"CustomerIds": list(chunk)}
            if currency is not None:
                body["Currency"] = currency
            data, request_id = await self._read_object("customers/getOpenItems", body, "open items")
            # `Customers` is documented as optional.
            items = expect_list(_SOURCE, data.get("Customers") or [], "Customers", request_id)
            return cast(list[MewsCustomerItems], items)

        results = await _gather_all([one(chunk) for chunk in chunked(ids)])
        return [entry for chunk_items in results for entry in chunk_items]

    # -- writes ------------------------------------------------------------------------------

    async def add(self, body: MewsAddBody) -> MewsCustomer:
        """`customers/add`. Not idempotent: a retry can duplicate, or fail on the email."""
        return await self._customer_result("customers/add", body)

    async def update(self, body: MewsUpdateBody, *, chain_id: str | None = None) -> MewsCustomer:
        """`customers/update`; blank fields are left as they are upstream. `chain_id`, the
        guest's chain, is sent with a portfolio token only."""
        return await self._customer_result("customers/update", self._with_chain(body, chain_id))

    async def _customer_result(self, operation: str, body: Mapping[str, Any]) -> MewsCustomer:
        def customer(data: Any, request_id: str | None) -> MewsCustomer:
            record = expect_mapping(_SOURCE, data, "a customer", request_id)
            if not isinstance(record.get("Id"), str):
                raise UpstreamInvalidResponse(
                    _SOURCE, "expected a customer with an Id", request_id=request_id
                )
            self._mark([record])
            return cast(MewsCustomer, record)

        return await self._write(operation, body, customer)

    async def add_file(
        self,
        *,
        customer_id: str,
        name: str,
        mime_type: str,
        data: str,
        chain_id: str | None = None,
    ) -> str:
        """Attach a file (`data` is base64 text) to a customer; returns the new `FileId`.

        `chain_id`, the guest's chain, is sent with a portfolio token only (and as given by
        a single token's caller, which Mews ignores)."""

        def file_id(answer: Any, request_id: str | None) -> str:
            result = expect_mapping(_SOURCE, answer, "a file result", request_id)
            if not isinstance(result.get("FileId"), str):
                raise UpstreamInvalidResponse(
                    _SOURCE, "expected a FileId in the response", request_id=request_id
                )
            return str(result["FileId"])

        body = {"CustomerId": customer_id, "Name": name, "Type": mime_type, "Data": data}
        if chain_id is not None:
            body["ChainId"] = chain_id
        return await self._write("customers/addFile", body, file_id)

    async def _write(
        self, operation: str, body: Mapping[str, Any], read: Callable[[Any, str | None], T]
    ) -> T:
        """Send a write and `read(answer, request_id)` its 2xx answer. An answer that cannot
        be read still means the upstream acted: the error says the write may be applied."""
        data, request_id = await self._post(operation, body, write=True)
        try:
            return read(data, request_id)
        except UpstreamInvalidResponse as exc:
            raise mark_write(exc, applied=True) from None

    async def search(
        self, *, name: str | None = None, resource_id: str | None = None
    ) -> list[MewsSearchResult]:
        """Customers active at the moment (checked in, companions, paymasters). No paging."""
        body: dict[str, Any] = {"Extent": dict(_DEFAULT_EXTENT)}
        if name is not None:
            body["Name"] = name
        if resource_id is not None:
            body["ResourceId"] = resource_id
        data, request_id = await self._read_object("customers/search", body, "search results")
        results = expect_list(_SOURCE, data.get("Customers"), "Customers", request_id)
        for result in results:
            reservation = result.get("Reservation")
            if not isinstance(result.get("Customer"), dict) or not (
                reservation is None or isinstance(reservation, dict)
            ):
                raise UpstreamInvalidResponse(
                    _SOURCE,
                    "expected search results with a Customer object",
                    request_id=request_id,
                )
        self._mark(result["Customer"] for result in results)
        return cast(list[MewsSearchResult], results)

    async def merge(self, source_id: str, target_id: str) -> None:
        """`customers/merge` (deprecated upstream in favour of `accounts/merge`)."""
        body = {"SourceCustomerId": source_id, "TargetCustomerId": target_id}
        await self._post_empty("customers/merge", body)

    async def merge_accounts(self, source_id: str, target_id: str) -> None:
        """`accounts/merge` of one customer into another (the documented successor)."""
        body = {
            "AccountMergeParameters": [
                {
                    "AccountType": "Customer",
                    "SourceAccountIds": [source_id],
                    "TargetAccountId": target_id,
                }
            ]
        }
        await self._post_empty("accounts/merge", body)

    async def _post_empty(self, operation: str, body: Mapping[str, Any]) -> None:
        def empty(data: Any, request_id: str | None) -> None:
            # `{}` is documented; an empty body (204) is what `Prefer: return=minimal` gives.
            if data is not None and not isinstance(data, dict):
                raise UpstreamInvalidResponse(
                    _SOURCE, "expected an empty JSON object", request_id=request_id
                )

        await self._write(operation, body, empty)


__all__ = [
    "API_PREFIX",
    "DEMO_ACCESS_TOKEN",
    "DEMO_CLIENT_TOKEN",
    "MAX_ITEMS",
    "PROPERTY_KEY",
    "MewsClient",
    "MewsCredentials",
    "chunked",
    "mews_message",
]
