"""Client for the Fullwhere Partner API (customer data platform).

Four documented operations, nothing more: get one customer by id, import one, list a page,
import a batch. Every call carries the partner credentials in `X-API-KEY` / `X-API-SECRET`.
All HTTP goes through `request_json`, so failures arrive as the shared `UpstreamError` tree;
records come back as the plain dicts the upstream sent (typed by `fullwhere_types`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

import httpx

from gateway.upstream._http import expect_list, expect_mapping, request_json
from gateway.upstream.errors import UpstreamInvalidResponse
from gateway.upstream.fullwhere_types import (
    FullwhereCustomer,
    FullwhereImportBody,
    FullwherePage,
)
from gateway.upstream.resilience import Guard, mark_write
from gateway.upstream.session import UpstreamSession, as_session

CUSTOMER_PATH: Final = "/partners/customer"
LIST_PATH: Final = "/partners/customer/list"
BATCH_PATH: Final = "/partners/customer/batch"


@dataclass(frozen=True)
class FullwhereCredentials:
    """Partner credentials. The secret never shows in a repr."""

    api_key: str
    api_secret: str = field(repr=False)


def nest_error_message(body: Any) -> str | None:
    """The message of a NestJS error body.

    `{"statusCode": 400, "message": "..." | ["...", ...], "error": "Bad Request"}`: list
    messages (class-validator) are joined with "; "; `error` is the fallback.
    """
    if not isinstance(body, Mapping):
        return None
    message = body.get("message")
    if isinstance(message, list):
        parts = [str(part) for part in message if part is not None]
        if parts:
            return "; ".join(parts)
    elif isinstance(message, str) and message:
        return message
    error = body.get("error")
    return error if isinstance(error, str) and error else None


class FullwhereClient:
    """The Fullwhere Partner API over a session (or an `httpx.AsyncClient`) that carries the
    base URL.

    The application owns `http` (timeouts, pool limits, closing); this client only sends.
    `guard` applies retries, the circuit breaker and the request deadline to every call
    (the default sends each call once).
    """

    source: Final = "fullwhere"

    def __init__(
        self,
        http: httpx.AsyncClient | UpstreamSession,
        credentials: FullwhereCredentials,
        *,
        guard: Guard | None = None,
    ) -> None:
        self._http = as_session(http, self.source)
        self._headers = {"X-API-KEY": credentials.api_key, "X-API-SECRET": credentials.api_secret}
        self.guard = guard or Guard(self.source)

    def __repr__(self) -> str:
        return f"FullwhereClient(base_url={self._http.base_url!r})"

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        write: bool,
        operation: str,
    ) -> tuple[Any, str | None]:
        """One call through the guard; `write` says whether it changes data upstream;
        `operation` names it in metrics and traces."""
        return await self.guard.call(
            lambda timeout: request_json(
                self._http,
                self.source,
                method,
                path,
                message_of=nest_error_message,
                json=json,
                params=params,
                headers=self._headers,
                timeout=timeout,
                operation=operation,
            ),
            write=write,
        )

    def _customer(self, body: Any, request_id: str | None) -> FullwhereCustomer:
        record = expect_mapping(self.source, body, "a customer", request_id)
        if not isinstance(record.get("id"), str):
            raise UpstreamInvalidResponse(
                self.source, "expected a customer with a string id", request_id=request_id
            )
        return cast(FullwhereCustomer, record)

    async def get_customer(self, customer_id: str) -> FullwhereCustomer:
        """`GET /partners/customer?id=`; `UpstreamNotFound` when the id is unknown."""
        body, request_id = await self._call(
            "GET", CUSTOMER_PATH, params={"id": customer_id}, write=False, operation="get"
        )
        return self._customer(body, request_id)

    async def import_customer(self, body: FullwhereImportBody) -> FullwhereCustomer:
        """`POST /partners/customer` (201): the created customer."""
        answer, request_id = await self._call(
            "POST", CUSTOMER_PATH, json=dict(body), write=True, operation="import"
        )
        try:
            return self._customer(answer, request_id)
        except UpstreamInvalidResponse as exc:  # a 2xx answer: the customer was created
            raise mark_write(exc, applied=True) from None

    async def list_customers(self, *, page: int = 1, limit: int = 10) -> FullwherePage:
        """`POST /partners/customer/list` (201): one page, `limit` 1..100, `page` from 1."""
        body, request_id = await self._call(
            "POST", LIST_PATH, json={"limit": limit, "page": page}, write=False, operation="list"
        )
        page_body = expect_mapping(self.source, body, "a page of customers", request_id)
        expect_list(self.source, page_body.get("items"), "the page's items", request_id)
        expect_mapping(self.source, page_body.get("meta"), "the page's meta", request_id)
        return cast(FullwherePage, page_body)

    async def import_batch(self, batch: Sequence[FullwhereImportBody]) -> None:
        """`POST /partners/customer/batch` (201). No response body is promised, so any 2xx
        body, even one that is not JSON, means the batch was accepted."""
        try:
            await self._call(
                "POST",
                BATCH_PATH,
                json={"batch": [dict(item) for item in batch]},
                write=True,
                operation="batch",
            )
        except UpstreamInvalidResponse as exc:
            if exc.status is None or not 200 <= exc.status < 300:
                raise


__all__ = [
    "BATCH_PATH",
    "CUSTOMER_PATH",
    "LIST_PATH",
    "FullwhereClient",
    "FullwhereCredentials",
    "nest_error_message",
]
