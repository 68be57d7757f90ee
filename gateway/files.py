"""Files a customer may get attached in Mews: the documented MIME types and their signatures.

Mews `customers/addFile` accepts `application/pdf`, `image/bmp`, `image/gif`, `image/jpeg`,
`image/png` and `image/tiff`. The gateway checks the first bytes of every file against the
declared type before uploading it, so a renamed executable or a truncated download is refused
here, with a message a person can act on, instead of being stored on a guest profile.

The file's name must agree with it too: a name is one file name (no path separators, no
control or invisible formatting characters, which can disguise an extension), and its
extension is one of the verified type's (a name without one gets the type's).
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath
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

#: File name extensions of each allowed type, lower case; the first is the one added.
EXTENSIONS: Final[dict[str, tuple[str, ...]]] = {
    "application/pdf": (".pdf",),
    "image/bmp": (".bmp", ".dib"),
    "image/gif": (".gif",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/tiff": (".tif", ".tiff"),
}
assert tuple(EXTENSIONS) == FILE_TYPES, "extensions for every type Mews allows"

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


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a file name as given, or None."""
    if "/" in name or "\\" in name:
        return "give the file's name without a path (no path separator)"
    # Cc: control characters (NUL, newlines); Cf: invisible formatting such as U+202E, the
    # right-to-left override that shows "cv\u202efdp.exe" as "cvexe.pdf".
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        return "the name holds a control character"
    if name in (".", ".."):
        return "give the file a name"
    return None


def extension(name: str) -> str:
    """`name`'s extension in lower case (`.pdf`), or "" when it has none."""
    return PurePosixPath(name).suffix.lower()


def named_for(name: str, mime_type: str) -> str | None:
    """`name` with the extension of `mime_type` (added when it has none), or None when its
    extension belongs to another type."""
    suffix = extension(name)
    if not suffix:
        return name + EXTENSIONS[mime_type][0]
    return name if suffix in EXTENSIONS[mime_type] else None


__all__ = [
    "EXTENSIONS",
    "FILE_TYPES",
    "SIGNATURES",
    "extension",
    "is_allowed",
    "matches",
    "name_problem",
    "named_for",
    "normalize_type",
    "sniff",
]
