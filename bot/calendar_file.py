"""The .ics file a confirmed attendee gets, built with the icalendar library.

One VEVENT whose UID stays the same for the event (``event-<id>@kosizu``), so a calendar
that imports a later file updates its entry instead of adding a second one; its SEQUENCE is
the event's revision, which grows with each change of time or place, so the calendar takes
the later file as newer (RFC 5545 3.8.7.4). Times are in
UTC, which every calendar converts to its own zone. The location is the venue, or for an
online event its link: the file is only ever made for confirmed attendees.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from storage.events import Event

FILE_NAME = "kosizu-event-{id}.ics"
_PRODUCT = "-//KoSiZu//Event sign-up//EN"


def uid(event_id: int) -> str:
    return f"event-{event_id}@kosizu"


def calendar_file(event: Event, summary: str, description: str | None, now: datetime) -> bytes:
    """The calendar file for one confirmed attendee, with texts in their language."""
    if event.starts_at is None or event.ends_at is None:
        raise ValueError("a calendar entry needs the event's start and end")
    entry = icalendar.Event()
    entry.add("uid", uid(event.id))
    entry.add("sequence", event.revision)
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", summary)
    location = event.venue or event.online_url
    if location:
        entry.add("location", location)
    if event.online_url:
        entry.add("url", event.online_url)
    if description:
        entry.add("description", description)
    calendar = icalendar.Calendar()
    calendar.add("prodid", _PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())


def file_name(event_id: int) -> str:
    return FILE_NAME.format(id=event_id)
