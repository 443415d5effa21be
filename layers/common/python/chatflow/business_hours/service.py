"""A channel's business hours as its admins set them, and what they mean right now.

A channel without hours (no row, or hours turned off) is staffed whenever an operator is online, as
before. With hours, a person is available only inside them (and with an operator online); outside
them the widget says when people are back, and, by the channel's choice, either the AI keeps
answering and a handoff asks for an email, or the widget offers a form to leave a message
(chatflow.business_hours.offline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from chatflow import audit
from chatflow.access import Caller
from chatflow.business_hours import repository as repo
from chatflow.business_hours.models import Availability, BusinessHours, OfflineMode
from chatflow.business_hours.schedule import check_time_zone, is_open, next_open, parse_holidays, parse_weekly
from chatflow.db import Connection
from chatflow.errors import ChannelNotFound

__all__ = ["availability", "get_hours", "put_hours"]


def availability(hours: BusinessHours | None, at: datetime | None = None) -> Availability | None:
    """None when the channel keeps no hours (or they are off): nothing to say."""
    if hours is None or not hours.enabled:
        return None
    now = at or datetime.now(UTC)
    return Availability(
        open=is_open(hours, now),
        next_open_at=next_open(hours, now),
        offline_mode=hours.offline_mode,
        time_zone=hours.time_zone,
    )


def get_hours(conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID) -> BusinessHours | None:
    """Members read; None when the channel keeps no hours. ChannelNotFound for another organisation's."""
    caller.require_member(organization_id)
    if not repo.channel_exists(conn, organization_id, channel_id):
        raise ChannelNotFound()
    return repo.find_hours(conn, channel_id)


def put_hours(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    channel_id: UUID,
    *,
    enabled: bool,
    time_zone: str,
    weekly: Mapping[str, Sequence[Mapping[str, Any]]],
    holidays: Sequence[str],
    offline_mode: OfflineMode,
) -> BusinessHours:
    """Org admin: the whole schedule, replaced. InvalidInput naming the field for an unknown time zone,
    a range that ends before it starts or overlaps another of its day, a date that is not one."""
    caller.require_admin(organization_id)
    hours = BusinessHours(
        channel_id=channel_id,
        organization_id=organization_id,
        enabled=enabled,
        time_zone=check_time_zone(time_zone),
        weekly=parse_weekly(weekly),
        holidays=parse_holidays(holidays),
        offline_mode=offline_mode,
    )
    with conn.transaction():
        if not repo.channel_exists(conn, organization_id, channel_id):
            raise ChannelNotFound()
        stored = repo.upsert_hours(conn, hours)
        audit.record(
            conn,
            action="channel.business_hours_changed",
            organization_id=organization_id,
            actor=caller,
            target=str(channel_id),
            details={"enabled": enabled, "timeZone": time_zone, "offlineMode": offline_mode},
        )
    return stored
