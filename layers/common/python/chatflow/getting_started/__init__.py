"""A new organisation's getting-started checklist (see service.py)."""

from chatflow.getting_started.models import STEPS, GettingStarted, Step, StepKey
from chatflow.getting_started.repository import mark_widget_seen
from chatflow.getting_started.service import get_getting_started, set_dismissed

__all__ = ["STEPS", "GettingStarted", "Step", "StepKey", "get_getting_started", "mark_widget_seen", "set_dismissed"]
