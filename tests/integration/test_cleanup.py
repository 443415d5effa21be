"""The scheduled cleanup closes conversations idle for over two hours, and nothing else."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from infra.functions import load_handler
from tests.support.events import LambdaContextStub
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-24T23:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/chatflow-cleanup"],
    "detail": {},
}


def _conversation(visitor: WidgetClient, db: Db, *, idle: str, status: str = "open") -> UUID:
    conversation = UUID(visitor.another_visitor().post("Hello").body["conversationId"])
    db.execute(
        "UPDATE conversations SET last_message_at = now() - %s::interval, status = %s WHERE id = %s",
        (idle, status, conversation),
    )
    return conversation


def _status(db: Db, conversation: UUID) -> str:
    row = db.execute("SELECT status FROM conversations WHERE id = %s", (conversation,)).fetchone()
    assert row is not None
    return str(row["status"])


def test_open_and_pending_conversations_idle_over_two_hours_are_closed(visitor: WidgetClient, db: Db) -> None:
    stale_open = _conversation(visitor, db, idle="2 hours 1 minute")
    stale_pending = _conversation(visitor, db, idle="5 hours", status="pending")

    result = load_handler("cleanup")(SCHEDULED_EVENT, LambdaContextStub())

    assert result == {"closed": 2}
    assert _status(db, stale_open) == "closed"
    assert _status(db, stale_pending) == "closed"


def test_recent_conversations_are_left_open(visitor: WidgetClient, db: Db) -> None:
    recent = _conversation(visitor, db, idle="1 hour 59 minutes")

    load_handler("cleanup")(SCHEDULED_EVENT, LambdaContextStub())

    assert _status(db, recent) == "open"


def test_already_closed_conversations_keep_their_closing_time(visitor: WidgetClient, db: Db) -> None:
    closed = _conversation(visitor, db, idle="3 hours", status="closed")
    db.execute("UPDATE conversations SET closed_at = now() - interval '3 hours' WHERE id = %s", (closed,))
    before = db.execute("SELECT closed_at FROM conversations WHERE id = %s", (closed,)).fetchone()

    result = load_handler("cleanup")(SCHEDULED_EVENT, LambdaContextStub())

    assert result == {"closed": 0}
    assert db.execute("SELECT closed_at FROM conversations WHERE id = %s", (closed,)).fetchone() == before
