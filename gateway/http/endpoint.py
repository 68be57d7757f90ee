"""GraphQL over HTTP (the GraphQL-over-HTTP spec), as one Starlette endpoint.

- `POST` with `application/json` bodies; `GET` with query parameters for queries only
  (a mutation over GET is 405).
- `Accept: application/graphql-response+json` gets that media type and a 4xx status for
  requests that fail before execution (parse, validation, variables); `application/json`
  (or no Accept) keeps the classic 200-with-errors behaviour.
- A browser asking for HTML on GET gets GraphiQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from gateway.resolvers.context import RequestContext

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

ContextFactory = Callable[[Request, str], RequestContext]
PageRenderer = Callable[[Request], Awaitable[Response]]


class RequestError(Exception):
    """The HTTP request is not a GraphQL request we can run."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _media_type(request: Request) -> str:
    """The response media type the client accepts, or RequestError 406."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON
    ranges = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    for candidate in ranges:
        if candidate == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if candidate in (JSON, "application/*", "*/*"):
            return JSON
    raise RequestError(406, f"cannot answer with {accept!r}; accept {GRAPHQL_RESPONSE} or {JSON}")


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and "query" not in request.query_params


async def _params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if name in params:
                try:
                    params[name] = orjson.loads(params[name])
                except orjson.JSONDecodeError:
                    raise RequestError(400, f"{name} is not valid JSON") from None
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise RequestError(415, f"send the request as {JSON}")
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
    return query, variables, operation_name, extensions


def _error_body(message: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]})


def _is_request_error(result: ExecutionResult) -> bool:
    """Failed before execution: parse, validation or variable coercion."""
    if isinstance(result, PreExecutionError):
        return True
    return result.data is None and bool(result.errors) and all(
        not error.path for error in result.errors or []
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
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    if error.extensions:
        formatted["extensions"] = error.extensions
    return formatted


class GraphQLEndpoint:
    """The ASGI endpoint at `/graphql`."""

    def __init__(
        self, schema: Any, context_factory: ContextFactory, page: PageRenderer | None = None
    ) -> None:
        self.schema = schema
        self.context_factory = context_factory
        self.page = page

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            return Response(status_code=405, headers={"allow": "GET, POST"})
        if self.page is not None and wants_html(request):
            return await self.page(request)
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        try:
            media_type = _media_type(request)
        except RequestError as exc:
            return Response(_error_body(exc.message), status_code=exc.status, media_type=JSON)
        try:
            query, variables, operation_name, extensions = _checked(await _params(request))
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=self.context_factory(request, request_id),
                operation_name=operation_name,
                allowed_operation_types=(
                    {OperationType.QUERY}
                    if request.method == "GET"
                    else {OperationType.QUERY, OperationType.MUTATION}
                ),
                operation_extensions=extensions,
            )
        except RequestError as exc:
            return Response(
                _error_body(exc.message), status_code=exc.status, media_type=media_type,
                headers=exc.headers,
            )
        except InvalidOperationTypeError:
            return Response(
                _error_body("mutations must be sent with POST"), status_code=405,
                media_type=media_type, headers={"allow": "POST"},
            )
        except CannotGetOperationTypeError as exc:
            return Response(
                _error_body(exc.as_http_error_reason()), status_code=400, media_type=media_type
            )
        request_error = _is_request_error(result)
        status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
        return Response(
            _serialize(result, request_error),
            status_code=status,
            media_type=media_type,
            headers={"x-request-id": request_id},
        )
