"""Plans and overage: $10 per started block of 200 conversations over the plan."""

from __future__ import annotations

import pytest

from chatflow.usage import PLAN_CHANNEL_LIMITS, PLAN_CONVERSATION_LIMITS, overage_cost_usd


def test_plans_allow_300_1000_and_3000_conversations_a_month() -> None:
    assert PLAN_CONVERSATION_LIMITS == {"starter": 300, "pro": 1_000, "growth": 3_000}


def test_plans_allow_1_3_and_10_channels() -> None:
    assert PLAN_CHANNEL_LIMITS == {"starter": 1, "pro": 3, "growth": 10}


@pytest.mark.parametrize(("conversations", "cost"), [(0, 0), (300, 0), (301, 10), (500, 10), (501, 20), (1_000, 40)])
def test_overage_is_charged_per_started_block_of_200(conversations: int, cost: int) -> None:
    assert overage_cost_usd("starter", conversations) == cost
