"""Business hours (chatflow.business_hours): the checks a schedule passes, whether it is open at an
instant and when it opens next, in the business's time zone, across daylight saving time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from chatflow.business_hours import BusinessHours, back_at, is_open, next_open, parse_holidays, parse_weekly
from chatflow.business_hours.schedule import check_time_zone
from chatflow.errors import InvalidInput

NEW_YORK = "America/New_York"
WEEKDAYS_9_TO_5: dict[str, Any] = {
    day: [{"start": "09:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")
}


def _hours(
    weekly: dict[str, Any] | None = None, *, zone: str = NEW_YORK, holidays: tuple[date, ...] = ()
) -> BusinessHours:
    return BusinessHours(
        channel_id=uuid4(),
        organization_id=uuid4(),
        enabled=True,
        time_zone=zone,
        weekly=parse_weekly(weekly if weekly is not None else WEEKDAYS_9_TO_5),
        holidays=holidays,
    )


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _field_of(exc: pytest.ExceptionInfo[InvalidInput]) -> object:
    return exc.value.values.get("field")


# --- the checks -------------------------------------------------------------------------------------------


def test_several_ranges_a_day_are_kept_in_order() -> None:
    weekly = parse_weekly({"mon": [{"start": "13:00", "end": "17:00"}, {"start": "09:00", "end": "12:00"}]})

    assert [(r.start, r.end) for r in weekly["mon"]] == [(time(9), time(12)), (time(13), time(17))]


def test_a_range_that_ends_before_it_starts_is_refused_naming_its_end() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_weekly({"tue": [{"start": "17:00", "end": "09:00"}]})

    assert _field_of(exc) == "weekly.tue.0.end"


def test_a_range_that_ends_when_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_weekly({"tue": [{"start": "09:00", "end": "09:00"}]})

    assert _field_of(exc) == "weekly.tue.0.end"


def test_ranges_that_overlap_are_refused_naming_the_later_one() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_weekly({"wed": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}]})

    assert _field_of(exc) == "weekly.wed.1"


def test_ranges_that_touch_do_not_overlap() -> None:
    weekly = parse_weekly({"wed": [{"start": "09:00", "end": "12:00"}, {"start": "12:00", "end": "24:00"}]})

    assert weekly["wed"][1].end is None  # midnight at the end of the day


@pytest.mark.parametrize("clock", ["9:00", "25:00", "09:60", "0900", "", "24:00"])
def test_a_start_that_is_not_a_clock_time_is_refused(clock: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_weekly({"fri": [{"start": clock, "end": "17:00"}]})

    assert _field_of(exc) == "weekly.fri.0.start"


def test_an_unknown_day_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_weekly({"funday": [{"start": "09:00", "end": "17:00"}]})

    assert _field_of(exc) == "weekly.funday"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "EST5EDT "])
def test_an_unknown_time_zone_is_refused(zone: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_time_zone(zone)

    assert _field_of(exc) == "timeZone"


def test_a_holiday_that_is_not_a_date_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_holidays(["2026-12-25", "2026-02-30"])

    assert _field_of(exc) == "holidays.1"


# --- open or not, across daylight saving time ------------------------------------------------------------


def test_nine_in_the_morning_is_open_in_winter_and_in_summer() -> None:
    hours = _hours()

    assert is_open(hours, _utc("2026-01-13T14:30"))  # 09:30 EST (UTC-5)
    assert is_open(hours, _utc("2026-07-14T13:30"))  # 09:30 EDT (UTC-4)


def test_the_same_utc_instant_is_before_opening_in_winter_and_after_in_summer() -> None:
    hours = _hours()

    assert not is_open(hours, _utc("2026-03-02T13:30"))  # Monday 08:30 EST
    assert is_open(hours, _utc("2026-03-09T13:30"))  # Monday 09:30 EDT, the day after the change


def test_next_opening_over_the_spring_forward_weekend_is_nine_local_time() -> None:
    # Saturday 7 March 2026, 10:00 EST; clocks go forward on Sunday 8 March at 02:00.
    opens = next_open(_hours(), _utc("2026-03-07T15:00"))

    assert opens == _utc("2026-03-09T13:00")  # Monday 09:00 EDT, not 14:00 UTC as in winter
    assert opens is not None
    assert opens.astimezone(ZoneInfo(NEW_YORK)).time() == time(9)


def test_next_opening_over_the_fall_back_weekend_is_nine_local_time() -> None:
    # Saturday 31 October 2026, 12:00 EDT; clocks go back on Sunday 1 November at 02:00.
    opens = next_open(_hours(), _utc("2026-10-31T16:00"))

    assert opens == _utc("2026-11-02T14:00")  # Monday 09:00 EST


def test_a_range_in_the_skipped_hour_opens_when_the_clock_reaches_it() -> None:
    hours = _hours({"sun": [{"start": "02:30", "end": "04:00"}]})

    opens = next_open(hours, _utc("2026-03-08T05:00"))  # Sunday 00:00 EST

    assert opens is not None
    assert opens.astimezone(ZoneInfo(NEW_YORK)).hour == 3  # 02:30 does not exist that night
    assert is_open(hours, _utc("2026-03-08T07:45"))  # 03:45 EDT


def test_a_holiday_is_closed_all_day_and_the_next_day_opens() -> None:
    hours = _hours(holidays=(date(2026, 12, 25),))

    assert not is_open(hours, _utc("2026-12-25T16:00"))  # Friday 11:00 EST, Christmas
    assert next_open(hours, _utc("2026-12-25T16:00")) == _utc("2026-12-28T14:00")  # Monday 09:00


def test_open_now_has_no_next_opening() -> None:
    assert next_open(_hours(), _utc("2026-01-13T15:00")) is None


def test_a_schedule_with_no_hours_never_opens() -> None:
    assert next_open(_hours({}), _utc("2026-01-13T15:00")) is None


def test_hours_turned_off_are_always_open() -> None:
    hours = BusinessHours(
        channel_id=uuid4(), organization_id=uuid4(), enabled=False, time_zone=NEW_YORK, weekly={}, holidays=()
    )

    assert is_open(hours, _utc("2026-01-11T03:00"))


# --- saying when ------------------------------------------------------------------------------------------


def test_when_people_are_back_is_said_in_english_in_the_visitors_time() -> None:
    said = back_at(_utc("2026-03-09T13:00"), "en", "Europe/Madrid", visitor_zone=True)

    assert said == "on Monday, March 9 at 2:00 PM (your time)"


def test_when_people_are_back_is_said_in_spanish_in_the_visitors_time() -> None:
    said = back_at(_utc("2026-03-09T13:00"), "es", "America/Mexico_City", visitor_zone=True)

    assert said == "el lunes 9 de marzo a las 7:00 (tu hora)"


def test_without_the_visitors_zone_the_business_zone_is_named() -> None:
    said = back_at(_utc("2026-03-09T13:00"), "en", NEW_YORK, visitor_zone=False)

    assert said == "on Monday, March 9 at 9:00 AM (America/New_York time)"
