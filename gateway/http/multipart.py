"""GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec).

A `multipart/form-data` POST carries three kinds of parts, in this order:

- `operations`: the usual GraphQL request as JSON, with `null` where files go;
- `map`: JSON `{"<part name>": ["variables.input.file", ...]}`;
- the files, one part each, named as in `map`.

`multipart_params` turns that into the ordinary request parameters, with each file (a
Starlette `UploadFile`) placed in `variables` where `map` says, ready for the `Upload` scalar.

`multipart/form-data` is a content type a browser may send cross-site without a CORS
preflight, so, as the spec asks, such a request must also carry one of the headers in
`PREFLIGHT_HEADERS` (which a cross-site page cannot set without a preflight). The size of the
body is not checked here: `gateway.http.body_limit.BodyLimit` bounds it as it streams in.
"""

from __future__ import annotations

import sys
from typing import Any, Final

import orjson
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

MULTIPART: Final = "multipart/form-data"
#: Any one of these (with a non-empty value) marks a request as not a simple cross-site one.
PREFLIGHT_HEADERS: Final = (
    "graphql-require-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
#: Files one request may carry.
MAX_FILES: Final = 20
#: Fields (`operations`, `map`) one request may carry.
MAX_FIELDS: Final = 10


class MultipartRequestError(Exception):
    """The multipart request cannot be run: HTTP `status`, a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_preflight(request: Request) -> None:
    """The spec's CSRF rule: a multipart request must carry a preflight-forcing header."""
    if not any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        raise MultipartRequestError(
            400,
            "multipart requests must carry a `GraphQL-Require-Preflight: 1` header (or "
            "`Apollo-Require-Preflight` / `x-apollo-operation-name`): it proves the request "
            "does not come from a cross-site form (CSRF protection)",
        )


async def _form(request: Request) -> FormData:
    parser = MultiPartParser(
        request.headers,
        request.stream(),
        max_files=MAX_FILES,
        max_fields=MAX_FIELDS,
        # A field is held in memory; BodyLimit bounds it with the whole body.
        max_part_size=sys.maxsize,
    )
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise MultipartRequestError(400, f"invalid multipart body: {exc.message}") from None


def _json_field(form: FormData, name: str) -> Any:
    raw = form.get(name)
    if not isinstance(raw, str):
        raise MultipartRequestError(
            400, f"a multipart GraphQL request needs an `{name}` field holding JSON"
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MultipartRequestError(400, f"`{name}` is not valid JSON") from None


def _place(operations: dict[str, Any], path: str, upload: UploadFile) -> None:
    """Put `upload` at `path` (e.g. `variables.input.file`, `variables.files.0`)."""
    head, *steps = path.split(".")
    if head != "variables" or not steps:
        raise MultipartRequestError(400, f"map path {path!r} must point into `variables`")
    container: Any = operations.get("variables")
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        if isinstance(container, dict):
            if not last and step not in container:
                break
            if last:
                container[step] = upload
                return
            container = container[step]
        elif isinstance(container, list) and step.isdigit() and int(step) < len(container):
            if last:
                container[int(step)] = upload
                return
            container = container[int(step)]
        else:
            break
    raise MultipartRequestError(400, f"map path {path!r} does not lead to a place in `variables`")


async def multipart_params(request: Request) -> dict[str, Any]:
    """The GraphQL request parameters of a multipart request, files in `variables`."""
    check_preflight(request)
    form = await _form(request)
    operations = _json_field(form, "operations")
    if isinstance(operations, list):
        raise MultipartRequestError(400, "batched operations are not supported; send one")
    if not isinstance(operations, dict):
        raise MultipartRequestError(400, "`operations` must be a JSON object")
    if operations.get("variables") is None:
        operations["variables"] = {}
    mapping = _json_field(form, "map")
    if not isinstance(mapping, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths)
        for paths in mapping.values()
    ):
        raise MultipartRequestError(400, "`map` must be a JSON object of lists of paths")
    for name, paths in mapping.items():
        upload = form.get(name)
        if not isinstance(upload, UploadFile):
            raise MultipartRequestError(
                400, f"`map` names the file part {name!r}, which is missing"
            )
        for path in paths:
            _place(operations, path, upload)
    return operations


__all__ = [
    "MULTIPART",
    "PREFLIGHT_HEADERS",
    "MultipartRequestError",
    "check_preflight",
    "multipart_params",
]
