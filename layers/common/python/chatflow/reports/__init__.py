"""Reports: what the AI resolves, what it costs, how fast people answer (see repository.py for what
each figure means)."""

from chatflow.reports.counting import RETURN_WINDOW_DAYS, count_message, mark_changed, note_returning_visitor
from chatflow.reports.models import LIST_PRICES, MAX_DAYS, ModelPrice, Report, ReportQuery
from chatflow.reports.service import (
    conversation_rows,
    model_prices,
    refresh_marked_days,
    report,
    set_model_price,
    set_time_zone,
    time_zone,
)

__all__ = [
    "LIST_PRICES",
    "MAX_DAYS",
    "RETURN_WINDOW_DAYS",
    "ModelPrice",
    "Report",
    "ReportQuery",
    "conversation_rows",
    "count_message",
    "mark_changed",
    "model_prices",
    "note_returning_visitor",
    "refresh_marked_days",
    "report",
    "set_model_price",
    "set_time_zone",
    "time_zone",
]
