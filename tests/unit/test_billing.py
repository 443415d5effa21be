"""Plans and overage: $10 per started block of 200 conversations over the plan."""

from __future__ import annotations

import pytest

from chatflow.billing import overage_cost_usd


@pytest.mark.parametrize(("conversations", "cost"), [(0, 0), (300, 0), (301, 10), (500, 10), (501, 20), (1_000, 40)])
def test_overage_is_charged_per_started_block_of_200(conversations: int, cost: int) -> None:
    assert overage_cost_usd("starter", conversations) == cost
