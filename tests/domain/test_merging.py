"""Merging concurrent edits of free text and of structured fields (pure, no database)."""

from __future__ import annotations

import ast
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain import merging
from server.domain.merging import (
    MISSING,
    FieldConflict,
    TextConflict,
    mark_unmerged,
    merge_fields,
    merge_text,
)

NOTES = """\
Protokoll AG Wohnraum, 12. März
Anwesend: Anna (Flüchtlingsrat), Jonas (Tafel), Mehmet (Caritas)

1. Wohnungsbörse: Die Liste der Vermieter wird bis Freitag aktualisiert.
2. Sprachcafé: Findet weiterhin dienstags im Gemeindehaus statt.
3. Spenden: Es fehlen noch Matratzen und Kinderbetten.

Nächstes Treffen: Montag, 18 Uhr.
"""

# Small texts, many examples, the same examples on every run (CI must not flake).
properties = settings(derandomize=True, max_examples=150, deadline=None, database=None)

_letters = "abcdefghijklmnopqrstuvwxyzäöüß"
words = st.text(alphabet=_letters, min_size=1, max_size=8)
# Words of mine and theirs are drawn from letters the base never uses, so a word found in the
# result can only have come from the side that wrote it.
my_words = st.text(alphabet="ABCDEFGHÄÖÜ", min_size=1, max_size=8)
their_words = st.text(alphabet="0123456789", min_size=1, max_size=8)
any_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\r"), max_size=60
)


def _join(parts: list[str]) -> str:
    return " ".join(parts)


@st.composite
def word_edits(draw: st.DrawFn, base: list[str], new_words: st.SearchStrategy[str]) -> list[str]:
    """The base words with a few words deleted, replaced or inserted anywhere."""
    edited = list(base)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["delete", "replace", "insert"]))
        if kind == "insert" or not edited:
            edited.insert(draw(st.integers(0, len(edited))), draw(new_words))
            continue
        at = draw(st.integers(0, len(edited) - 1))
        if kind == "delete":
            del edited[at : at + draw(st.integers(1, 3))]
        else:
            edited[at] = draw(new_words)
    return edited


# Free text: examples


def test_edits_in_different_places_both_survive() -> None:
    mine = NOTES.replace("bis Freitag", "bis Donnerstag")
    theirs = NOTES.replace("Kinderbetten.", "Kinderbetten und Winterjacken.")
    result = merge_text(NOTES, mine, theirs)
    assert result.clean
    assert result.text == NOTES.replace("bis Freitag", "bis Donnerstag").replace(
        "Kinderbetten.", "Kinderbetten und Winterjacken."
    )


def test_edits_in_one_sentence_but_different_words_both_survive() -> None:
    mine = NOTES.replace("Montag, 18 Uhr", "Montag, 18 Uhr (Raum 2)")
    theirs = NOTES.replace("Montag, 18 Uhr", "Dienstag, 18 Uhr")
    assert merge_text(NOTES, mine, theirs).text == NOTES.replace(
        "Montag, 18 Uhr", "Dienstag, 18 Uhr (Raum 2)"
    )


def test_the_same_edit_on_both_sides_appears_once() -> None:
    edited = NOTES.replace("Mehmet (Caritas)", "Mehmet (Caritas), Lena (Diakonie)")
    other = edited.replace("Gemeindehaus", "Gemeindehaus St. Paul")
    assert merge_text(NOTES, edited, edited).text == edited
    assert merge_text(NOTES, edited, other) == merge_text(NOTES, NOTES, other)
    assert merge_text(NOTES, edited, other).text == other


def test_an_unchanged_edit_gives_theirs_and_unchanged_theirs_gives_mine() -> None:
    edited = NOTES.replace("Matratzen", "Matratzen, Decken")
    assert merge_text(NOTES, NOTES, edited).text == edited
    assert merge_text(NOTES, edited, NOTES).text == edited


