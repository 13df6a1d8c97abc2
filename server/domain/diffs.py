"""A readable difference between two texts, word by word: what stayed, what was added, what
was removed. For the history of notes (and of knowledge pages): people read it, so words are
compared whole, with the spaces and punctuation between them kept as they were."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

TOKENS = re.compile(r"\s+|\w+|[^\w\s]")

Kind = Literal["same", "added", "removed"]


@dataclass(frozen=True, slots=True)
class Segment:
    kind: Kind
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn `old` into `new`; joining the `same` and `added` ones gives `new`,
    the `same` and `removed` ones `old`. Neighbouring segments of one kind are joined."""
    before, after = TOKENS.findall(old), TOKENS.findall(new)
    segments: list[Segment] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(segments, "same", "".join(before[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            _add(segments, "removed", "".join(before[i1:i2]))
        if tag in ("insert", "replace"):
            _add(segments, "added", "".join(after[j1:j2]))
    return segments


def _add(segments: list[Segment], kind: Kind, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].kind == kind:
        segments[-1] = Segment(kind, segments[-1].text + text)
    else:
        segments.append(Segment(kind, text))
