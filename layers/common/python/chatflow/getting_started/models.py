"""A new organisation's getting-started checklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

__all__ = ["STEPS", "GettingStarted", "Step", "StepKey"]

StepKey = Literal["describe", "knowledge", "channel", "install", "first_message", "invite"]
# In the order a business goes through them.
STEPS: tuple[StepKey, ...] = ("describe", "knowledge", "channel", "install", "first_message", "invite")


@dataclass(frozen=True, slots=True)
class Step:
    key: StepKey
    done: bool


@dataclass(frozen=True, slots=True)
class GettingStarted:
    steps: list[Step]
    dismissed: bool
    # Where and when a widget of the organisation was first seen on a page (install), if it was.
    widget_seen_at: datetime | None
    widget_seen_origin: str | None
    # Where the snippet and the widget's preview are: the organisation's (first, active) website channel.
    website_channel_id: UUID | None = None

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)
