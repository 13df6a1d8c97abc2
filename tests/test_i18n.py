"""The gettext catalogs in `locale/`: every text the code and templates use is in them, German is
fully translated with the same placeholders, and the app renders German unless asked otherwise.

The texts in use are extracted afresh with Babel, the way `make messages` does, so a new string
in a template fails here until the catalogs are updated and translated. No services needed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from markupsafe import escape

from server import i18n
from server.domain.errors import Message as DomainMessage
from server.labels import LEVEL_LABELS
from server.models import FederalLevel
from server.templating import create_templates

ROOT = Path(__file__).resolve().parent.parent
# The same keywords as the `messages` target of the Makefile.
KEYWORDS = ("N_", "_", "gettext", "ngettext:1,2")

# A printf-style conversion, named or not; a lone "%" at the end shows up with an empty type.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>.?)"
)


@cache
def used_messages() -> Catalog:
    """What the code and templates mark for translation, extracted now with babel.cfg."""
    with (ROOT / "babel.cfg").open() as fp:
        method_map, options_map = parse_mapping_cfg(fp, str(ROOT / "babel.cfg"))
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(KEYWORDS)}
    catalog = Catalog(domain=i18n.DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@cache
def catalog(locale: str) -> Catalog:
    with (i18n.LOCALE_DIR / locale / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fp:
        return read_po(fp, locale=locale, domain=i18n.DOMAIN)


def _where(message: Message) -> str:
    return ", ".join(f"{filename}:{lineno}" for filename, lineno in message.locations)


def _placeholders(text: str) -> set[tuple[str | None, str]]:
    return {(match["name"], match["type"]) for match in PLACEHOLDER.finditer(text)}


def _ids(message: Message) -> list[str]:
    """The English text: [msgid], or [msgid, msgid_plural]."""
    return [message.id] if isinstance(message.id, str) else list(message.id)


def _strings(message: Message) -> list[str]:
    """The translation: [msgstr], or one msgstr per plural form."""
    if isinstance(message.string, str):
        return [message.string]
    return [form or "" for form in message.string or ()]


def _forms(message: Message) -> list[tuple[str, str]]:
    """Each translated form with the English text it stands for (form 1 and up: the plural)."""
    ids = _ids(message)
    return [(ids[min(i, len(ids) - 1)], form) for i, form in enumerate(_strings(message))]


def test_extraction_finds_the_texts_of_code_and_templates() -> None:
    used = [message for message in used_messages() if message.id]
    places = {filename.split("/")[0] for message in used for filename, _ in message.locations}
    assert {"server", "templates", "workers"} <= places
    assert any(message.pluralizable for message in used)
    assert any(message.python_format for message in used)


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_catalog_holds_every_text_in_use(locale: str) -> None:
    translations = catalog(locale)
    missing = []
    for message in used_messages():
        if not message.id:
            continue
        entry = translations.get(message.id, message.context)
        if entry is None or entry.id != message.id:
            missing.append(f"{message.id!r} ({_where(message)})")
    assert not missing, f"not in the {locale} catalog - run `make messages`: " + "; ".join(missing)


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_catalog_is_well_formed_with_two_plural_forms(locale: str) -> None:
    translations = catalog(locale)
    assert translations.locale is not None
    assert str(translations.locale) == locale
    assert translations.num_plurals == 2
    assert not translations.fuzzy, "a fuzzy header makes `pybabel compile` skip the catalog"
    problems = [
        f"{message.id!r}: {error}" for message, errors in translations.check() for error in errors
    ]
    assert not problems, "; ".join(problems)


def test_every_german_text_is_translated_and_not_fuzzy() -> None:
    untranslated = []
    for message in catalog("de"):
        if not message.id:
            continue
        forms = _strings(message)
        if message.fuzzy or len(forms) != len(_ids(message)) or not all(map(str.strip, forms)):
            untranslated.append(repr(message.id))
    assert not untranslated, "German still missing for: " + "; ".join(untranslated)


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    """Newstyle gettext in Jinja applies `%` to every text, so a stray `%` would break a page."""
    wrong = []
    for message in catalog(locale):
        if not message.id:
            continue
        for english, translated in _forms(message):
            if translated and _placeholders(translated) != _placeholders(english):
                wrong.append(f"{english!r} -> {translated!r}")
    assert not wrong, "placeholders differ: " + "; ".join(wrong)


def test_english_falls_back_to_the_message_ids() -> None:
    """The English catalog may stay empty: gettext then shows the msgid, plural forms too."""
    for message in catalog("en"):
        if not message.id:
            continue
        if not any(translated for _, translated in _forms(message)):
            with i18n.use_locale("en"):
                ids = _ids(message)
                if len(ids) == 2:
                    assert i18n.ngettext(ids[0], ids[1], 1) == ids[0]
                    assert i18n.ngettext(ids[0], ids[1], 2) == ids[1]
                else:
                    assert i18n.gettext(ids[0]) == ids[0]


def _german(msgid: str, form: int = 0) -> str:
    """The German text of a msgid (the singular's for a plural entry), straight from the .po."""
    entry = catalog("de").get(msgid)
    assert entry is not None, msgid
    translated = _strings(entry)[form]
    assert translated
    return translated


def test_rendering_is_german_by_default_and_english_when_asked() -> None:
    templates = create_templates(lambda name, /, **params: "/")
    plural = ("%(num)d organisation", "%(num)d organisations")
    joined = "%(name)s joined the working group."
    page = templates.env.from_string(
        '{{ _("Working groups") }}|'
        "{{ ngettext(singular, plural, 1) }}|{{ ngettext(singular, plural, 3) }}|"
        "{{ _(joined, name=name) }}|{{ _(level_labels[level]) }}|{{ error|message }}"
    )
    context = {
        "singular": plural[0],
        "plural": plural[1],
        "joined": joined,
        "name": "Tafel <Nord> & Co",
        "level": FederalLevel.bund,
        "error": DomainMessage("This is too long: at most %(max)d characters.", {"max": 120}),
    }
    level = LEVEL_LABELS[FederalLevel.bund]
    escaped_name = str(escape(context["name"]))

    assert i18n.current_locale.get() == "de"
    assert i18n.pick_locale(None, "de") == i18n.pick_locale("xx", "xx") == "de"
    german = page.render(context)
    assert german == "|".join(
        [
            _german("Working groups"),
            _german(plural[0], 0) % {"num": 1},
            _german(plural[0], 1) % {"num": 3},
            _german(joined) % {"name": escaped_name},
            _german(level),
            _german("This is too long: at most %(max)d characters.") % {"max": 120},
        ]
    )
    assert "Working groups" not in german and "organisations" not in german

    with i18n.use_locale("en"):
        english = page.render(context)
    assert english == "|".join(
        [
            "Working groups",
            "1 organisation",
            "3 organisations",
            f"{escaped_name} joined the working group.",
            level,
            "This is too long: at most 120 characters.",
        ]
    )
    assert page.render(context) == german, "the language switch must not stick"


def test_python_code_translates_through_the_same_catalogs() -> None:
    subject = "Welcome to the working group %(group)s"
    assert i18n.gettext(subject) == _german(subject)
    with i18n.use_locale("en"):
        assert i18n.gettext(subject) == subject
        assert i18n.ngettext("%(num)d organisation found", "%(num)d organisations found", 0) == (
            "%(num)d organisations found"
        )
    assert i18n.ngettext("%(num)d organisation found", "%(num)d organisations found", 0) == (
        _german("%(num)d organisation found", 1)
    )
