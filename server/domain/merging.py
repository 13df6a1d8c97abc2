"""Merging concurrent edits: free text (card descriptions, session notes, knowledge pages) and
structured fields (title, status, minutes …). Pure functions, no database and no web.

Both merges are three-way: `base` is the revision an edit was made against, `mine` the edit,
`theirs` the revision stored now. So whoever saves an edit must also send the id of the
revision it started from; the caller loads that revision as `base`.

Free text is merged like diff3, over words rather than lines: diff-match-patch diffs base→mine
and base→theirs (each word, run of white space or punctuation mark becomes one symbol, so the
diff is word-granular), and the two lists of changes are laid side by side on the base text.
Changes in different places both apply. Two insertions at the same place both survive, theirs
first (with a space between if they would run into one word), or once if one holds the other.
Changes that overlap and differ are a conflict.

Why not diff-match-patch's `patch_apply`: it finds each hunk again by fuzzy matching of a few
characters of context, which can put an insertion at a similar-looking wrong place and can
apply a deletion over words the other side wrote in between, losing their text while reporting
success. Positions in the common base are exact, so an overlap is detected, not guessed; and a
word is the smallest unit a person edits, so two edits of one word never fuse into a third.

A conflict keeps their text and puts mine right after it, marked (by default `⟦…⟧`), and
`MergeResult.conflicts` says where, so a page can show both and let the person choose. Nothing
is dropped silently. Line ends are normalised to `\\n`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from diff_match_patch import diff_match_patch

# Beyond this a diff stops looking for the smallest edit and settles for a coarser (still
# correct) one: larger conflicts instead of a request stuck on a pathological text.
DIFF_TIMEOUT_S: Final = 0.5


def _ranges(chars: Iterable[str]) -> str:
    """A regular-expression character class body for `chars`, as ranges."""
    codes = sorted(map(ord, chars))
    parts: list[str] = []
    first = last = codes[0]
    for code in [*codes[1:], -1]:
        if code == last + 1:
            last = code
            continue
        parts.append(re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else ""))
        first = last = code
    return "".join(parts)


# Characters that belong to the one before them: combining marks (those outside the basic
# plane are rare enough to leave alone), joiners, variation selectors, emoji modifiers and tags.
_GLUE = _ranges(
    [
        *(c for c in map(chr, range(0x300, 0x10000)) if unicodedata.category(c)[0] == "M"),
        "\u200c",
        "\u200d",
        *map(chr, range(0x1F3FB, 0x1F400)),
        *map(chr, range(0xE0020, 0xE0080)),
        *map(chr, range(0xE0100, 0xE01F0)),
    ]
)
# A word, a run of white space, or one other character (an emoji with its joined sequence).
_TOKEN = re.compile(rf"\s+[{_GLUE}]*|\w(?:\w|[{_GLUE}])*|[^\w\s](?:\u200d\S|[{_GLUE}])*")
_FIRST_SYMBOL = 0x100  # symbols are code points from here on, surrogates skipped
_SURROGATES = 0xE000 - 0xD800


def mark_unmerged(text: str) -> str:
    """The default marking of my text that could not be merged."""
    return f"⟦{text}⟧"


@dataclass(frozen=True, slots=True)
class TextConflict:
    """A region both sides changed differently. `result.text[start:end]` is `theirs` followed
    by `mine` as marked; a resolution replaces that span."""

    base: str
    mine: str
    theirs: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The merged text, to be stored as the next revision, and what could not be merged."""

    text: str
    conflicts: tuple[TextConflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_text(
    base: str, mine: str, theirs: str, *, mark: Callable[[str], str] = mark_unmerged
) -> MergeResult:
    """Merge `mine` (an edit of `base`) into `theirs` (the revision stored now)."""
    base, mine, theirs = _normalise(base), _normalise(mine), _normalise(theirs)
    if mine in (base, theirs):
        return MergeResult(theirs)
    if theirs == base:
        return MergeResult(mine)

    symbols = _Symbols()
    base_s, mine_s, theirs_s = symbols.encode(base), symbols.encode(mine), symbols.encode(theirs)
    changes = sorted(
        [*_changes(base_s, mine_s, mine=True), *_changes(base_s, theirs_s, mine=False)],
        key=lambda change: (change.start, change.end),
    )

    out = _Output(symbols.decode)
    conflicts: list[TextConflict] = []
    done = 0  # base symbols already written
    for start, end, group in _overlapping(changes):
        out.write(base_s[done:start])
        mine_part = _apply(base_s, start, end, [c for c in group if c.mine])
        theirs_part = _apply(base_s, start, end, [c for c in group if not c.mine])
        if mine_part is None:  # only they changed this
            out.write(theirs_part or "")
        elif theirs_part is None:  # only I did
            out.write(mine_part)
        elif mine_part == theirs_part:
            out.write(theirs_part)
        elif start == end:  # two insertions at one place: keep both, a repeated one once
            if mine_part in theirs_part:
                out.write(theirs_part)
            elif theirs_part in mine_part:
                out.write(mine_part)
            else:
                out.write(theirs_part + _separator(symbols, theirs_part, mine_part) + mine_part)
        else:
            at = out.length
            out.write(theirs_part)
            mine_text = symbols.decode(mine_part)
            out.write_text(mark(mine_text) if mine_text else "")
            conflicts.append(
                TextConflict(
                    base=symbols.decode(base_s[start:end]),
                    mine=mine_text,
                    theirs=symbols.decode(theirs_part),
                    start=at,
                    end=out.length,
                )
            )
        done = end
    out.write(base_s[done:])
    return MergeResult(out.text(), tuple(conflicts))


MISSING: Final = object()
"""The base value of a field the base revision did not have."""


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """A field both sides changed to different values; the merge keeps `theirs`."""

    field: str
    base: Any
    mine: Any
    theirs: Any


@dataclass(frozen=True, slots=True)
class FieldMerge:
    values: dict[str, Any]
    """Every field after the merge; a conflicting field keeps their (stored) value."""
    updates: dict[str, Any]
    """The fields whose merged value differs from theirs: what to write to the stored row."""
    conflicts: tuple[FieldConflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_fields(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> FieldMerge:
    """Merge my field values (edited from `base`) into `theirs` (the stored row).

    A field missing from `mine` or `theirs` counts as unchanged there, so `mine` may hold only
    the fields a form sent. Values are compared with `==`."""
    values: dict[str, Any] = {}
    updates: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    for name in _ordered_keys(base, theirs, mine):
        was = base.get(name, MISSING)
        my_value = mine.get(name, was)
        their_value = theirs.get(name, was)
        if my_value in (was, their_value):
            values[name] = their_value
        elif their_value == was:
            values[name] = updates[name] = my_value
        else:
            values[name] = their_value
            conflicts.append(FieldConflict(name, was, my_value, their_value))
    return FieldMerge(values, updates, tuple(conflicts))


@dataclass(frozen=True, slots=True)
class _Change:
    """Base symbols [start, end) replaced by `insert`, by me or by them."""

    start: int
    end: int
    insert: str
    mine: bool


class _Symbols:
    """Maps each word, white-space run or punctuation mark to one code point, so that
    diff-match-patch's character diff becomes a word diff."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}
        self._tokens: list[str] = []

    def encode(self, text: str) -> str:
        codes = self._codes
        encoded = []
        for token in _TOKEN.findall(text):
            code = codes.get(token)
            if code is None:
                code = codes[token] = self._next_code(token)
            encoded.append(code)
        return "".join(encoded)

    def decode(self, symbols: str) -> str:
        tokens = self._tokens
        return "".join([tokens[ord(symbol) - _FIRST_SYMBOL] for symbol in symbols])

    def _next_code(self, token: str) -> str:
        code = _FIRST_SYMBOL + len(self._tokens)
        if code > 0x10FFFF:  # more distinct words than code points: not a real text
            raise ValueError("text has too many distinct words to merge")
        self._tokens.append(token)
        if code == 0xD7FF:  # the next code would be a surrogate; their indices stay unused
            self._tokens.extend([""] * _SURROGATES)
        return chr(code)


def _changes(base: str, other: str, *, mine: bool) -> list[_Change]:
    differ = diff_match_patch()
    differ.Diff_Timeout = DIFF_TIMEOUT_S
    changes: list[_Change] = []
    position = 0
    start: int | None = None
    inserted: list[str] = []
    for operation, data in differ.diff_main(base, other, False):
        if operation == diff_match_patch.DIFF_EQUAL:
            if start is not None:
                changes.append(_Change(start, position, "".join(inserted), mine))
                start, inserted = None, []
            position += len(data)
            continue
        if start is None:
            start = position
        if operation == diff_match_patch.DIFF_DELETE:
            position += len(data)
        else:
            inserted.append(data)
    if start is not None:
        changes.append(_Change(start, position, "".join(inserted), mine))
    return _slide_insertions_left(base, changes)


def _slide_insertions_left(base: str, changes: list[_Change]) -> list[_Change]:
    """Moves each insertion as far left as it can go without changing the text: "a␣[X␣]b" and
    "a[␣X]␣b" are the same edit, and two sides must place it alike to see that."""
    slid: list[_Change] = []
    for change in changes:
        if change.start == change.end:
            start, insert = change.start, change.insert
            limit = slid[-1].end + 1 if slid else 0
            while start > limit and base[start - 1] == insert[-1]:
                start, insert = start - 1, base[start - 1] + insert[:-1]
            change = _Change(start, start, insert, change.mine)
        slid.append(change)
    return slid


def _overlapping(changes: list[_Change]) -> Iterable[tuple[int, int, list[_Change]]]:
    """Groups changes (sorted by position) that touch the same base symbols. An insertion at
    the edge of another change does not touch it; two insertions at one place do."""
    index = 0
    while index < len(changes):
        group = [changes[index]]
        start, end = group[0].start, group[0].end
        index += 1
        while index < len(changes):
            change = changes[index]
            if start == end:
                touches = change.start == change.end == start
            elif change.start == change.end:
                touches = start < change.start < end
            else:
                touches = change.start < end
            if not touches:
                break
            group.append(change)
            end = max(end, change.end)
            index += 1
        yield start, end, group


def _separator(symbols: _Symbols, first: str, second: str) -> str:
    """A space between two insertions that would otherwise run into one word."""
    end, start = symbols.decode(first[-1]), symbols.decode(second[0])
    return symbols.encode(" ") if end[-1].isalnum() and start[0].isalnum() else ""


def _apply(base: str, start: int, end: int, changes: list[_Change]) -> str | None:
    """One side's version of base[start:end], or None if that side left it alone."""
    if not changes:
        return None
    parts = []
    position = start
    for change in changes:
        parts += [base[position : change.start], change.insert]
        position = change.end
    parts.append(base[position:end])
    return "".join(parts)


class _Output:
    def __init__(self, decode: Callable[[str], str]) -> None:
        self._decode = decode
        self._parts: list[str] = []
        self.length = 0

    def write(self, symbols: str) -> None:
        self.write_text(self._decode(symbols))

    def write_text(self, text: str) -> None:
        self._parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self._parts)


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _ordered_keys(*mappings: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(name for mapping in mappings for name in mapping))
