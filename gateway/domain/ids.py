"""Id rules: the unified `Customer.id` (`fullwhere:<id>` or `mews:<UUID>`) and the opaque
cursors of connections."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from typing import Final

from gateway.errors import BadUserInput, echo

#: A Fullwhere customer id as the API issues them.
FULLWHERE_ID: Final = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
#: A Mews id: a UUID, in either case.
UUID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def parse_customer_id(value: str) -> tuple[str, str]:
    """`("fullwhere", id)` or `("mews", id)` from a `Customer.id`.

    Raises:
        BadUserInput: `value` is neither form.
    """
    kind, _, raw = value.partition(":")
    if kind == "fullwhere" and FULLWHERE_ID.fullmatch(raw):
        return kind, raw
    if kind == "mews" and UUID.fullmatch(raw):
        return kind, raw.lower()
    raise BadUserInput(
        f"{echo(value)} is not a customer id: use `fullwhere:<Fullwhere id>` or "
        "`mews:<Mews customer UUID>`",
        argument="id",
    )


@lru_cache(maxsize=4096)  # a page's cursors recur from one request to the next
def encode_cursor(kind: str, value: str) -> str:
    """An opaque cursor holding `value`, valid only for connections of `kind`."""
    raw = f"{kind}:{value}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> str:
    """The value inside a cursor made by `encode_cursor(kind, ...)`.

    Raises:
        BadUserInput: `cursor` is not one of `kind`.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix = f"{kind}:"
    if not text.startswith(prefix) or len(text) == len(prefix):
        raise BadUserInput(
            "after: not a cursor of this connection; pass an endCursor or an edge cursor "
            "it returned",
            argument="after",
        )
    return text[len(prefix) :]


__all__ = ["FULLWHERE_ID", "UUID", "decode_cursor", "encode_cursor", "parse_customer_id"]
