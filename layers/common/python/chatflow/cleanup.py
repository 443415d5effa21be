"""The scheduled cleanup: close conversations nobody has written in for a while (the third layer of
cleanup), tell whoever watches them, forget WebSocket connections API Gateway has surely closed,
drop the rate limits' counters of windows that have ended, sweep the outbox (signal again
what a crash left undelivered; forget what was delivered long ago) and the webhook deliveries whose
signal was lost, and remake the reports' rollups of the days marked as changed."""

from __future__ import annotations

import logging
from uuid import UUID

from chatflow import outbox, rate_limits, reports, webhooks
from chatflow.attachments.erasure import delete_abandoned_uploads
from chatflow.conversations import repository as repo
from chatflow.db import connection
from chatflow.realtime import connections as ws_connections
from chatflow.retention import delete_expired_conversations
from chatflow.settings import get_settings

__all__ = [
    "close_stale_conversations",
    "delete_expired_conversations",
    "remove_ended_rate_limit_windows",
    "remove_stale_connections",
]

_logger = logging.getLogger(__name__)


def close_stale_conversations() -> list[tuple[UUID, UUID]]:
    """The scheduled run: close open and pending conversations whose last message is older than
    CONVERSATION_IDLE_HOURS, with a conversation.updated event each (operators' lists and the
    visitors' widgets show them closed), then remove stale connections and ended rate-limit
    windows, and sweep the outbox. Returns (conversation id, organization id) of each conversation
    closed."""
    idle_seconds = get_settings().conversation_idle_hours * 3600
    with connection() as conn:
        events = repo.close_stale_conversations(conn, idle_seconds=idle_seconds)
    _logger.info("closed stale conversations", extra={"closed": len(events)})
    outbox.signal([e.id for e in events])
    remove_stale_connections()
    remove_ended_rate_limit_windows()
    delete_expired_conversations()
    delete_abandoned_uploads()
    outbox.sweep()
    webhooks.sweep()
    remade = reports.refresh_marked_days()
    _logger.info("remade report rollups", extra={"days": remade})
    return [(e.conversation_id, e.organization_id) for e in events]


def remove_stale_connections() -> int:
    """Forget connections older than API Gateway's two-hour limit: their socket is closed, and
    their $disconnect, if any came, was lost. Returns how many."""
    with connection() as conn:
        removed = ws_connections.delete_stale(conn)
    _logger.info("removed stale connections", extra={"removed": removed})
    return removed


def remove_ended_rate_limit_windows() -> int:
    """Counters of windows that have ended count nothing any more. Returns how many were removed."""
    with connection() as conn:
        removed = rate_limits.delete_ended_windows(conn)
    _logger.info("removed ended rate-limit windows", extra={"removed": removed})
    return removed
