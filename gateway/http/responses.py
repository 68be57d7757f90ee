"""The answers the HTTP edge writes itself: JSON, and GraphQL-shaped errors.

Every refusal before (or around) GraphQL execution -- a missing credential, a body over the
limit, a request that is not GraphQL, a request the shutdown ended, an unread metrics token --
has the body a GraphQL client already knows how to read:

    {"errors": [{"message": "...", "extensions": {"code": "...", ...}}]}

so one function makes it, with its status, media type and headers. Middleware sends the
`Response` it returns with `await response(scope, receive, send)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson
from starlette.responses import Response

JSON: Final = "application/json"
GRAPHQL_RESPONSE: Final = "application/graphql-response+json"
#: The code of an error in the request itself (a client can fix it and send it again).
BAD_USER_INPUT: Final = "BAD_USER_INPUT"


def json_response(
    content: bytes | Mapping[str, Any],
    status: int = 200,
    *,
    media_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON response, in UTF-8.

    Args:
        content: the body, as a mapping to serialise or bytes already serialised.
        status: the HTTP status.
        media_type: `application/json` or `application/graphql-response+json`.
        headers: more headers (`x-request-id`, `www-authenticate`, `retry-after`...).
    """
    body = content if isinstance(content, bytes) else orjson.dumps(content)
    return Response(
        body, status_code=status, media_type=f"{media_type}; charset=utf-8", headers=headers
    )


def error_response(
    status: int,
    message: str,
    code: str = BAD_USER_INPUT,
    *,
    media_type: str = JSON,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A GraphQL response holding one error and no `data`.

    Args:
        status: the HTTP status.
        message: what went wrong, for a person to act on.
        code: `extensions.code`.
        media_type: as for `json_response`.
        headers: as for `json_response`.
        **extensions: more of `extensions`, after `code` (`requestId`, `mayHaveBeenApplied`).
    """
    error = {"message": message, "extensions": {"code": code, **extensions}}
    return json_response({"errors": [error]}, status, media_type=media_type, headers=headers)
