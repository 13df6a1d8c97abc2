"""The extractive summary of notes: German and English sentences split where a person would
split them, and the sentences that carry what the notes keep coming back to chosen, in order."""

from __future__ import annotations

from server.domain.extractive import sentences, summarise

NOTES = """Messehalle zu 80 % belegt. Landkreis meldet 12 freie Plätze in Eilenburg, z. B. im \
Haus Nr. 3.
Vorschlag: wöchentliche Meldung der freien Plätze an alle! Am 3. Oktober ist Dr. Müller wieder da.
- Freie Plätze werden künftig jeden Montag gemeldet
- Kautionen: Sozialamt übernimmt bis 1.500 €. Formular ist zu lang."""


def test_german_sentences_keep_abbreviations_ordinals_and_numbers_together() -> None:
    assert [s.text for s in sentences(NOTES)] == [
        "Messehalle zu 80 % belegt.",
        "Landkreis meldet 12 freie Plätze in Eilenburg, z. B. im Haus Nr. 3.",
        "Vorschlag: wöchentliche Meldung der freien Plätze an alle!",
        "Am 3. Oktober ist Dr. Müller wieder da.",
        "Freie Plätze werden künftig jeden Montag gemeldet",
        "Kautionen: Sozialamt übernimmt bis 1.500 €.",
        "Formular ist zu lang.",
    ]


def test_english_sentences_and_bullets() -> None:
    text = (
        "We need more beds. E.g. the hall has 20 places, i.e. enough.\n* Mr. Smith agreed?\n1. Next"
    )
    assert [s.text for s in sentences(text)] == [
        "We need more beds.",
        "E.g. the hall has 20 places, i.e. enough.",
        "Mr. Smith agreed?",
        "Next",
    ]


def test_the_summary_picks_what_the_notes_keep_coming_back_to_in_order() -> None:
    summary = summarise(NOTES)
    assert len(summary) == 3
    assert all("Plätze" in sentence for sentence in summary)
    positions = [[s.text for s in sentences(NOTES)].index(x) for x in summary]
    assert positions == sorted(positions)
    assert summarise(NOTES) == summary  # deterministic


def test_short_and_empty_notes() -> None:
    assert summarise("") == []
    assert summarise("   \n\n ") == []
    assert summarise("Nur ein Satz ohne Punkt") == ["Nur ein Satz ohne Punkt"]
    assert len(summarise("Eins. Zwei drei vier. Fünf sechs sieben.", most=1)) == 1
