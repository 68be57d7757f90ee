"""Trusted documents: operations a request names by hash instead of sending their text.

A request may carry Apollo's persisted-query extension instead of (or beside) `query`:

    {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<sha256 hex of the text>"}}}

over POST or GET (`extensions` as a JSON query parameter). The hash is looked up in the
documents file (`{sha256 hex: document}`, made by `gateway persist-documents DIR`). As Apollo
clients expect, an unknown hash answers 200 with `PersistedQueryNotFound`
(`PERSISTED_QUERY_NOT_FOUND`), and without a documents file `PersistedQueryNotSupported`, after
which they send the text. The file is read once, at start-up: there is no registration of new
documents at run time, so a caller cannot add to the list.

With `required`, callers that are not API-key callers may run only listed documents, by hash
or by their exact text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import orjson

from gateway.http.caller import Caller

NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED: Final = "PERSISTED_QUERY_NOT_SUPPORTED"
#: The file extension of the documents `persist-documents` collects.
DOCUMENT_SUFFIX: Final = ".graphql"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# Tell caches in between not to keep the answer: the client retries with the text.
_NO_CACHE: Final = {"cache-control": "private, no-cache, must-revalidate"}


def document_hash(document: str) -> str:
    """The SHA-256 of a document's UTF-8 text, in lower-case hex (what Apollo clients send)."""
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueryError(Exception):
    """The request's document cannot run: HTTP `status`, GraphQL `code`, and a message."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def read_documents(path: str | Path) -> dict[str, str]:
    """The documents file at `path`, checked: every key is the SHA-256 of its document.

    Raises:
        ValueError: the file is missing, not such a JSON object, or a hash is wrong.
    """
    try:
        raw = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError:
        raise ValueError(f"{path} is not JSON") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path} must hold a JSON object {{sha256 hex: document}}")
    for key, document in raw.items():
        if not isinstance(document, str) or document_hash(document) != key:
            raise ValueError(f"{path}: the entry {key[:16]!r}… is not the SHA-256 of its document")
    return raw


def collect_documents(directory: str | Path) -> dict[Path, str]:
    """The text of every `.graphql` file under `directory`, by path, in path order.

    Raises:
        ValueError: `directory` is not a directory, or holds no `.graphql` file.
    """
    root = Path(directory)
    if not root.is_dir():
        raise ValueError(f"{directory} is not a directory")
    paths = sorted(path for path in root.rglob(f"*{DOCUMENT_SUFFIX}") if path.is_file())
    if not paths:
        raise ValueError(f"no {DOCUMENT_SUFFIX} files under {directory}")
    return {path: path.read_text(encoding="utf-8") for path in paths}


def manifest(documents: Iterable[str]) -> dict[str, str]:
    """The documents file for `documents`: `{sha256 hex: document}`."""
    return {document_hash(document): document for document in documents}


class TrustedDocuments:
    """The documents file's contents (None: no file), and whether only they may run.

    Args:
        documents: `{sha256 hex: document}`.
        required: only API-key callers may send other documents.
    """

    def __init__(self, documents: Mapping[str, str] | None, *, required: bool = False) -> None:
        if required and documents is None:
            raise ValueError("requiring persisted documents needs a documents file")
        self.documents = documents
        self.required = required

    def query_for(self, params: dict[str, Any], caller: Caller) -> Any:
        """The `query` to run for request `params` (unchecked when the request sends one
        that is not a string: the endpoint reports that).

        Raises:
            PersistedQueryError: the hash is unknown or malformed, or the document is not
                listed and `caller` may run only listed ones.
        """
        query = params.get("query")
        extensions = params.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is not None:
            sha256 = _checked_hash(persisted)
            if isinstance(query, str) and query:
                if document_hash(query) != sha256:
                    raise PersistedQueryError(
                        400, "BAD_USER_INPUT", "provided sha does not match query"
                    )
            elif self.documents is None:
                raise PersistedQueryError(
                    200, NOT_SUPPORTED, "PersistedQueryNotSupported", _NO_CACHE
                )
            elif sha256 not in self.documents:
                raise PersistedQueryError(200, NOT_FOUND, "PersistedQueryNotFound", _NO_CACHE)
            else:
                return self.documents[sha256]
        if self._refuses(query, caller):
            raise PersistedQueryError(
                403,
                "FORBIDDEN",
                "only trusted documents may run: send extensions.persistedQuery.sha256Hash "
                "of a document listed in the gateway's persisted documents",
            )
        return query

    def _refuses(self, query: Any, caller: Caller) -> bool:
        """Whether `caller` may not run the text `query` (API-key callers may run any)."""
        if not self.required or caller.kind == "api_key" or not isinstance(query, str):
            return False
        return document_hash(query) not in (self.documents or {})


def _checked_hash(persisted: Any) -> str:
    if (
        not isinstance(persisted, dict)
        or persisted.get("version", 1) != 1
        or not isinstance(persisted.get("sha256Hash"), str)
        or not _SHA256_HEX.fullmatch(persisted["sha256Hash"].lower())
    ):
        raise PersistedQueryError(
            400,
            "BAD_USER_INPUT",
            "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}",
        )
    return str(persisted["sha256Hash"]).lower()
