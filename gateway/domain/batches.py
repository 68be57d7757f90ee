"""How a Fullwhere import is cut into batches the upstream accepts: the body limit, and
consecutive chunks under it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import orjson

#: Express' default JSON body limit ("100kb"), which the Fullwhere API answers 413 beyond.
FULLWHERE_MAX_BODY_BYTES: Final = 100 * 1024
#: What the gateway puts in one Fullwhere body at most: a margin under the limit for proxies
#: that count a few bytes more than we do.
FULLWHERE_SAFE_BODY_BYTES: Final = FULLWHERE_MAX_BODY_BYTES - 4 * 1024
#: `{"batch":[` + `]}` around the comma-separated items.
_BATCH_ENVELOPE: Final = len(b'{"batch":[]}')


def encoded_size(body: Any) -> int:
    """Bytes `body` takes in a request (the clients send compact orjson)."""
    return len(orjson.dumps(body))


def plan_chunks(sizes: Sequence[int], *, max_items: int, max_bytes: int) -> list[range]:
    """Consecutive index ranges covering `sizes` (encoded item sizes), each with at most
    `max_items` items and a batch body of at most `max_bytes`. Every item must fit alone."""
    chunks: list[range] = []
    start, body = 0, _BATCH_ENVELOPE
    for index, size in enumerate(sizes):
        separator = 1 if index > start else 0
        if index > start and (index - start >= max_items or body + separator + size > max_bytes):
            chunks.append(range(start, index))
            start, body, separator = index, _BATCH_ENVELOPE, 0
        body += separator + size
    if start < len(sizes):
        chunks.append(range(start, len(sizes)))
    return chunks


def batch_item_fits(size: int) -> bool:
    return _BATCH_ENVELOPE + size <= FULLWHERE_SAFE_BODY_BYTES


__all__ = [
    "FULLWHERE_MAX_BODY_BYTES",
    "FULLWHERE_SAFE_BODY_BYTES",
    "batch_item_fits",
    "encoded_size",
    "plan_chunks",
]
