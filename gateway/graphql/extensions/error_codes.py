"""Give every error one of the documented `extensions.code`s, and mask the unexpected ones.

Known errors (`GatewayError`, `UpstreamError`) keep their message and get their code (and
`source` for upstream ones). Parse, validation and variable errors are `BAD_USER_INPUT`.
Anything else becomes `INTERNAL_SERVER_ERROR` with the request id, which the log line for
that error carries too; its message and stack trace stay in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.errors import INTERNAL_ERROR_MESSAGE, error_extensions, public_message

logger = logging.getLogger("gateway.errors")


def _request_id(context: Any) -> str:
    return str(getattr(context, "request_id", "") or "")


def code_error(error: GraphQLError, request_id: str) -> GraphQLError:
    """`error` with a documented code, masked when it is not one we raised on purpose."""
    if error.extensions and "code" in error.extensions:
        return error
    original = error.original_error
    if original is None or (not error.path and error_extensions(original) is None):
        # Parse, validation and coercion errors: the request is wrong. Variable coercion
        # wraps the scalar's own exception, but has no path: nothing has executed yet.
        return GraphQLError(
            error.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={"code": "BAD_USER_INPUT"},
        )
    extensions = error_extensions(original)
    if extensions is None:
        logger.error(
            "unexpected error (request id %s) at %s: %s",
            request_id,
            error.path,
            type(original).__name__,
            exc_info=(type(original), original, original.__traceback__),
        )
        return GraphQLError(
            INTERNAL_ERROR_MESSAGE,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
    return GraphQLError(
        public_message(original),
        error.nodes,
        error.source,
        error.positions,
        error.path,
        extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        if result is None:
            return
        errors = list(getattr(result, "errors", None) or [])
        errors.extend(
            GraphQLError(
                public_message(partial.error),
                path=partial.path,
                original_error=None,
                extensions=error_extensions(partial.error),
            )
            for partial in getattr(context, "partial_errors", None) or ()
        )
        if errors:
            request_id = _request_id(context)
            result.errors = [code_error(error, request_id) for error in errors]
