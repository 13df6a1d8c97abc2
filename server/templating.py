"""Jinja2 set up once: autoescaping, gettext in the reader's language, shared globals."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.routing import BaseRoute, NoMatchFound
from starlette.templating import Jinja2Templates

from server import i18n, labels
from server.sessions import csrf_token

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


@jinja2.pass_context
def _csrf_token(context: jinja2.runtime.Context) -> str:
    """The CSRF token of the request being rendered; live fragments (no request) have none,
    since they are the same for every viewer and must carry no form of a person's own."""
    return csrf_token(context["request"])


@jinja2.pass_eval_context
def _gettext(eval_ctx: jinja2.nodes.EvalContext, message: str, /, **variables: Any) -> str:
    """`_()` exactly as Jinja's newstyle gettext does it (escaped variables, always a format
    string), without its two extra `context.call` indirections: a board page calls it ~4 times
    per card."""
    translated = i18n.gettext(message)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


def path_finder(routes: Sequence[BaseRoute], fallback: Callable[..., Any]) -> Callable[..., Any]:
    """`url_path_for` that asks the routes of that name first, then `fallback` (the router).

    Starlette's router tries every route in turn and each miss raises an exception; a board of
    200 cards, one link each, spent a quarter of its rendering on finding the card route."""
    named: dict[str, list[BaseRoute]] = {}
    for route in routes:
        name = getattr(route, "name", None)
        if isinstance(name, str):
            named.setdefault(name, []).append(route)

    def url_path_for(name: str, /, **params: Any) -> Any:
        for route in named.get(name, ()):
            try:
                return route.url_path_for(name, **params)
            except NoMatchFound:
                continue
        return fallback(name, **params)

    return url_path_for


class CardFragments:
    """Cards as boards show them, rendered once per language and kept: a card reads the same
    for every viewer (no form, no token of a person's own), so a board page of 200 cards joins
    kept strings instead of rendering 200 templates. The key holds all a card shows that can
    change (its version rises with every change of the card), so a stale entry is never hit;
    the oldest entries go when `size` is reached. A page asks which of its listed cards are
    `missing`, reads and `keep`s those, then joins them all (`many`)."""

    def __init__(self, env: jinja2.Environment, size: int = 20_000) -> None:
        self._env = env
        self._size = size
        self._kept: OrderedDict[tuple[Any, ...], Markup] = OrderedDict()

    @staticmethod
    def _key(card: Any, slug: str) -> tuple[Any, ...]:
        return (
            card.id,
            card.version,
            card.status,
            card.updated_at,
            card.organisation_name,
            slug,
            i18n.current_locale.get(),
        )

    def missing(self, cards: Iterable[Any], slug: str) -> list[int]:
        """The ids of the cards not kept in their present version (in the reader's language)."""
        return [card.id for card in cards if self._key(card, slug) not in self._kept]

    def keep(self, listed: Iterable[Any], full: Iterable[Any], slug: str) -> None:
        """Render and keep the `full` cards (every column a card shows), each under the key of
        its `listed` row: a card changed in between shows its newer state, and its live event
        follows anyway."""
        template = self._env.get_template("boards/_card.html")
        keys = {card.id: self._key(card, slug) for card in listed}
        for card in full:
            key = keys.get(card.id)
            if key is not None:
                self._kept[key] = Markup(template.render(card=card, slug=slug))
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def many(self, cards: Iterable[Any], slug: str) -> Markup:
        """The listed cards one after another, as kept by `keep` (one call from a template)."""
        kept = self._kept
        parts = []
        for card in cards:
            key = self._key(card, slug)
            kept.move_to_end(key)
            parts.append(kept[key])
        return Markup("").join(parts)


def card_fragments(templates: Jinja2Templates) -> CardFragments:
    fragments = templates.env.globals["card_fragments"]
    assert isinstance(fragments, CardFragments)
    return fragments


def create_templates(url_path_for: Callable[..., str]) -> Jinja2Templates:
    """Templates whose `url_for` gives paths from the app's routes, so that fragments render
    the same inside a request, in a live event or in a job."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.globals["_"] = _gettext
    env.globals.update(
        kind_labels=labels.KIND_LABELS,
        level_labels=labels.LEVEL_LABELS,
        status_labels=labels.STATUS_LABELS,
        action_labels=labels.ACTION_LABELS,
        card_kind_labels=labels.CARD_KIND_LABELS,
        resource_labels=labels.RESOURCE_LABELS,
        card_status_labels=labels.CARD_STATUS_LABELS,
        move_labels=labels.MOVE_LABELS,
        urgency_labels=labels.URGENCY_LABELS,
        card_action_labels=labels.CARD_ACTION_LABELS,
        card_field_labels=labels.CARD_FIELD_LABELS,
        locales=i18n.LOCALES,
        current_locale=i18n.current_locale.get,
    )
    env.filters["message"] = i18n.translate
    env.filters["when"] = i18n.format_when
    env.filters["euros"] = i18n.format_euros
    env.filters["day"] = i18n.format_date
    env.globals["csrf_token"] = _csrf_token
    env.globals["card_fragments"] = CardFragments(env)
    templates = Jinja2Templates(env=env)
    env.globals["url_for"] = lambda name, /, **params: str(url_path_for(name, **params))
    return templates


def render(templates: Jinja2Templates, name: str, **context: Any) -> str:
    return templates.get_template(name).render(**context)


def render_per_locale(templates: Jinja2Templates, name: str, **context: Any) -> dict[str, str]:
    """Render a fragment once for each interface language, for a live event."""
    rendered = {}
    for locale in i18n.LOCALES:
        with i18n.use_locale(locale):
            rendered[locale] = render(templates, name, **context)
    return rendered
