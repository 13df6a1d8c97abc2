"""What a message looks like on a German page: translated by the app's catalogs, escaped."""

from __future__ import annotations

from markupsafe import escape

from server import i18n


def german(message: str, **params: object) -> str:
    with i18n.use_locale("de"):
        translated = i18n.gettext(message)
    return str(escape(translated % params if params else translated))
