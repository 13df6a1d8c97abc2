"""Amounts of money as people type them, in whole cents.

German writing first: "1.500" is fifteen hundred euros and "1500,50" has fifty cents; spaces,
apostrophes and a euro sign are allowed around and between the digits ("1 500 €"). An English
"1,500.50" is read too when both separators are there, the last one being the decimal mark.
"""

from __future__ import annotations

import re

from server.domain.errors import N_
from server.domain.validation import Errors

MAX_CENTS = 10_000_000 * 100  # ten million euros: more is a typing error, not a project
_NOISE = re.compile(r"[\s\u00a0\u202f'’]|€|eur(?:o)?", re.IGNORECASE)
_GERMAN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_ENGLISH_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_PLAIN = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")


def parse_cents(
    errors: Errors, field: str, raw: str | None, *, required: bool = True
) -> int | None:
    """The amount in cents, or None with the field's error recorded (None without an error
    when the field may stay empty)."""
    text = _NOISE.sub("", raw or "")
    if not text:
        if required:
            errors.add(field, N_("Please enter an amount in euros."))
        return None
    if text.startswith("-") or text.startswith("−"):
        errors.add(field, N_("The amount must be more than zero; negative amounts are refused."))
        return None
    text = text.lstrip("+")
    cents = _cents(text)
    if cents is None:
        errors.add(field, N_("Please enter an amount in euros, e.g. 1.500 or 1500,50."))
    elif cents == 0:
        errors.add(field, N_("The amount must be more than zero."))
    elif cents > MAX_CENTS:
        errors.add(field, N_("This amount is not plausible: at most 10,000,000 euros."))
    else:
        return cents
    return None


def _cents(text: str) -> int | None:
    if "." in text and "," in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        whole, _, fraction = text.rpartition(decimal)
        thousands = "," if decimal == "." else "."
        if not re.fullmatch(rf"\d{{1,3}}(\{thousands}\d{{3}})*", whole):
            return None
        text = whole.replace(thousands, "") + "," + fraction
    elif _GERMAN_THOUSANDS.match(text):
        text = text.replace(".", "")
    elif _ENGLISH_THOUSANDS.match(text) and text.count(",") > 1:
        text = text.replace(",", "")
    match = _PLAIN.match(text)
    if match is None or len(match.group(1)) > 12:
        return None
    euros, fraction = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(euros) * 100 + int(fraction)


def format_euros(cents: int) -> str:
    """An amount for a message of the domain, written the German way ("1.500,50 €"); pages
    show amounts in the reader's language (the `euros` filter)."""
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} €"


def plain_euros(cents: int) -> str:
    """An amount as a form field or a spreadsheet cell holds it: "1500,50" (what
    `parse_cents` reads back)."""
    euros, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{euros},{rest:02d}"
