"""What the visitor is told when they ask for a person outside the channel's hours: when people are
back, in the visitor's language and local time (the time zone their widget reported, else the
business's, named), and that they may leave an email.

The two languages' dates are worded here rather than with a locale library: two languages, a
weekday, a month and a clock, not worth the tens of megabytes of locale data in the Lambda layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from chatflow.business_hours import repository as repo
from chatflow.business_hours.models import BusinessHours
from chatflow.business_hours.service import availability
from chatflow.db import Connection
from chatflow.languages import text
from chatflow.vocabulary import Language

__all__ = ["HandoffNotice", "back_at", "handoff_notice", "notice_for"]

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}  # fmt: skip


def back_at(when: datetime, language: Language, zone: str, *, visitor_zone: bool) -> str:
    """'on Monday, March 9 at 9:00 AM (your time)' / 'el lunes 9 de marzo a las 9:00 (tu hora)'."""
    local = when.astimezone(ZoneInfo(zone))
    weekday, month = _WEEKDAYS[language][local.weekday()], _MONTHS[language][local.month - 1]
    if language == "es":
        clock = f"{local.hour}:{local.minute:02d}"
        where = "tu hora" if visitor_zone else f"hora de {zone}"
        return f"el {weekday} {local.day} de {month} a las {clock} ({where})"
    hour12 = local.hour % 12 or 12
    clock = f"{hour12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    where = "your time" if visitor_zone else f"{zone} time"
    return f"on {weekday}, {month} {local.day} at {clock} ({where})"


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    content: str
    offline: bool  # outside the channel's hours: nobody comes before `back`


_CONTEXT = """
SELECT bh.channel_id, bh.organization_id, bh.enabled, bh.time_zone, bh.weekly, bh.holidays, bh.offline_mode,
       c.visitor_metadata -> 'profile' ->> 'timeZone' AS visitor_zone
FROM conversations c
JOIN channel_business_hours bh ON bh.channel_id = c.channel_id
WHERE c.id = %s
"""


def handoff_notice(conn: Connection, *, conversation_id: UUID, language: Language) -> HandoffNotice:
    """The system notice of a handoff of this conversation (one query: the widget's "Talk to a person").
    The chat's POST reads the hours with everything else it loads and calls notice_for."""
    row = conn.execute(_CONTEXT, (conversation_id,)).fetchone()
    hours = None if row is None else repo.hours_from_row(row)
    return _notice(hours, None if row is None else row["visitor_zone"], language)


def notice_for(hours: dict[str, Any] | None, visitor_zone: str | None, language: Language) -> HandoffNotice:
    """As handoff_notice, from the hours' row as JSON (`to_jsonb`), as the chat's context holds it."""
    return _notice(None if hours is None else repo.hours_from_json(hours), visitor_zone, language)


def _notice(hours: BusinessHours | None, visitor_zone: object, language: Language) -> HandoffNotice:
    """The usual notice inside the hours (or without hours); outside them, when people are back and an
    invitation to leave an email."""
    state = availability(hours)
    if state is None or state.open:
        return HandoffNotice(text("handoff_notice", language), offline=False)
    if state.next_open_at is None:
        return HandoffNotice(text("offline_notice_unknown", language), offline=True)
    zone = visitor_zone if isinstance(visitor_zone, str) and _known_zone(visitor_zone) else None
    when = back_at(state.next_open_at, language, zone or state.time_zone, visitor_zone=zone is not None)
    return HandoffNotice(text("offline_notice", language, when=when), offline=True)


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
