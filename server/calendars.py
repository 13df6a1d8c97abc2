"""A session as an iCalendar file (.ics): attached to invitations and downloaded from the
session's page ("add to my calendar")."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from server.models import Meeting

PRODUCT = "-//Knotenpunkt//Sitzungen//DE"


def meeting_uid(meeting: Meeting, base_url: str) -> str:
    """Stable across downloads and mails, so a calendar updates the entry instead of adding
    another."""
    host = urlsplit(base_url).hostname or "knotenpunkt.local"
    return f"meeting-{meeting.id}@{host}"


def meeting_calendar(meeting: Meeting, page_url: str, base_url: str, description: str) -> bytes:
    """One event, its times in UTC; `description` is the text above the page's address. Its
    SEQUENCE rises with every move or cancellation, so a calendar that has the entry takes
    the newer one; a cancelled session is sent as a cancellation."""
    cancelled = meeting.status.value == "cancelled"
    event = Event()
    event.add("uid", meeting_uid(meeting, base_url))
    event.add("sequence", meeting.calendar_sequence)
    event.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", meeting.title)
    location = meeting.place or meeting.video_url
    if location:
        event.add("location", location)
    event.add("url", page_url)
    lines = [description, page_url]
    if meeting.video_url:
        lines.insert(1, meeting.video_url)
    event.add("description", "\n".join(line for line in lines if line))
    if cancelled:
        event.add("status", "CANCELLED")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
