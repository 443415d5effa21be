"""Business hours: per channel, a time zone, weekly hours (several ranges a day) and holidays; whether
a person is available now and when next; what the widget does outside them. The offline form is
chatflow.business_hours.offline (imported from there: it writes conversations, which import this)."""

from chatflow.business_hours.models import DAYS, Availability, BusinessHours, Day, OfflineMode, TimeRange
from chatflow.business_hours.notice import HandoffNotice, back_at, handoff_notice
from chatflow.business_hours.repository import hours_from_json, hours_from_row, weekly_json
from chatflow.business_hours.schedule import check_time_zone, is_open, next_open, parse_holidays, parse_weekly
from chatflow.business_hours.service import availability, get_hours, put_hours

__all__ = [
    "DAYS",
    "Availability",
    "BusinessHours",
    "Day",
    "HandoffNotice",
    "OfflineMode",
    "TimeRange",
    "availability",
    "back_at",
    "check_time_zone",
    "get_hours",
    "handoff_notice",
    "hours_from_json",
    "hours_from_row",
    "is_open",
    "next_open",
    "parse_holidays",
    "parse_weekly",
    "put_hours",
    "weekly_json",
]
