"""Small checks shared by the domain modules; each returns a clean value or records an error."""

from __future__ import annotations

import enum
import re
from typing import TypeVar

from server.domain.errors import N_, Message

E = TypeVar("E", bound=enum.Enum)

_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Errors(dict[str, Message]):
    """Field -> message; the first error of a field wins."""

    def add(self, field: str, message: str, **params: object) -> None:
        self.setdefault(field, Message(message, params))


def text(
    errors: Errors, field: str, value: str | None, *, max_length: int, required: bool = False
) -> str:
    cleaned = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    if required and not cleaned:
        errors.add(field, N_("Please fill in this field."))
    elif len(cleaned) > max_length:
        errors.add(field, N_("This is too long: at most %(max)d characters."), max=max_length)
    return cleaned


def choice(errors: Errors, field: str, value: str | None, enum_cls: type[E]) -> E | None:
    try:
        return enum_cls(value)
    except ValueError:
        errors.add(field, N_("Please choose one of the offered values."))
        return None


def email(errors: Errors, field: str, value: str | None) -> str | None:
    cleaned = text(errors, field, value, max_length=254)
    if cleaned and not _EMAIL.match(cleaned):
        errors.add(field, N_("Please enter a valid e-mail address."))
    return cleaned or None
