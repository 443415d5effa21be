"""The SQL of business hours. No rules here: the service checks the caller and the schedule."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from chatflow.business_hours.models import DAYS, BusinessHours, Day, TimeRange
from chatflow.db import Connection

__all__ = ["channel_exists", "find_hours", "hours_from_json", "hours_from_row", "upsert_hours", "weekly_json"]

_COLUMNS = "channel_id, organization_id, enabled, time_zone, weekly, holidays, offline_mode, updated_at"


def _clock(value: time | None) -> str:
    return "24:00" if value is None else value.strftime("%H:%M")


def weekly_json(weekly: dict[Day, tuple[TimeRange, ...]]) -> dict[str, list[dict[str, str]]]:
    """As stored and as the dashboard reads it: every day, in order, its ranges as HH:MM strings."""
    return {day: [{"start": _clock(r.start), "end": _clock(r.end)} for r in weekly.get(day, ())] for day in DAYS}


def _ranges(items: list[dict[str, str]]) -> tuple[TimeRange, ...]:
    def parse(text: str) -> time | None:
        return None if text == "24:00" else time.fromisoformat(text)

    found = []
    for item in items:
        start = parse(item["start"])
        assert start is not None
        found.append(TimeRange(start, parse(item["end"])))
    return tuple(found)


def hours_from_row(row: dict[str, Any]) -> BusinessHours:
    weekly: dict[str, list[dict[str, str]]] = row["weekly"] or {}
    return BusinessHours(
        channel_id=row["channel_id"],
        organization_id=row["organization_id"],
        enabled=row["enabled"],
        time_zone=row["time_zone"],
        weekly={day: _ranges(weekly[day]) for day in DAYS if weekly.get(day)},
        holidays=tuple(row["holidays"] or ()),
        offline_mode=row["offline_mode"],
        updated_at=row.get("updated_at"),
    )


def hours_from_json(value: dict[str, Any]) -> BusinessHours:
    """A row read as `to_jsonb(bh)` (the widget config's one query): ids and dates as text."""
    return hours_from_row(
        {
            **value,
            "channel_id": UUID(value["channel_id"]),
            "organization_id": UUID(value["organization_id"]),
            "holidays": [date.fromisoformat(d) for d in value.get("holidays") or ()],
            "updated_at": None,
        }
    )


def channel_exists(conn: Connection, organization_id: UUID, channel_id: UUID) -> bool:
    row = conn.execute(
        "SELECT 1 FROM channels WHERE organization_id = %s AND id = %s", (organization_id, channel_id)
    ).fetchone()
    return row is not None


def find_hours(conn: Connection, channel_id: UUID) -> BusinessHours | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM channel_business_hours WHERE channel_id = %s",  # noqa: S608 (a constant)
        (channel_id,),
    ).fetchone()
    return None if row is None else hours_from_row(row)


def upsert_hours(conn: Connection, hours: BusinessHours) -> BusinessHours:
    row = conn.execute(
        f"""
        INSERT INTO channel_business_hours (channel_id, organization_id, enabled, time_zone, weekly, holidays,
                                            offline_mode)
        VALUES (%(channel_id)s, %(organization_id)s, %(enabled)s, %(time_zone)s, %(weekly)s, %(holidays)s,
                %(offline_mode)s)
        ON CONFLICT (channel_id) DO UPDATE SET
            enabled = excluded.enabled, time_zone = excluded.time_zone, weekly = excluded.weekly,
            holidays = excluded.holidays, offline_mode = excluded.offline_mode, updated_at = now()
        RETURNING {_COLUMNS}
        """,  # noqa: S608 (a constant)
        {
            "channel_id": hours.channel_id,
            "organization_id": hours.organization_id,
            "enabled": hours.enabled,
            "time_zone": hours.time_zone,
            "weekly": Jsonb(weekly_json(hours.weekly)),
            "holidays": list(hours.holidays),
            "offline_mode": hours.offline_mode,
        },
    ).fetchone()
    assert row is not None
    return hours_from_row(row)
