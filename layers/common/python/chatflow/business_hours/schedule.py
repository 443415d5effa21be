"""Reading a week of hours: is it open at an instant, when does it open next, and the checks a
schedule passes before it is stored.

Times are the business's wall-clock times in its IANA time zone (zoneinfo): an instant is turned into
local time before it is compared, so a schedule of 9 to 5 stays 9 to 5 across a change of daylight
saving time. A range that starts in a skipped hour (02:30 on the spring-forward night) opens at the
instant its wall time maps to with fold=0, i.e. an hour later in UTC terms than a literal reading:
the first instant the clock shows a time at or after its start.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from chatflow.business_hours.models import DAYS, BusinessHours, Day, TimeRange
from chatflow.errors import InvalidInput

__all__ = [
    "MAX_HOLIDAYS",
    "MAX_RANGES_PER_DAY",
    "check_time_zone",
    "is_open",
    "next_open",
    "parse_holidays",
    "parse_weekly",
]

MAX_RANGES_PER_DAY = 6
MAX_HOLIDAYS = 366
# How far ahead "when are they back" looks: a schedule with no hours in two weeks of holidays says none.
_LOOKAHEAD_DAYS = 400

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    """An IANA time zone name as zoneinfo knows it; InvalidInput (field timeZone) otherwise."""
    if name not in _zones():
        raise InvalidInput(f"timeZone: {name!r} is not an IANA time zone", variant="field", field="timeZone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"timeZone: {name!r} is not an IANA time zone", variant="field", field="timeZone") from exc
    return name


def _parse_time(value: object, where: str, *, end: bool) -> time | None:
    if end and value == "24:00":
        return None
    if not isinstance(value, str) or not _HHMM.match(value):
        raise InvalidInput(f"{where}: a time such as 09:00 (HH:MM)", variant="field", field=where)
    return time(int(value[:2]), int(value[3:]))


def parse_weekly(weekly: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[Day, tuple[TimeRange, ...]]:
    """{"mon": [{"start": "09:00", "end": "12:00"}, ...], ...} → ranges per day, sorted. Refused with
    the field named (`weekly.mon.1.end`): an unknown day, a malformed time, a range that ends before
    (or when) it starts, ranges of one day that overlap, more than MAX_RANGES_PER_DAY a day."""
    parsed: dict[Day, tuple[TimeRange, ...]] = {}
    for key, ranges in weekly.items():
        if key not in DAYS:
            raise InvalidInput(f"weekly.{key}: not a day (mon … sun)", variant="field", field=f"weekly.{key}")
        day: Day = key  # type: ignore[assignment]  # checked just above
        if len(ranges) > MAX_RANGES_PER_DAY:
            where = f"weekly.{day}"
            raise InvalidInput(f"{where}: at most {MAX_RANGES_PER_DAY} ranges a day", variant="field", field=where)
        found: list[tuple[int, TimeRange]] = []
        for index, item in enumerate(ranges):
            where = f"weekly.{day}.{index}"
            start = _parse_time(item.get("start"), f"{where}.start", end=False)
            assert start is not None
            stop = _parse_time(item.get("end"), f"{where}.end", end=True)
            if stop is not None and stop <= start:
                raise InvalidInput(f"{where}.end: ends before it starts", variant="field", field=f"{where}.end")
            found.append((index, TimeRange(start, stop)))
        found.sort(key=lambda pair: pair[1].start)
        for (_, before), (index, after) in itertools.pairwise(found):
            if before.end is None or after.start < before.end:
                where = f"weekly.{day}.{index}"
                raise InvalidInput(f"{where}: overlaps another range of {day}", variant="field", field=where)
        parsed[day] = tuple(r for _, r in found)
    return parsed


def parse_holidays(values: Sequence[str]) -> tuple[date, ...]:
    """ISO dates (2026-12-25), sorted, once each; refused with the field named (`holidays.2`)."""
    if len(values) > MAX_HOLIDAYS:
        raise InvalidInput(f"holidays: at most {MAX_HOLIDAYS}", variant="field", field="holidays")
    days: set[date] = set()
    for index, value in enumerate(values):
        try:
            days.add(date.fromisoformat(value))
        except (TypeError, ValueError) as exc:
            where = f"holidays.{index}"
            raise InvalidInput(f"{where}: a date such as 2026-12-25", variant="field", field=where) from exc
    return tuple(sorted(days))


def is_open(hours: BusinessHours, at: datetime) -> bool:
    """Whether `at` (aware) falls in the schedule, in the schedule's own time zone. Disabled hours are
    always open (the channel keeps none)."""
    if not hours.enabled:
        return True
    local = at.astimezone(ZoneInfo(hours.time_zone))
    if local.date() in hours.holidays:
        return False
    moment = local.time().replace(tzinfo=None)
    return any(r.contains(moment) for r in hours.weekly.get(DAYS[local.weekday()], ()))


def next_open(hours: BusinessHours, at: datetime) -> datetime | None:
    """The next instant (UTC) after `at` at which the schedule opens; None when it is open at `at`
    (or keeps no hours), or when it never opens within a year."""
    if is_open(hours, at):
        return None
    zone = ZoneInfo(hours.time_zone)
    local = at.astimezone(zone)
    holidays = set(hours.holidays)
    for offset in range(_LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        if day in holidays:
            continue
        for r in hours.weekly.get(DAYS[day.weekday()], ()):
            opens = datetime.combine(day, r.start, tzinfo=zone).astimezone(UTC)
            if opens > at:
                return opens
    return None
