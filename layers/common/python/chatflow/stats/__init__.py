"""The dashboard's figures, all counted from the conversations and messages themselves (what each one
means: chatflow.stats.repository)."""

from chatflow.stats.models import DailyPoint, Figures, PageCount
from chatflow.stats.service import MAX_DAYS, figures

__all__ = ["MAX_DAYS", "DailyPoint", "Figures", "PageCount", "figures"]