def test_two_additions_at_the_end_both_survive_theirs_first() -> None:
    mine = NOTES + "4. Anna übernimmt die Pressearbeit.\n"
    theirs = NOTES + "4. Jonas fragt beim Sozialamt nach.\n"
    result = merge_text(NOTES, mine, theirs)
    assert result.clean
    assert result.text == theirs + "4. Anna übernimmt die Pressearbeit.\n"


def test_an_addition_that_contains_the_other_is_kept_once() -> None:
    mine = NOTES.replace("Kinderbetten.", "Kinderbetten und Decken.")
    theirs = NOTES.replace("Kinderbetten.", "Kinderbetten und Decken für den Winter.")
    assert merge_text(NOTES, mine, theirs).text == theirs


def test_different_edits_of_one_word_keep_theirs_and_mark_mine() -> None:
    mine = NOTES.replace("bis Freitag", "bis Mittwoch")
    theirs = NOTES.replace("bis Freitag", "bis Donnerstag")
    result = merge_text(NOTES, mine, theirs)
    assert result.text == NOTES.replace("bis Freitag", "bis Donnerstag⟦Mittwoch⟧")
    assert result.conflicts == (
        TextConflict(
            base="Freitag",
            mine="Mittwoch",
            theirs="Donnerstag",
            start=result.text.index("Donnerstag"),
            end=result.text.index("⟧") + 1,
        ),
    )


def test_my_edit_of_a_passage_they_deleted_is_kept_marked() -> None:
    line = "2. Sprachcafé: Findet weiterhin dienstags im Gemeindehaus statt.\n"
    mine = NOTES.replace("dienstags", "mittwochs")
    theirs = NOTES.replace(line, "")
    result = merge_text(NOTES, mine, theirs)
    assert "mittwochs" in result.text
    [conflict] = result.conflicts
    assert conflict.mine in line.replace("dienstags", "mittwochs")
    assert result.text[conflict.start : conflict.end] == conflict.theirs + mark_unmerged(
        conflict.mine
    )


def test_my_deletion_of_a_passage_they_edited_keeps_their_text() -> None:
    mine = NOTES.replace(" Es fehlen noch Matratzen und Kinderbetten.", "")
    theirs = NOTES.replace("Matratzen", "Matratzen (20 Stück)")
    result = merge_text(NOTES, mine, theirs)
    assert result.text == theirs
    [conflict] = result.conflicts
    assert conflict.mine == "" and "20 Stück" in conflict.theirs
    assert result.text[conflict.start : conflict.end] == conflict.theirs


def test_the_caller_chooses_the_marking() -> None:
    result = merge_text(
        "Treffen am Montag",
        "Treffen am Mittwoch",
        "Treffen am Dienstag",
        mark=lambda text: f" [nicht übernommen: {text}]",
    )
    assert result.text == "Treffen am Dienstag [nicht übernommen: Mittwoch]"


def test_line_ends_are_normalised() -> None:
    base = NOTES.replace("\n", "\r\n")
    mine = base.replace("Freitag", "Donnerstag")
    theirs = NOTES.replace("Matratzen", "Schlafsäcke")
    result = merge_text(base, mine, theirs)
    assert result.clean
    assert result.text == NOTES.replace("Freitag", "Donnerstag").replace("Matratzen", "Schlafsäcke")
    assert merge_text("a\rb", "a\rb", "a\rb").text == "a\nb"


def test_umlauts_emoji_and_combining_characters_are_merged_whole() -> None:
    base = "Cafe\u0301 Grüße 👍 Team 👩\u200d💻 Ende"
    mine = base.replace("👍", "👍🏽")
    theirs = base.replace("Cafe\u0301", "Cafe\u0301 Süß").replace("👩\u200d💻", "👩\u200d🔬")
    result = merge_text(base, mine, theirs)
    assert result.clean
    assert result.text == "Cafe\u0301 Süß Grüße 👍🏽 Team 👩\u200d🔬 Ende"
    clash = merge_text("Cafe\u0301", "Cafe\u0300", "Cafe\u0302")
    assert clash.conflicts[0].base == "Cafe\u0301"  # the accent is never split from its letter


