"""Lookup keys for the identity index: one normal form per email, phone and name.

Both upstreams write these values their own way (`+33 6 12 34 56 78`, `0033612345678`,
`Élodie`, `ELODIE@EXAMPLE.COM`); a key is what two spellings of the same value share.
"""

from __future__ import annotations

import unicodedata

import phonenumbers


def email_key(value: object) -> str | None:
    """The address, trimmed and lower-cased; None when it is no address."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if "@" in text and not any(c.isspace() for c in text) else None


def phone_key(value: object) -> str | None:
    """The number in E.164 (`+33612345678`); None unless it has a country code.

    Neither upstream says which country a national number (`06 12 ...`) belongs to, so such a
    number gets no key rather than a guessed one.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def fold(text: str) -> str:
    """Lower case without accents, spaces collapsed: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def name_keys(first: object, last: object) -> frozenset[str]:
    """The forms a name prefix is matched against: "first last" and "last first" (or the
    one part given). A first or a last name alone is a prefix of one of them, so it needs
    no entry of its own."""
    parts = [fold(p) for p in (first, last) if isinstance(p, str) and p.strip()]
    if len(parts) == 2:
        return frozenset({f"{parts[0]} {parts[1]}", f"{parts[1]} {parts[0]}"})
    return frozenset(parts)
