"""Input checks shared by the gateway's own validation and the sandboxes.

`is_email` follows class-validator's `@IsEmail()` (validator.js `isEmail` with default options),
which is what the Fullwhere Partner API applies to an import body's `email`, so the gateway
refuses what the upstream would refuse before sending it. It is pragmatic, not RFC 5322:
`local@domain.tld`, no quoted local parts, no IP-literal domains, no display names.
"""

from __future__ import annotations

import re
from typing import Final

MAX_EMAIL_LENGTH: Final = 254
MAX_LOCAL_PART_BYTES: Final = 64

# validator.js `emailUserUtf8Part`: one dot-separated piece of the local part.
_LOCAL_ATOM = re.compile(
    r"[a-z\d!#$%&'*+\-/=?^_`{|}~\u00a1-\ud7ff\uf900-\ufdcf\ufdf0-\uffef]+", re.I
)
# validator.js `isFQDN` defaults: no underscores, labels of at most 63 characters, a TLD of
# at least two letters (or punycode) and never all digits.
_LABEL = re.compile(r"[a-z\d\u00a1-\uffff-]{1,63}", re.I)
_TLD = re.compile(
    r"[a-z\u00a1-\u00a8\u00aa-\ud7ff\uf900-\ufdcf\ufdf0-\uffef]{2,}|xn[a-z\d-]{2,}", re.I
)


def _is_domain(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2 or not _TLD.fullmatch(labels[-1]):
        return False
    return all(
        _LABEL.fullmatch(label) and not label.startswith("-") and not label.endswith("-")
        for label in labels
    )


def is_email(value: str) -> bool:
    """Whether `value` is an email address the way class-validator's `@IsEmail()` sees it."""
    if not isinstance(value, str) or len(value) > MAX_EMAIL_LENGTH:
        return False
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return False
    if len(local.encode()) > MAX_LOCAL_PART_BYTES:
        return False
    if not all(_LOCAL_ATOM.fullmatch(atom) for atom in local.split(".")):
        return False
    return _is_domain(domain)


__all__ = ["MAX_EMAIL_LENGTH", "MAX_LOCAL_PART_BYTES", "is_email"]
