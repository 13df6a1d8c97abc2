"""Interface languages: German first, English too, from the gettext catalogs in `locale/`.

The catalogs are compiled to `.mo` at install (`make`); a missing or outdated `.mo` is compiled
in memory from its `.po` so a fresh checkout still speaks both languages.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import Translations

from server.domain.errors import Message

LOCALES = ("de", "en")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

current_locale: ContextVar[str] = ContextVar("current_locale", default=LOCALES[0])


@cache
def translations(locale: str) -> Translations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.is_file():
        return Translations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(message: str) -> str:
    return translations(current_locale.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ungettext(singular, plural, n)


def translate(message: Message | str) -> str:
    """Translate a domain message (then fill in its parameters) or a plain message id."""
    if isinstance(message, Message):
        translated = gettext(message.id)
        return translated % message.params if message.params else translated
    return gettext(message)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = current_locale.set(locale)
    try:
        yield
    finally:
        current_locale.reset(token)


def pick_locale(cookie: str | None, default: str) -> str:
    """The person's chosen language, else the configured default (German)."""
    if cookie in LOCALES:
        return cookie
    return default if default in LOCALES else LOCALES[0]


# The alliance works in Germany: times are stored in UTC and shown on German wall-clock time.
DISPLAY_TIME_ZONE = ZoneInfo("Europe/Berlin")
_WHEN_PATTERNS = {"de": "dd.MM.yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}
_DATE_PATTERNS = {"de": "dd.MM.yyyy", "en": "d MMM yyyy"}


def format_date(value: date) -> str:
    """A day as the reader's language writes it."""
    locale = current_locale.get()
    return babel_format_date(value, _DATE_PATTERNS.get(locale, _DATE_PATTERNS["de"]), locale=locale)


def format_when(value: datetime | None, *, seconds: bool = False) -> str:
    """A moment as the reader's language writes it, on German time ("–" for none)."""
    if value is None:
        return "–"
    locale = current_locale.get()
    pattern = _WHEN_PATTERNS.get(locale, _WHEN_PATTERNS["de"]) + (":ss" if seconds else "")
    return format_datetime(value, pattern, tzinfo=DISPLAY_TIME_ZONE, locale=locale)


def format_euros(cents: int | None) -> str:
    """An amount kept in cents, in euros as the reader's language writes it ("–" for none)."""
    if cents is None:
        return "–"
    locale = current_locale.get()
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale)
