"""GraphQL over HTTP (the GraphQL-over-HTTP spec), as one Starlette endpoint.

- `POST` with `application/json` bodies (UTF-8); `GET` with query parameters, for queries
  only (a mutation over GET is 405 with `Allow: POST`).
- The response media type follows `Accept` (q-values, specificity, charset):
  `application/graphql-response+json` gets a 4xx status and no `data` for requests that fail
  before execution (parse, validation, operation selection, variables); `application/json`
  keeps the classic 200-with-errors behaviour for those. No `Accept` at all means
  `application/graphql-response+json` (the spec's default since 2025); a bare `*/*` keeps
  `application/json` for legacy clients. Nothing acceptable is 406.
- Requests that are not GraphQL-over-HTTP requests (bad JSON, wrong shapes, unsupported
  content type) are 4xx with a JSON `errors` body and never `data`.
- A browser asking for HTML on GET (no `query`) gets GraphiQL.
- The caller's scopes (`gateway.http.caller`) decide which operation types may run; a missing
  one is 403 `FORBIDDEN`. A persisted document's hash may stand in for `query`
  (`gateway.http.persisted`).
- Every response carries `x-request-id` (the caller's, when it sends a sane one).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from gateway.data.context import RequestContext
from gateway.http.caller import bearer_challenge, caller_of
from gateway.http.multipart import (
    MULTIPART,
    MultipartRequestError,
    multipart_params,
)
from gateway.http.persisted import PersistedQueryError, TrustedDocuments
from gateway.http.request_id import HEADER as REQUEST_ID_HEADER
from gateway.http.request_id import internal_error, request_id_for
from gateway.http.responses import GRAPHQL_RESPONSE, JSON, error_response, json_response
from gateway.upstream.resilience import writes_sent

logger = logging.getLogger("gateway.http")

UTF8 = ("utf-8", "utf8")
ALLOW = "GET, POST"
# Two named operations need two of these keywords; fewer means no second parse is needed.
_OPERATION_KEYWORD = re.compile(r"\b(?:query|mutation|subscription)\b")
# Bounds that extra parse; a larger document meets the schema's own token limit anyway.
_MAX_TOKENS_TO_COUNT = 10_000

ContextFactory = Callable[[Request, str], RequestContext]
PageRenderer = Callable[[Request], Awaitable[Response]]


class RequestError(Exception):
    """The HTTP request is not a GraphQL request we can run."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """`type/subtype; a=b` -> ("type/subtype", {"a": "b"}), lower-cased."""
    media, *rest = value.split(";")
    params: dict[str, str] = {}
    for param in rest:
        key, _, val = param.partition("=")
        params[key.strip().lower()] = val.strip().strip('"').lower()
    return media.strip().lower(), params


def _accept_ranges(accept: str) -> Iterator[tuple[str, float, int]]:
    """(media range, q, position) for each range whose charset, if any, is UTF-8."""
    for position, part in enumerate(accept.split(",")):
        media, params = _header_params(part)
        if not media or params.get("charset", "utf-8") not in UTF8:
            continue
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        yield media, q, position


def negotiate(accept: str | None) -> str | None:
    """The response media type for an `Accept` header, or None when nothing fits.

    Each offered type takes the q of its most specific matching range; the highest q wins,
    then the more specific match, then the range listed first. A tie on a shared wildcard
    goes to `application/json`, which legacy clients sending `*/*` expect.
    """
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE
    ranges = list(_accept_ranges(accept))
    best: tuple[float, int, int, int] | None = None
    chosen: str | None = None
    for preference, offered in enumerate((GRAPHQL_RESPONSE, JSON)):
        patterns = {offered: 2, "application/*": 1, "*/*": 0}
        matches = [(patterns[m], q, pos) for m, q, pos in ranges if m in patterns]
        if not matches:
            continue
        specificity, q, position = max(matches, key=lambda match: (match[0], -match[2]))
        if q <= 0:
            continue
        score = (q, specificity, -position, preference)
        if best is None or score > best:
            best, chosen = score, offered
    return chosen


def _media_type(request: Request) -> str:
    """The response media type the client accepts, or RequestError 406."""
    media_type = negotiate(request.headers.get("accept"))
    if media_type is None:
        raise RequestError(
            406,
            f"cannot answer with {request.headers.get('accept')!r}; "
            f"accept {GRAPHQL_RESPONSE} or {JSON}",
            headers={"accept": f"{GRAPHQL_RESPONSE}; charset=utf-8, {JSON}; charset=utf-8"},
        )
    return media_type


def wants_event_stream(request: Request) -> bool:
    """A GraphQL over SSE request: POST, asking for `text/event-stream`."""
    return request.method == "POST" and "text/event-stream" in request.headers.get("accept", "")


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and "query" not in request.query_params


def _json_param(params: dict[str, Any], name: str) -> None:
    """GET carries `variables` and `extensions` as JSON text; empty means absent."""
    raw = params.get(name)
    if raw is None:
        return
    if not raw.strip():
        del params[name]
        return
    try:
        params[name] = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(400, f"`{name}` is not valid JSON") from None


async def _params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            _json_param(params, name)
        return params
    content_type, type_params = _header_params(request.headers.get("content-type", ""))
    if content_type == MULTIPART:  # file uploads: the GraphQL multipart request spec
        try:
            return await multipart_params(request)
        except MultipartRequestError as exc:
            raise RequestError(exc.status, exc.message) from None
    if content_type != JSON:
        raise RequestError(415, f"send the request as {JSON}", headers={"accept-post": JSON})
    if type_params.get("charset", "utf-8") not in UTF8:
        raise RequestError(415, f"send the request as {JSON} in UTF-8")
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise RequestError(400, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise RequestError(400, "the body must be a JSON object")
    return body


def _checked(params: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None, Any]:
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestError(400, "`query` must be a non-empty string")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "`variables` must be an object")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(400, "`operationName` must be a string")
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, "`extensions` must be an object")
    # No operation can be named "": the spec makes an empty operationName mean "absent".
    return query, variables, operation_name or None, extensions


def _several_operations(query: str) -> bool:
    """Whether the document holds more than one operation.

    Strawberry would run the first one when no operationName is given; GraphQL's
    GetOperation() makes that a request error instead. The regex spares the second parse
    for every document that cannot hold two named operations.
    """
    keywords = _OPERATION_KEYWORD.finditer(query)
    if next(keywords, None) is None or next(keywords, None) is None:
        return False
    try:
        document = parse(query, no_location=True, max_tokens=_MAX_TOKENS_TO_COUNT)
    except GraphQLError:
        return False  # the execution reports the syntax error (or the size limit)
    operations = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return sum(1 for _ in operations) > 1


def _is_request_error(result: ExecutionResult) -> bool:
    """Failed before execution: parse, validation or variable coercion."""
    if isinstance(result, PreExecutionError):
        return True
    return (
        result.data is None
        and bool(result.errors)
        and all(not error.path for error in result.errors or [])
    )


def _serialize(result: ExecutionResult, request_error: bool) -> bytes:
    payload: dict[str, Any] = {}
    if result.errors:
        payload["errors"] = [_format_error(error) for error in result.errors]
    if not request_error:
        payload["data"] = result.data
    if result.extensions:
        payload["extensions"] = result.extensions
    return orjson.dumps(payload)


def _format_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    if error.path:
        formatted["path"] = error.path
    if error.extensions:
        formatted["extensions"] = error.extensions
    return formatted


class GraphQLEndpoint:
    """The ASGI endpoint at `/graphql`."""

    def __init__(
        self,
        schema: Any,
        context_factory: ContextFactory,
        page: PageRenderer | None = None,
        documents: TrustedDocuments | None = None,
        event_stream: PageRenderer | None = None,
        max_response_bytes: int | None = None,
    ) -> None:
        self.schema = schema
        self.context_factory = context_factory
        self.page = page
        self.documents = documents or TrustedDocuments(None)
        #: Subscriptions over SSE (`gateway.http.live`): POST with `Accept: text/event-stream`.
        self.event_stream = event_stream
        self.max_response_bytes = max_response_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"allow": ALLOW})
        if request.method not in ("GET", "POST"):
            return error_response(
                405, f"use GET or POST, not {request.method}", headers={"allow": ALLOW}
            )
        if self.page is not None and wants_html(request):
            return await self.page(request)
        if self.event_stream is not None and wants_event_stream(request):
            return await self.event_stream(request)
        request_id = request_id_for(request.scope)
        headers = {REQUEST_ID_HEADER: request_id}
        try:
            media_type = _media_type(request)
        except RequestError as exc:
            return error_response(exc.status, exc.message, headers=headers | exc.headers)
        try:
            return await self._run(request, request_id, media_type)
        except RequestError as exc:
            return error_response(
                exc.status, exc.message, media_type=media_type, headers=headers | exc.headers
            )
        except Exception:
            # Never a stack trace on the wire: the log has it, under the request id.
            logger.exception("unexpected error handling request %s", request_id)
            return internal_error(request_id, media_type=media_type, headers=headers)

    async def _run(self, request: Request, request_id: str, media_type: str) -> Response:
        params = await _params(request)
        headers = {REQUEST_ID_HEADER: request_id}
        caller = caller_of(request.scope)
        try:
            params["query"] = self.documents.query_for(params, caller)
        except PersistedQueryError as exc:
            return error_response(
                exc.status,
                exc.message,
                exc.code,
                media_type=media_type,
                headers=headers | exc.headers,
            )
        query, variables, operation_name, extensions = _checked(params)
        # Request errors (nothing executed) are 4xx for graphql-response+json, and 200 with
        # `errors` only for application/json, as the spec asks of each.
        request_error_status = 400 if media_type == GRAPHQL_RESPONSE else 200

        def request_error(message: str) -> Response:
            return error_response(
                request_error_status, message, media_type=media_type, headers=headers
            )

        if operation_name is None and _several_operations(query):
            return request_error(
                "Must provide operation name if query contains multiple operations."
            )
        by_method = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            # Strawberry decides the operation type from the parsed document (and
            # operationName), before validation: a refused operation never runs.
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=self.context_factory(request, request_id),
                operation_name=operation_name,
                allowed_operation_types=by_method & caller.allowed_operations(),
                operation_extensions=extensions,
            )
        except InvalidOperationTypeError as exc:
            if request.method == "GET" and exc.operation_type == OperationType.MUTATION:
                return error_response(
                    405,
                    "mutations must be sent with POST",
                    media_type=media_type,
                    headers=headers | {"allow": "POST"},
                )
            scope = caller.missing_scope(exc.operation_type)
            if scope is not None:
                return error_response(
                    403,
                    f"{exc.operation_type.value} operations need the scope {scope}, "
                    "which this token does not grant",
                    "FORBIDDEN",
                    media_type=media_type,
                    headers=headers
                    | {"www-authenticate": bearer_challenge("insufficient_scope", scope=scope)},
                )
            return request_error(f"{exc.operation_type.value} operations are not supported")
        except CannotGetOperationTypeError as exc:
            return request_error(exc.as_http_error_reason())
        failed_before = _is_request_error(result)
        status = request_error_status if failed_before else 200
        body = _serialize(result, failed_before)
        limit = self.max_response_bytes
        # A write's answer always reaches its caller: it says what was applied.
        if limit is not None and len(body) > limit and not writes_sent():
            return request_error(
                f"the response is {len(body)} bytes, over the limit of {limit}: ask for fewer "
                "fields, ids or smaller pages"
            )
        return json_response(body, status, media_type=media_type, headers=headers)
