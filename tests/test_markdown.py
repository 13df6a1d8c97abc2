"""The Markdown of knowledge pages: the small part it understands, and everything else text;
nothing from a page becomes markup or a dangerous link."""

from __future__ import annotations

from server import markdown
from server.markdown import escape_text, link, to_html


def test_headings_lists_paragraphs_strong_and_links() -> None:
    html = to_html(
        "# Titel\nErste Zeile\nzweite Zeile\n\n## Punkte\n"
        "- **eins** [Sitzung](/sessions/1#decision-2)\n"
        "- zwei [extern](https://example.org/a?b=c)\n  weiter\n\nSchluss"
    )
    assert str(html) == (
        "<h2>Titel</h2>\n<p>Erste Zeile<br>zweite Zeile</p>\n<h3>Punkte</h3>\n"
        '<ul><li><strong>eins</strong> <a href="/sessions/1#decision-2">Sitzung</a></li>'
        '<li>zwei <a href="https://example.org/a?b=c">extern</a> weiter</li></ul>\n<p>Schluss</p>'
    )


def test_markup_and_dangerous_links_stay_text() -> None:
    html = str(
        to_html(
            "<script>alert(1)</script> [x](javascript:alert) [y](//evil.example) "
            '[z](/ok" onmouseover="x) <img src=x onerror=alert(1)>'
        )
    )
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "href" not in html  # none of these targets is a safe link
    assert "x (javascript:alert)" in html


def test_escaped_text_stays_text_whatever_it_holds() -> None:
    title = "Punkt [1] (neu) *wichtig* # - _x_ \\ **fett**"
    written = "- " + link(title, "/sessions/1") + " " + escape_text("[a](/b)")
    html = str(to_html(written))
    assert html.count("<a ") == 1 and "<strong>" not in html
    assert 'href="/sessions/1"' in html
    assert "Punkt [1] (neu) *wichtig* # - _x_ \\ **fett**" in html
    assert "[a](/b)" in html


def test_a_pages_html_is_kept_per_revision_and_rendered_anew_for_a_changed_text() -> None:
    first = markdown.page_html(1, 1, "# Titel\n\nText")
    assert first == markdown.to_html("# Titel\n\nText")
    assert markdown.page_html(1, 1, "# Titel\n\nText") is first  # kept
    assert markdown.page_html(1, 2, "# Titel\n\nNeu") == markdown.to_html("# Titel\n\nNeu")
    changed = markdown.page_html(1, 1, "# Titel\n\nAnders, ohne neue Version")
    assert changed == markdown.to_html("# Titel\n\nAnders, ohne neue Version")
    for page in range(2, markdown.KEPT_PAGES + 10):  # only the last pages are kept
        markdown.page_html(page, 1, f"Seite {page}")
    assert markdown.page_html(1, 1, "# Titel\n\nText") is not first
