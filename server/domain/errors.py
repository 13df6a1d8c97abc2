"""Domain errors; `server/errors.py` maps them to HTTP responses in one place.

Messages are gettext message ids, marked with `N_` so that Babel extracts them; the page that
shows a message translates it into the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a message for translation without translating it here."""
    return message


@dataclass(frozen=True)
class Message:
    """A message id with its parameters, translated where it is shown."""

    id: str
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.id % self.params if self.params else self.id


class DomainError(Exception):
    message = N_("The request could not be carried out.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message

    @property
    def reason(self) -> Message:
        """What went wrong, in one sentence: a refused field's message, else the error's own."""
        errors: dict[str, Message] = getattr(self, "errors", None) or {}
        return next(iter(errors.values()), None) or Message(self.message)


class NotFound(DomainError):
    message = N_("This page or item does not exist (any more).")


class NotAllowed(DomainError):
    message = N_("You are not allowed to do this.")


class Conflict(DomainError):
    message = N_("Someone else changed this in the meantime.")


class Invalid(DomainError):
    """Input that breaks a rule; `errors` maps each form field to its message."""

    message = N_("Please correct the marked fields.")

    def __init__(self, errors: dict[str, Message]) -> None:
        super().__init__()
        self.errors = errors
