"""Moments are shown on German wall-clock time, written the reader's way."""

from __future__ import annotations

from datetime import UTC, datetime

from server import i18n


def test_a_moment_is_shown_on_german_time_in_the_readers_language() -> None:
    winter = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 8, 5, 9, tzinfo=UTC)
    with i18n.use_locale("de"):
        assert i18n.format_when(winter) == "25.11.2026 00:30"
        assert i18n.format_when(summer, seconds=True) == "01.07.2026 10:05:09"
        assert i18n.format_when(None) == "–"
    with i18n.use_locale("en"):
        assert i18n.format_when(winter) == "25 Nov 2026, 00:30"
