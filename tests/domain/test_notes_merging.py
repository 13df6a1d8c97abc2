"""Merging session notes line by line first (`merge_text(..., lines_first=True)`), and the
changed lines a live `notes` event carries (`line_changes`, applied as static/app.js does):
pure, no database."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.merging import (
    _merge_lines_first,
    apply_line_changes,
    line_changes,
    mark_unmerged,
    merge_text,
)

properties = settings(derandomize=True, max_examples=300, deadline=None, database=None)

# Base lines are lower case; each side writes words of its own alphabet, so a word in the
# result can only have come from the side that wrote it.
base_lines = st.lists(st.text(alphabet="abc ", min_size=0, max_size=6), min_size=0, max_size=8)


def edited(lines: list[str], alphabet: str) -> st.SearchStrategy[list[str]]:
    """Some lines replaced, inserted or deleted, with words of `alphabet`."""
    word = st.text(alphabet=alphabet, min_size=1, max_size=4)
    return st.lists(
        st.tuples(st.sampled_from(["keep", "replace", "insert", "delete"]), word),
        min_size=len(lines),
        max_size=len(lines),
    ).map(lambda ops: _apply(lines, ops))


def _apply(lines: list[str], ops: list[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    for line, (op, word) in zip(lines, ops, strict=True):
        if op == "keep":
            out.append(line)
        elif op == "replace":
            out.append(word)
        elif op == "insert":
            out += [word, line]
    return out


@st.composite
def three(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(base_lines)
    mine = draw(edited(base, "XYZ"))
    theirs = draw(edited(base, "PQR"))
    return "\n".join(base), "\n".join(mine), "\n".join(theirs)


@properties
@given(three())
def test_a_merge_keeps_every_word_each_side_wrote(texts: tuple[str, str, str]) -> None:
    base, mine, theirs = texts
    merged = merge_text(base, mine, theirs, lines_first=True)
    for word in re.findall(r"[XYZ]+", mine) + re.findall(r"[PQR]+", theirs):
        assert word in merged.text


@properties
@given(three())
def test_conflicts_keep_both_sides_marked(texts: tuple[str, str, str]) -> None:
    base, mine, theirs = texts
    merged = merge_text(base, mine, theirs, lines_first=True)
    for conflict in merged.conflicts:
        assert merged.text[conflict.start : conflict.end] == conflict.theirs + (
            f"⟦{conflict.mine}⟧" if conflict.mine else ""
        )


@properties
@given(three())
def test_splicing_one_run_of_my_lines_gives_what_the_full_merge_gives(
    texts: tuple[str, str, str],
) -> None:
    base, mine, theirs = texts
    full = _merge_lines_first(base, mine, theirs, mark_unmerged, splice=False)
    spliced = _merge_lines_first(base, mine, theirs, mark_unmerged)
    if full.clean:
        assert spliced.text == full.text
    else:  # where both changed the same lines, the splice must not have been taken
        assert spliced == full


@properties
@given(st.integers(0, 39), st.sets(st.integers(0, 39), max_size=30), st.booleans())
def test_one_line_saved_into_notes_that_others_changed_all_over_is_spliced_in(
    mine_at: int, theirs_at: set[int], insert: bool
) -> None:
    lines = [f"Teilnehmer {index}: a b" for index in range(40)]
    mine = list(lines)
    if insert:
        mine.insert(mine_at, "Neu: x")
    else:
        mine[mine_at] += " x"
    theirs = [line + " p" if index in theirs_at else line for index, line in enumerate(lines)]
    texts = "\n".join(lines), "\n".join(mine), "\n".join(theirs)
    full = _merge_lines_first(*texts, mark_unmerged, splice=False)
    assert _merge_lines_first(*texts, mark_unmerged) == full
    if insert or mine_at not in theirs_at:
        assert full.clean and "x" in full.text and full.text.count(" p") == len(theirs_at)


def test_lines_changed_by_both_are_merged_word_by_word() -> None:
    base = "Anwesend: Anna, Jonas\nOffen: Matratzen\nNächstes Treffen: Montag"
    mine = "Anwesend: Anna, Jonas, Mehmet\nOffen: Matratzen\nNächstes Treffen: Montag"
    theirs = "Anwesend: Petra, Anna, Jonas\nOffen: Matratzen, Betten\nNächstes Treffen: Montag"
    merged = merge_text(base, mine, theirs, lines_first=True)
    assert merged.clean
    assert merged.text == (
        "Anwesend: Petra, Anna, Jonas, Mehmet\nOffen: Matratzen, Betten\nNächstes Treffen: Montag"
    )
    clash = merge_text(base, base.replace("Montag", "Dienstag"), base.replace("Montag", "Freitag"))
    assert clash.text.endswith("Freitag⟦Dienstag⟧") and len(clash.conflicts) == 1


def test_merging_a_line_into_notes_where_every_other_line_changed_is_fast() -> None:
    lines = [f"Teilnehmer {n}: kpn{n:012x} alt{n}" for n in range(200)]
    base = "\n".join(lines)
    theirs = "\n".join(line.replace("alt", "neu") if n else line for n, line in enumerate(lines))
    mine = base.replace("alt0", "mein0")
    began = time.perf_counter()
    for _ in range(20):
        merged = merge_text(base, mine, theirs, lines_first=True)
    assert merged.clean and "mein0" in merged.text and merged.text.count("neu") == 199
    assert (time.perf_counter() - began) / 20 < 0.02  # a word merge takes ~150 ms here


@properties
@given(st.text(alphabet="ab\n ", max_size=30), st.text(alphabet="abc\n ", max_size=30))
def test_line_changes_turn_the_old_text_into_the_new(old: str, new: str) -> None:
    changes = line_changes(old, new)
    assert apply_line_changes(old, changes) == new
    for first, count, _ in changes:
        assert first >= 0 and count >= 0


def test_line_changes_carry_only_the_changed_lines() -> None:
    old = "\n".join(f"Zeile {n}" for n in range(100))
    new = old.replace("Zeile 42", "Zeile 42 geändert")
    assert line_changes(old, new) == [(42, 1, "Zeile 42 geändert\n")]
