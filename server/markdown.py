"""Knowledge pages are written in a small, safe part of Markdown, so that a page reads well as
a download (minutes to file away) and renders as HTML here:

- `# `, `## `, `### ` headings; `- ` list items; blank lines between paragraphs; a line break
  inside a paragraph stays a line break;
- `**strong**`; `[text](target)` links, where the target is a path of this site (`/…`, `#…`)
  or an `https://` / `http://` address (anything else, `javascript:` included, stays text);
- a backslash escapes the next character (`escape` writes text that must stay text).

Everything else is text: the HTML is built here from escaped pieces, never from the input.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from markupsafe import Markup, escape

_SPECIAL = re.compile(r"([\\`*_\[\]()#+\-!>|])")
_INLINE = re.compile(
    r"\\(?P<escaped>.)"
    r"|\*\*(?P<strong>(?:\\.|[^*\\])+)\*\*"
    r"|\[(?P<text>(?:\\.|[^\]\\])+)\]\((?P<target>[^()\s]+)\)",
    re.S,
)
_SAFE_TARGET = re.compile(r"^(?:/(?!/)|#|https?://)[^\s<>\"']*$")
_HEADING = re.compile(r"^(#{1,3}) +(.*)$")
_ITEM = re.compile(r"^- +(.*)$")


def escape_text(text: str) -> str:
    """Text written into a page's Markdown that must stay text (titles, notes, names)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def link(text: str, target: str) -> str:
    return f"[{escape_text(text)}]({target})"


def inline(text: str) -> Markup:
    """One line's inline Markdown as HTML."""
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(str(escape(text[position : match.start()])))
        if match.group("escaped") is not None:
            out.append(str(escape(match.group("escaped"))))
        elif match.group("strong") is not None:
            out.append(f"<strong>{inline(match.group('strong'))}</strong>")
        else:
            target = match.group("target")
            label = inline(match.group("text"))
            if _SAFE_TARGET.match(target):
                out.append(f'<a href="{escape(target)}">{label}</a>')
            else:
                out.append(f"{label} ({escape(target)})")
        position = match.end()
    out.append(str(escape(text[position:])))
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "h1" … "h3", "ul", "p"
    lines: tuple[str, ...]


def blocks(text: str) -> list[Block]:
    found: list[Block] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close() -> None:
        if paragraph:
            found.append(Block("p", tuple(paragraph)))
            paragraph.clear()
        if items:
            found.append(Block("ul", tuple(items)))
            items.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close()
        elif heading := _HEADING.match(line):
            close()
            found.append(Block(f"h{len(heading.group(1))}", (heading.group(2),)))
        elif item := _ITEM.match(line):
            if paragraph:
                close()
            items.append(item.group(1))
        elif items:
            items[-1] += " " + line  # a list item continued on the next line
        else:
            paragraph.append(line)
    close()
    return found


def to_html(text: str, *, heading_offset: int = 1) -> Markup:
    """The page's body as HTML; headings move down by `heading_offset` (the page has its h1)."""
    parts: list[str] = []
    for block in blocks(text):
        if block.kind == "p":
            parts.append(f"<p>{Markup('<br>').join(inline(line) for line in block.lines)}</p>")
        elif block.kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in block.lines) + "</ul>")
        else:
            level = min(6, int(block.kind[1]) + heading_offset)
            parts.append(f"<h{level}>{inline(block.lines[0])}</h{level}>")
    return Markup("\n".join(parts))


KEPT_PAGES = 64
_rendered: OrderedDict[tuple[int, int, int], Markup] = OrderedDict()


def page_html(page_id: int, version: int, text: str) -> Markup:
    """`to_html` of a page's revision, kept for the last `KEPT_PAGES` pages shown by this
    process: a session's summary runs to hundreds of kilobytes, about 40 ms to render, and a
    published one is read by many. The text's own hash is part of the key, so a body changed
    without a new version is rendered anew."""
    key = (page_id, version, hash(text))
    html = _rendered.get(key)
    if html is None:
        html = _rendered[key] = to_html(text)
        while len(_rendered) > KEPT_PAGES:
            _rendered.popitem(last=False)
    else:
        _rendered.move_to_end(key)
    return html
