"""A channel's business hours: when people answer, in the business's time zone, and what its widget
does outside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal
from uuid import UUID

__all__ = ["DAYS", "Availability", "BusinessHours", "Day", "OfflineMode", "TimeRange"]

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# In Python's weekday() order: Monday is 0.
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Outside the hours: the AI keeps answering and a handoff says when people are back and asks for an
# email ("ai"), or the widget shows a form to leave a message instead of the chat ("form").
OfflineMode = Literal["ai", "form"]


@dataclass(frozen=True, slots=True)
class TimeRange:
    """[start, end) in local wall time; `end` None means midnight at the end of the day (24:00)."""

    start: time
    end: time | None

    def contains(self, moment: time) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True, slots=True)
class BusinessHours:
    channel_id: UUID
    organization_id: UUID
    enabled: bool
    time_zone: str
    weekly: dict[Day, tuple[TimeRange, ...]]
    holidays: tuple[date, ...] = ()
    offline_mode: OfflineMode = "ai"
    updated_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether the channel's people are in now by its hours, and when they are next (None: never, or
    now). `offline_mode` says what the widget does while they are not."""

    open: bool
    next_open_at: datetime | None
    offline_mode: OfflineMode
    time_zone: str
