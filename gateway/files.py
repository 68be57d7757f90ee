"""Files a customer may get attached in Mews: the documented MIME types and their signatures.

Mews `customers/addFile` accepts `application/pdf`, `image/bmp`, `image/gif`, `image/jpeg`,
`image/png` and `image/tiff`. The gateway checks the first bytes of every file against the
declared type before uploading it, so a renamed executable or a truncated download is refused
here, with a message a person can act on, instead of being stored on a guest profile.
"""

from __future__ import annotations

from typing import Final

from gateway.upstream.mews_types import FILE_TYPES

#: Leading bytes each allowed type starts with (any one of them).
SIGNATURES: Final[dict[str, tuple[bytes, ...]]] = {
    "application/pdf": (b"%PDF-",),
    "image/bmp": (b"BM",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
assert tuple(SIGNATURES) == FILE_TYPES, "one signature entry per type Mews allows"

#: Common aliases clients send for the allowed types (browsers, old mail clients).
_ALIASES: Final = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-ms-bmp": "image/bmp",
    "image/x-bmp": "image/bmp",
    "image/x-png": "image/png",
}


def normalize_type(declared: str) -> str:
    """`declared` lower-cased, without parameters (`; charset=...`), aliases resolved."""
    base = declared.split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


def is_allowed(mime_type: str) -> bool:
    return mime_type in SIGNATURES


def sniff(data: bytes) -> str | None:
    """The allowed type whose signature `data` starts with, or None."""
    for mime_type, signatures in SIGNATURES.items():
        if data.startswith(signatures):
            return mime_type
    return None


def matches(mime_type: str, data: bytes) -> bool:
    """Whether `data` starts with a signature of `mime_type` (an allowed type)."""
    return data.startswith(SIGNATURES[mime_type])


__all__ = ["FILE_TYPES", "SIGNATURES", "is_allowed", "matches", "normalize_type", "sniff"]
