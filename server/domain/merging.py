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
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
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
    base: str,
    mine: str,
    theirs: str,
    *,
    mark: Callable[[str], str] = mark_unmerged,
    lines_first: bool = False,
) -> MergeResult:
    """Merge `mine` (an edit of `base`) into `theirs` (the revision stored now).

    `lines_first` merges line by line first, and word by word only where both sides changed
    the same lines (as diff3 refines a hunk): for long texts that many edit at once (session
    notes), where a word diff of the whole text against a revision that others changed in a
    hundred places costs milliseconds per save, and the line diff a fraction of one. Lines
    only one side changed are taken from that side whole, which is what the word merge does
    with them too; lines both changed are merged word by word as without it."""
    base, mine, theirs = _normalise(base), _normalise(mine), _normalise(theirs)
    if mine in (base, theirs):
        return MergeResult(theirs)
    if theirs == base:
        return MergeResult(mine)
    if lines_first and "\n" in base:
        return _merge_lines_first(base, mine, theirs, mark)

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


def _merge_lines_first(
    base: str, mine: str, theirs: str, mark: Callable[[str], str], *, splice: bool = True
) -> MergeResult:
    base_l, mine_l, theirs_l = _lines(base), _lines(mine), _lines(theirs)
    spliced = _splice_one_hunk(base_l, mine_l, theirs_l) if splice else None
    if spliced is not None:
        return MergeResult(spliced)
    changes = sorted(
        [*_line_changes(base_l, mine_l, mine=True), *_line_changes(base_l, theirs_l, mine=False)],
        key=lambda change: (change.start, change.end),
    )
    out = _Output(lambda text: text)
    conflicts: list[TextConflict] = []
    done = 0
    for start, end, group in _overlapping(changes):
        out.write_text("".join(base_l[done:start]))
        mine_part = _apply_lines(base_l, start, end, [c for c in group if c.mine])
        theirs_part = _apply_lines(base_l, start, end, [c for c in group if not c.mine])
        if mine_part is None or mine_part == theirs_part:
            out.write_text(theirs_part or "")
        elif theirs_part is None:
            out.write_text(mine_part)
        else:  # both changed these lines: word by word, as without `lines_first`
            at = out.length
            merged = merge_text("".join(base_l[start:end]), mine_part, theirs_part, mark=mark)
            out.write_text(merged.text)
            conflicts += [
                TextConflict(c.base, c.mine, c.theirs, c.start + at, c.end + at)
                for c in merged.conflicts
            ]
        done = end
    out.write_text("".join(base_l[done:]))
    return MergeResult(out.text(), tuple(conflicts))


def _splice_one_hunk(base: list[str], mine: list[str], theirs: list[str]) -> str | None:
    """The usual save of busy notes, without diffing the whole text against theirs: I changed
    one run of lines (or several close together), and theirs still holds those lines as they
    were in the base, one after another, found by a line that is in each text exactly once.
    Then my run replaces them in theirs, and whatever others changed elsewhere stays (next to
    my run too: changes of neighbouring lines do not touch): what the full merge gives, in a
    fraction of its time. None when that cannot be told this way (the full merge decides)."""
    end = min(len(base), len(mine))
    start = 0
    while start < end and base[start] == mine[start]:
        start += 1
    base_end, mine_end = len(base), len(mine)
    while base_end > start and mine_end > start and base[base_end - 1] == mine[mine_end - 1]:
        base_end, mine_end = base_end - 1, mine_end - 1
    # None of my new lines may be one of the base's lines there or next to them: else a finer
    # alignment than this one (keeping such a line) could place my change differently.
    kept = set(base[max(0, start - 1) : base_end + 1])
    if not kept.isdisjoint(mine[start:mine_end]):
        return None
    if base_end > start:  # I replaced or deleted lines: find them in theirs
        at = _once_in_both(base[start], base, theirs)
        if at is None or theirs[at : at + base_end - start] != base[start:base_end]:
            return None
        until = at + base_end - start
    else:  # I inserted lines: between the same two lines in theirs, with nothing between
        before = _once_in_both(base[start - 1], base, theirs) if start > 0 else -1
        after = _once_in_both(base[start], base, theirs) if start < len(base) else len(theirs)
        if before is None or after is None or after != before + 1:
            return None
        at = until = after
    if mine_end == len(mine) > start and not mine[-1].endswith("\n") and until < len(theirs):
        return None  # my last line, without its end, would run into their next one
    return "".join([*theirs[:at], *mine[start:mine_end], *theirs[until:]])


def _once_in_both(line: str, base: list[str], theirs: list[str]) -> int | None:
    """Where the line is in theirs, if it is there and in the base exactly once."""
    if base.count(line) != 1 or theirs.count(line) != 1:
        return None
    return theirs.index(line)


