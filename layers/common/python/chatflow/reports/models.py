"""What a report says (its figures are described in repository.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from chatflow.vocabulary import Language

__all__ = ["LIST_PRICES", "MAX_DAYS", "ModelPrice", "Report", "ReportQuery"]

MAX_DAYS = 366


def _blended(input_price: float, output_price: float) -> float:
    # To the 4 decimals a super admin's price is stored with (model_prices), not 0.26249999999999996.
    return round((3 * input_price + output_price) / 4, 4)


# US dollars per million tokens, blended: input and output list prices (December 2026) at 3 to 1, as
# a chat with knowledge reads far more than it writes. A super admin's price for a model wins.
LIST_PRICES: dict[str, float] = {
    "gpt-4o-mini": _blended(0.15, 0.60),
    "gpt-4o": _blended(2.50, 10.00),
    "gpt-4.1-nano": _blended(0.10, 0.40),
    "gpt-4.1-mini": _blended(0.40, 1.60),
    "gpt-4.1": _blended(2.00, 8.00),
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
