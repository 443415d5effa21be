"""The reports' durations in buckets (chatflow.reports.histogram) and the ranges a report reads
(months whole from their month rows, the days around them one by one)."""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest

from chatflow.reports.histogram import RESOLUTION, bucket_of, middle, percentile
from chatflow.reports.repository import _ranges

D = dt.date


@pytest.mark.parametrize("seconds", [1.0, 1.04, 7.3, 59.9, 60.0, 120.0, 600.0, 3599.0, 86_400.0, 2_592_000.0])
def test_a_bucket_stands_for_its_durations_to_within_the_resolution(seconds: float) -> None:
    assert middle(bucket_of(seconds)) == pytest.approx(seconds, rel=RESOLUTION)


def test_under_a_second_is_bucket_zero_and_stands_for_half_a_second() -> None:
    assert (bucket_of(0.0), bucket_of(0.99), middle(0)) == (0, 0, 0.5)


def test_the_resolution_is_two_and_a_half_percent() -> None:
    assert round(RESOLUTION, 4) == 0.0247


def test_no_durations_have_no_percentile() -> None:
    assert percentile([], 0.5) is None
    assert percentile([(12, 0)], 0.5) is None


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.9, 1.0])
def test_a_percentile_from_buckets_is_within_the_resolution_of_the_exact_one(fraction: float) -> None:
    rng = random.Random(22)
    durations = [rng.lognormvariate(5, 1.5) + 1 for _ in range(2_000)]
    counts: dict[int, int] = {}
    for seconds in durations:
        counts[bucket_of(seconds)] = counts.get(bucket_of(seconds), 0) + 1
    exact = statistics.quantiles(durations, n=1000, method="inclusive")  # percentile_cont's rule
    expected = {0.0: min(durations), 1.0: max(durations)}.get(fraction) or exact[round(fraction * 1000) - 1]

    assert percentile(counts.items(), fraction) == pytest.approx(expected, rel=RESOLUTION)


def test_two_durations_interpolate_as_percentile_cont_does() -> None:
    counts = [(bucket_of(120.0), 1), (bucket_of(600.0), 1)]

    assert percentile(counts, 0.5) == pytest.approx(360.0, rel=RESOLUTION)
    assert percentile(counts, 0.9) == pytest.approx(552.0, rel=RESOLUTION)


def test_a_year_of_whole_months_reads_month_rows_only() -> None:
    assert _ranges(D(2025, 12, 1), D(2026, 11, 30)) == [
        (True, D(2025, 12, 1), D(2026, 11, 30), True),
        (True, D(2024, 12, 1), D(2025, 11, 30), False),
    ]


def test_the_days_around_whole_months_are_read_one_by_one() -> None:
    assert _ranges(D(2026, 10, 20), D(2026, 12, 5)) == [
        (False, D(2026, 10, 20), D(2026, 10, 31), True),
        (True, D(2026, 11, 1), D(2026, 11, 30), True),
        (False, D(2026, 12, 1), D(2026, 12, 5), True),
        (False, D(2026, 9, 3), D(2026, 10, 19), False),  # 47 days before: no whole month
    ]


def test_a_week_and_february_of_a_leap_year() -> None:
    assert _ranges(D(2026, 11, 24), D(2026, 11, 30)) == [
        (False, D(2026, 11, 24), D(2026, 11, 30), True),
        (False, D(2026, 11, 17), D(2026, 11, 23), False),
    ]
    assert _ranges(D(2028, 2, 1), D(2028, 2, 29))[0] == (True, D(2028, 2, 1), D(2028, 2, 29), True)


@pytest.mark.parametrize(("first", "last"), [(D(2025, 12, 17), D(2026, 11, 30)), (D(2026, 1, 31), D(2026, 3, 1))])
def test_the_ranges_cover_each_day_of_both_periods_once(first: dt.date, last: dt.date) -> None:
    days: list[dt.date] = []
    for months, start, end, _ in _ranges(first, last):
        day = start
        while day <= end:
            if months:
                assert day.day == 1
                following = (day + dt.timedelta(days=32)).replace(day=1)
                days += [day + dt.timedelta(days=n) for n in range((following - day).days)]
                day = following
            else:
                days.append(day)
                day += dt.timedelta(days=1)
    length = (last - first).days + 1
    expected = [first - dt.timedelta(days=length) + dt.timedelta(days=n) for n in range(2 * length)]

    assert sorted(days) == expected
