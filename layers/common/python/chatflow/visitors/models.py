"""A visitor of an organisation's channels, as its conversations know them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

__all__ = ["MAX_PAGE_SIZE", "Visitor"]

MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class Visitor:
    """`verified` with `user_id`, `name` and `email` for a user its business signed (the identity of
    their latest conversation that had one); anonymous otherwise."""

    visitor_id: UUID
    channel_id: UUID
    verified: bool
    user_id: str | None
    name: str | None
    email: str | None
    conversation_count: int
    first_seen_at: datetime
    last_seen_at: datetime
