"""Remove personal data from what people type before it is stored.

Search boxes and comments collect e-mail addresses, phone numbers (Chinese mobiles, landlines with
an area code, international numbers), Chinese resident ID numbers and order numbers (patterns the
operator configures with ``redact_patterns``). Each becomes a placeholder such as ``[phone]``, so
the backlog still shows that a customer pasted a phone number, but not which.

Error codes stay: ``0x80070005``, ``E1042`` and a 10-digit decimal HRESULT are not phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["PLACEHOLDER", "Redactor"]

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

BUILT_IN: list[tuple[str, str]] = [
    # ASCII only, so the words typed around an address without a space stay: 联系a@b.cn谢谢.
    ("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    # Resident ID: 6-digit area, 8-digit birth date, 3 digits, a check digit or X.
    (
        "id",
        rf"{_NOT_ALNUM_BEFORE}\d{{6}}(?:19|20)\d{{2}}(?:0[1-9]|1[0-2])\d{{2}}\d{{3}}[\dXx]"
        rf"{_NOT_ALNUM_AFTER}",
    ),
    # Chinese mobiles, with or without +86 and separators: 138 0013 8000.
    (
        "phone",
        rf"{_NOT_ALNUM_BEFORE}(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{{4}}[ -]?\d{{4}}"
        rf"{_NOT_ALNUM_AFTER}",
    ),
    # Landlines with an area code: 010-12345678, (021) 1234 5678.
    (
        "phone",
        rf"{_NOT_ALNUM_BEFORE}(?:\(0\d{{2,3}}\)|0\d{{2,3}})[ -]?\d{{3,4}}[ -]?\d{{4}}"
        rf"{_NOT_ALNUM_AFTER}",
    ),
    # International numbers written with a plus: +1 415 555 0100, +44-20-7946-0958,
    # +81 3-1234-5678 (a one-digit area code).
    ("phone", rf"\+\d{{1,3}}[ -]?\d{{1,4}}(?:[ -]?\d{{2,4}}){{2,4}}{_NOT_ALNUM_AFTER}"),
]


# What redaction leaves in the text: not words of the query.
PLACEHOLDER = re.compile(r"\[(?:email|phone|id|order)\]")


class Redactor:
    """Replace personal data in text by placeholders (``[email]``, ``[phone]``, ``[id]``…)."""

    def __init__(self, order_patterns: Iterable[str] = ()) -> None:
        rules = [*BUILT_IN, *(("order", p) for p in order_patterns)]
        self._rules = [(f"[{name}]", re.compile(pattern)) for name, pattern in rules]

    def __call__(self, text: str) -> str:
        """Return ``text`` with every match of every rule replaced."""
        for placeholder, pattern in self._rules:
            text = pattern.sub(placeholder, text)
        return text
