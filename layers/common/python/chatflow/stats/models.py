"""What the figures are made of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chatflow.inbox import ConversationSummary

__all__ = ["DailyPoint", "Figures", "PageCount"]


@dataclass(frozen=True, slots=True)
class PageCount:
    page_url: str
    conversations: int


@dataclass(frozen=True, slots=True)
class DailyPoint:
    day: date
    conversations: int
    messages: int
    handoffs: int


@dataclass(frozen=True, slots=True)
class Figures:
    today: date
    period_start: date
    days: int
    conversations_today: int
    conversations_last_7_days: int
    conversations_last_30_days: int
    open_now: int
    waiting_for_human: int
    period_conversations: int
    answered_by_ai_alone: int
    handed_to_human: int
    median_first_response_seconds: float | None
    busiest_pages: list[PageCount]
    recent: list[ConversationSummary]
    daily: list[DailyPoint]

    @property
    def ai_alone_share(self) -> float | None:
        """None when the period has no conversation: a share of nothing is not zero."""
        return self.answered_by_ai_alone / self.period_conversations if self.period_conversations else None

    @property
    def handoff_rate(self) -> float | None:
        return self.handed_to_human / self.period_conversations if self.period_conversations else None
