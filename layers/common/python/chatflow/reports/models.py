"""What a report says (its figures are described in repository.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from chatflow.vocabulary import Language

__all__ = ["LIST_PRICES", "MAX_DAYS", "ModelPrice", "Report", "ReportQuery"]

MAX_DAYS = 366

# US dollars per million tokens, blended: input and output list prices (December 2026) at 3 to 1, as
# a chat with knowledge reads far more than it writes. A super admin's price for a model wins.
LIST_PRICES: dict[str, float] = {
    "gpt-4o-mini": (3 * 0.15 + 0.60) / 4,
    "gpt-4o": (3 * 2.50 + 10.00) / 4,
    "gpt-4.1-nano": (3 * 0.10 + 0.40) / 4,
    "gpt-4.1-mini": (3 * 0.40 + 1.60) / 4,
    "gpt-4.1": (3 * 2.00 + 8.00) / 4,
}


@dataclass(frozen=True, slots=True)
class ReportQuery:
    organization_id: UUID | None  # None: every organisation of the caller
    first: dt.date  # the period's first and last days, in `time_zone`
    last: dt.date
    channel_id: UUID | None = None
    language: Language | None = None


@dataclass(frozen=True, slots=True)
class Report:
    query: ReportQuery
    time_zone: str | None  # None: several organisations, each on its own days
    figures: dict[str, Any]  # as repository.load_report returns them


@dataclass(frozen=True, slots=True)
class ModelPrice:
    model: str
    usd_per_million_tokens: float
    list_price: float | None  # what the code knows for it
    updated_at: dt.datetime | None  # when a super admin set it; None: the list price