def test_fifty_words_inserted_from_one_base_all_survive() -> None:
    base = "Wir brauchen noch: Zelte. Bitte bis Freitag melden."
    stored = base
    added = [f"Spende{number}" for number in range(50)]
    for number, word in enumerate(added):
        if number % 2:
            mine = base.replace("Zelte.", f"Zelte, {word}.")
        else:
            mine = base.replace("Bitte", f"{word} Bitte")
        result = merge_text(base, mine, stored)
        assert result.clean
        stored = result.text
    assert all(word in stored for word in added)
    assert stored.count("Zelte") == stored.count("Bitte") == 1


def test_two_hundred_kilobytes_merge_quickly() -> None:
    base = NOTES * 700
    assert len(base) > 200_000
    lines = base.splitlines(keepends=True)
    mine_lines, their_lines = list(lines), list(lines)
    for meeting in range(0, 700, 25):  # 28 edits on each side, all over the text
        first = meeting * 8  # NOTES has eight lines
        mine_lines[first] = "Ergänzung von mir\n" + lines[first]
        their_lines[first + 111] = lines[first + 111].replace("Uhr", "Uhr (verschoben)")
    mine, theirs = "".join(mine_lines), "".join(their_lines)
    assert mine.count("Ergänzung von mir") == theirs.count("(verschoben)") == 28
    started = time.perf_counter()
    result = merge_text(base, mine, theirs)
    elapsed = time.perf_counter() - started
    assert result.clean
    assert result.text.count("Ergänzung von mir") == mine.count("Ergänzung von mir")
    assert result.text.count("(verschoben)") == theirs.count("(verschoben)")
    assert elapsed < 3, f"{elapsed:.2f} s"  # a sanity bound only; bench/ measures speed


# Free text: properties


@properties
@given(any_text, any_text)
def test_unchanged_mine_gives_theirs(base: str, theirs: str) -> None:
    assert merge_text(base, base, theirs) == merging.MergeResult(theirs)


@properties
@given(any_text, any_text)
def test_unchanged_theirs_gives_mine(base: str, mine: str) -> None:
    assert merge_text(base, mine, base) == merging.MergeResult(mine)


@properties
@given(any_text, any_text)
def test_merging_an_edit_into_itself_changes_nothing(base: str, edited: str) -> None:
    assert merge_text(base, edited, edited).text == edited


@properties
@given(st.lists(words, min_size=3, max_size=30), my_words, their_words)
def test_edits_at_the_start_and_the_end_both_survive(
    base: list[str], first: str, last: str
) -> None:
    mine, theirs = _join([first, *base]), _join([*base, last])
    expected = _join([first, *base, last])
    assert merge_text(_join(base), mine, theirs) == merging.MergeResult(expected)
    assert merge_text(_join(base), theirs, mine) == merging.MergeResult(expected)


@properties
@given(st.data(), st.lists(words, max_size=25), my_words)
def test_an_inserted_word_is_never_lost(data: st.DataObject, base: list[str], word: str) -> None:
    mine = list(base)
    mine.insert(data.draw(st.integers(0, len(base))), word)
    theirs = data.draw(word_edits(base, their_words))
    result = merge_text(_join(base), _join(mine), _join(theirs))
    assert word in result.text
    for their_word in set(theirs) - set(base):
        assert their_word in result.text


@properties
@given(st.data(), st.lists(words, max_size=25))
def test_neither_sides_new_words_are_lost(data: st.DataObject, base: list[str]) -> None:
    mine = data.draw(word_edits(base, my_words))
    theirs = data.draw(word_edits(base, their_words))
    result = merge_text(_join(base), _join(mine), _join(theirs))
    for new_word in (set(mine) | set(theirs)) - set(base):
        assert new_word in result.text
    for conflict in result.conflicts:
        marked = mark_unmerged(conflict.mine) if conflict.mine else ""
        assert result.text[conflict.start : conflict.end] == conflict.theirs + marked


