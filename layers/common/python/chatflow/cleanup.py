"""The third layer of cleanup: close conversations nobody has written in for a while."""

from __future__ import annotations

import logging
from uuid import UUID

from chatflow.conversations import repository as repo
from chatflow.db import connection
from chatflow.settings import get_settings

__all__ = ["close_stale_conversations"]

_logger = logging.getLogger(__name__)


def close_stale_conversations() -> list[tuple[UUID, UUID]]:
    """Close open and pending conversations whose last message is older than CONVERSATION_IDLE_HOURS;
    returns (conversation id, organization id) of each closed."""
    idle_seconds = get_settings().conversation_idle_hours * 3600
    with connection() as conn:
        closed = repo.close_stale_conversations(conn, idle_seconds=idle_seconds)
    _logger.info("closed stale conversations", extra={"closed": len(closed)})
    return closed
