"""A short extractive summary of an item's notes, German or English, without any downloaded
model or data: the notes are split into sentences, each sentence is scored by how much of what
the notes keep coming back to it carries, and the best few are given in their original order.

Sentences: notes are mostly lines and bullet points, so every line is a unit of its own; within
a line, a sentence ends at `.`, `!` or `?` followed by a space and a capital letter, a digit or
a quote, except after a known abbreviation (z. B., d. h., bzw., Nr., e.g., Dr. …), a single
letter (initials) or an ordinal number ("am 3. Oktober").

Scoring: words are lower-cased and cut to a crude stem; stop words of both languages are left
out. A word's weight is how often it occurs in the notes, damped (1 + log) so one repeated word
does not decide alone. A sentence scores the mean weight of its distinct stems, times a small
bonus for coming early (notes often start with the point) and a penalty for being very short.
Ties keep the earlier sentence. Deterministic: the same notes give the same summary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_ABBREVIATIONS = """
    z b d h u a bzw ca usw vgl nr dr prof hr fr str tel ggf evtl inkl zzgl bspw sog etc
    e g i e mr mrs ms vs no approx jan feb mär apr jun jul aug sep sept okt nov dez dec oct
    st abs art bzgl max min mio mrd"""
ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())
_STOP_WORDS = """
    der die das den dem des ein eine einer eines einem einen und oder aber auch als an auf
    aus bei bis da dann dass daß für im in ist sind war waren wird werden wurde wurden mit nach
    nicht noch nur so sich sie er es wir ihr ich du man mehr sehr schon von vor zu zum zur über
    unter um wie was wer wo wenn weil ob am hat haben hatte kann können soll sollen muss müssen
    alle alles diese dieser dieses diesem jetzt hier dort gibt geben noch keine kein einen uns
    the a an and or but also as at by for from in into is are was were be been being will
    would shall should can could may might must with without of on to not no so if then than
    that this these those there here it its we you they he she i our your their them us
    has have had do does did about over under up down out all any more most very just"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
SUFFIXES = (
    "ungen",
    "heiten",
    "keiten",
    "ingen",
    "ung",
    "heit",
    "keit",
    "lich",
    "isch",
    "ern",
    "em",
    "en",
    "er",
    "es",
    "ing",
    "ed",
    "ly",
    "e",
    "n",
    "s",
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_END = re.compile(r"([.!?…]+)(\s+)(?=[\"'„“‚(]?[A-ZÄÖÜ0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+")
MIN_WORDS = 3


@dataclass(frozen=True, slots=True)
class Sentence:
    position: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """The notes' sentences in order (see the module's rules)."""
    found: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = _BULLET.sub("", line).strip()
        if line:
            found.extend(_split_line(line))
    return [Sentence(i, s) for i, s in enumerate(found)]


def _split_line(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _END.finditer(line):
        before = line[start : match.start(1)]
        last = before.rsplit(None, 1)[-1] if before.split() else ""
        if match.group(1) == "." and _no_end(last):
            continue
        parts.append(line[start : match.end(1)].strip())
        start = match.end(2)
    rest = line[start:].strip()
    if rest:
        parts.append(rest)
    return [part for part in parts if part]


def _no_end(word: str) -> bool:
    """Whether a full stop after `word` does not end the sentence."""
    bare = word.strip("(\"'„“").rstrip(".").lower()
    last = bare.split(".")[-1]
    return (
        last in ABBREVIATIONS
        or (len(last) == 1 and last.isalpha())
        or last.isdigit()
        or bare.replace(".", "") in ABBREVIATIONS
    )


def stem(word: str) -> str:
    word = word.lower()
    for suffix in SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text) if w.lower() not in STOP_WORDS and len(w) > 1]


def summarise(text: str, *, most: int = 3) -> list[str]:
    """The best sentences of the notes (at most `most`, about a third of them), in order."""
    found = sentences(text)
    if len(found) <= 1:
        return [s.text for s in found]
    stems = [content_stems(s.text) for s in found]
    counts = Counter(word for words in stems for word in words)
    weight = {word: 1 + math.log(count) for word, count in counts.items()}
    scored = []
    for sentence, words in zip(found, stems, strict=True):
        distinct = set(words)
        if not distinct:
            continue
        score = sum(weight[w] for w in distinct) / math.sqrt(len(distinct))
        score *= 1 + 0.5 / (1 + sentence.position)
        if len(_WORD.findall(sentence.text)) < MIN_WORDS:
            score *= 0.5
        scored.append((score, sentence))
    wanted = min(most, max(1, math.ceil(len(found) / 3)))
    best = sorted(scored, key=lambda pair: (-pair[0], pair[1].position))[:wanted]
    return [s.text for _, s in sorted(best, key=lambda pair: pair[1].position)]