@properties
@given(any_text, any_text, any_text)
def test_any_texts_merge_with_conflicts_pointing_into_the_result(
    base: str, mine: str, theirs: str
) -> None:
    result = merge_text(base, mine, theirs)
    for conflict in result.conflicts:
        marked = mark_unmerged(conflict.mine) if conflict.mine else ""
        assert result.text[conflict.start : conflict.end] == conflict.theirs + marked
    crlf = merge_text(*(text.replace("\n", "\r\n") for text in (base, mine, theirs)))
    assert crlf == result


@st.composite
def word_insertions(draw: st.DrawFn, base: list[str], new_words: st.SearchStrategy[str]) -> str:
    edited = list(base)
    for _ in range(draw(st.integers(1, 4))):
        edited.insert(draw(st.integers(0, len(edited))), draw(new_words))
    return _join(edited)


@properties
@given(st.data(), st.lists(words, max_size=25))
def test_merging_an_insertion_again_adds_nothing(data: st.DataObject, base: list[str]) -> None:
    # Only for insertions: a merged deletion next to my insertion can diff differently the
    # second time, so the general case is not idempotent.
    mine = data.draw(word_insertions(base, my_words))
    theirs = data.draw(word_insertions(base, their_words))
    merged = merge_text(_join(base), mine, theirs)
    assert merged.clean
    assert merge_text(_join(base), mine, merged.text) == merged


# Structured fields

CARD = {"title": "Matratzen gesucht", "status": "open", "minutes": 30, "region": "Nord"}


def test_fields_changed_on_either_side_merge() -> None:
    mine = {**CARD, "title": "Matratzen und Decken gesucht"}
    theirs = {**CARD, "status": "matched"}
    merged = merge_fields(CARD, mine, theirs)
    assert merged.clean
    assert merged.values == {**CARD, "title": "Matratzen und Decken gesucht", "status": "matched"}
    assert merged.updates == {"title": "Matratzen und Decken gesucht"}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    changed = {**CARD, "status": "done"}
    merged = merge_fields(CARD, changed, changed)
    assert merged.clean and merged.values == changed and merged.updates == {}


def test_different_changes_to_one_field_conflict_and_keep_theirs() -> None:
    mine = {**CARD, "minutes": 45, "region": "Süd"}
    theirs = {**CARD, "minutes": 60}
    merged = merge_fields(CARD, mine, theirs)
    assert merged.conflicts == (FieldConflict("minutes", 30, 45, 60),)
    assert merged.values == {**CARD, "minutes": 60, "region": "Süd"}
    assert merged.updates == {"region": "Süd"}


def test_fields_my_form_did_not_send_count_as_unchanged() -> None:
    theirs = {**CARD, "title": "Matratzen dringend gesucht"}
    merged = merge_fields(CARD, {"status": "in_progress"}, theirs)
    assert merged.clean
    assert merged.values == {**theirs, "status": "in_progress"}


def test_a_field_the_base_did_not_have() -> None:
    merged = merge_fields(CARD, {"deadline": "2026-12-01"}, {"deadline": "2026-12-24"})
    assert merged.conflicts == (FieldConflict("deadline", MISSING, "2026-12-01", "2026-12-24"),)
    assert merge_fields(CARD, {"deadline": "2026-12-01"}, CARD).updates == {
        "deadline": "2026-12-01"
    }


@properties
@given(
    st.dictionaries(st.sampled_from("abcd"), st.integers(0, 3)),
    st.dictionaries(st.sampled_from("abcd"), st.integers(0, 3)),
)
def test_fields_unchanged_on_one_side_take_the_other(
    base: dict[str, int], edited: dict[str, int]
) -> None:
    everything = {**base, **edited}
    assert merge_fields(base, base, everything).values == everything
    assert merge_fields(base, everything, base).values == everything
    assert merge_fields(base, edited, edited).clean


# Layering


def test_merging_imports_no_web_database_or_live_code() -> None:
    tree = ast.parse(Path(merging.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    forbidden = ("starlette", "jinja2", "arq", "sqlalchemy", "server.live", "server.routes")
    assert not [name for name in imported if name.startswith(forbidden)]
