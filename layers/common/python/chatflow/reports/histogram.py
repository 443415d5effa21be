"""Durations as the reports keep them: counted in buckets 5 % wide, so that a percentile over a year of
conversations comes from a few hundred bucket counts instead of a sort of every duration.

Bucket 0 holds [0, 1) second; bucket b ≥ 1 holds [GROWTH^(b-1), GROWTH^b) seconds (the rollups'
SQL computes `1 + floor(ln(seconds) / ln(GROWTH))`). A bucket stands for its geometric middle, which
is within RESOLUTION of any duration in it (half a second for bucket 0). A percentile is computed as
PostgreSQL's percentile_cont computes it over the durations themselves, each replaced by its bucket's
middle: linear between the two nearest ranks, so it too is within RESOLUTION of the exact figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["GROWTH", "RESOLUTION", "bucket_of", "middle", "percentile"]

GROWTH = 1.05
RESOLUTION = math.sqrt(GROWTH) - 1  # 0.0247: "to within 2.5 %"


def bucket_of(seconds: float) -> int:
    """The bucket the rollups' SQL puts a duration in (for tests and the bench)."""
    return 0 if seconds < 1 else 1 + math.floor(math.log(seconds) / math.log(GROWTH))


def middle(bucket: int) -> float:
    return 0.5 if bucket == 0 else GROWTH ** (bucket - 0.5)


def percentile(counts: Iterable[tuple[int, int]], fraction: float) -> float | None:
    """`fraction` (0..1) of the durations counted as (bucket, how many); None when there are none."""
    ordered = sorted((bucket, n) for bucket, n in counts if n > 0)
    total = sum(n for _, n in ordered)
    if total == 0:
        return None
    position = fraction * (total - 1)  # 0-based rank, as percentile_cont
    below, above = math.floor(position), math.ceil(position)

    def at(rank: int) -> float:
        seen = 0
        for bucket, n in ordered:
            seen += n
            if rank < seen:
                return middle(bucket)
        return middle(ordered[-1][0])

    low = at(below)
    return low + (position - below) * (at(above) - low)
