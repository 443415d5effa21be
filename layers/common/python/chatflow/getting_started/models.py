"""A new organisation's getting-started checklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)