def _apply_lines(base: list[str], start: int, end: int, changes: list[_Change]) -> str | None:
    """One side's text of the base lines [start, end), or None if that side left them alone."""
    if not changes:
        return None
    parts: list[str] = []
    position = start
    for change in changes:
        parts += base[position : change.start]
        parts.append(change.insert)
        position = change.end
    parts += base[position:end]
    return "".join(parts)


def line_changes(old: str, new: str) -> list[tuple[int, int, str]]:
    """What turns `old` into `new`, line by line: (first line, lines replaced, text put in
    their place), in order, the lines of `old` counted with their line ends. Compact where few
    lines changed: a live event of a session's notes carries this, not the whole text
    (static/app.js applies it, from the last change to the first)."""
    old_l = _lines(_normalise(old))
    return [
        (change.start, change.end - change.start, change.insert)
        for change in _line_changes(old_l, _lines(_normalise(new)), mine=False)
    ]


def apply_line_changes(text: str, changes: Iterable[tuple[int, int, str]]) -> str:
    """`line_changes` applied to the text they were taken from (as static/app.js does)."""
    lines: list[str] = _lines(_normalise(text))
    for first, count, put in sorted(changes, reverse=True):
        lines[first : first + count] = [put]
    return "".join(lines)


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


def _line_changes(base: list[str], other: list[str], *, mine: bool) -> list[_Change]:
    """Changes of lines, by patience diff: lines found once in each text anchor the alignment
    (the longest run of them in the same order), and only the gaps between anchors are diffed
    (by difflib, where both sides of a gap hold several lines). Not diff-match-patch: its
    bisection takes quadratic time when most lines changed (every participant's line in the
    notes of a busy session); anchoring on unique lines takes about linear time. A coarser
    alignment than the shortest only makes a gap look changed by both sides, which the word
    merge then sorts out: nothing is lost. Insertions slide left as in `_changes`."""
    spans: list[tuple[int, int, int, int]] = []
    # Lines both begin and end with are no anchors' work (one edited line: that is all).
    same = 0
    while same < min(len(base), len(other)) and base[same] == other[same]:
        same += 1
    base_end, other_end = len(base), len(other)
    while base_end > same and other_end > same and base[base_end - 1] == other[other_end - 1]:
        base_end, other_end = base_end - 1, other_end - 1
    anchors = [
        (same + i, same + j) for i, j in _anchors(base[same:base_end], other[same:other_end])
    ]
    i = j = same
    for next_i, next_j in [*anchors, (base_end, other_end)]:
        end_i, end_j = next_i, next_j
        while i < end_i and j < end_j and base[i] == other[j]:
            i, j = i + 1, j + 1
        while end_i > i and end_j > j and base[end_i - 1] == other[end_j - 1]:
            end_i, end_j = end_i - 1, end_j - 1
        if end_i - i > 1 and end_j - j > 1 and not set(base[i:end_i]).isdisjoint(other[j:end_j]):
            matcher = SequenceMatcher(None, base[i:end_i], other[j:end_j], autojunk=False)
            spans += [
                (i + i1, i + i2, j + j1, j + j2)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes()
                if tag != "equal"
            ]
        elif end_i > i or end_j > j:
            spans.append((i, end_i, j, end_j))
        i, j = next_i + 1, next_j + 1
    changes: list[_Change] = []
    for start, end, first, last in spans:
        insert = other[first:last]
        if start == end:
            limit = changes[-1].end + 1 if changes else 0
            while start > limit and base[start - 1] == insert[-1]:
                start = end = start - 1
                insert = [base[start], *insert[:-1]]
        changes.append(_Change(start, end, "".join(insert), mine))
    return changes


def _anchors(base: list[str], other: list[str]) -> list[tuple[int, int]]:
    """Positions of the lines found once in each text, the longest run of them that is in the
    same order in both (patience sorting)."""
    in_base, in_other = Counter(base), Counter(other)
    where = {symbol: j for j, symbol in enumerate(other) if in_other[symbol] == 1}
    pairs = [
        (i, where[symbol])
        for i, symbol in enumerate(base)
        if in_base[symbol] == 1 and symbol in where
    ]
    others = [j for _, j in pairs]
    if others == sorted(others):  # no line moved: all of them (the usual case)
        return pairs
    tops: list[int] = []  # the smallest `other` position ending a run of each length
    ends: list[int] = []  # the pair index ending that run
    before: list[int] = []  # each pair's predecessor in its run
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tops, j)
        if length == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[length], ends[length] = j, index
        before.append(ends[length - 1] if length else -1)
    run: list[tuple[int, int]] = []
    at = ends[-1] if ends else -1
    while at >= 0:
        run.append(pairs[at])
        at = before[at]
    return run[::-1]


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
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _lines(text: str) -> list[str]:
    """The text's lines, each with its line end; the last one without, if the text has none."""
    parts = text.split("\n")
    last = parts.pop()
    lines = [part + "\n" for part in parts]
    if last:
        lines.append(last)
    return lines


def _ordered_keys(*mappings: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(name for mapping in mappings for name in mapping))
