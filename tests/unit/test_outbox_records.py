"""An event's outbox row: what `jsonb_to_recordset` reads when the event is written with its change."""

from __future__ import annotations

import json
from datetime import date
from uuid import uuid4

from chatflow.outbox.models import (
    ConversationHandoff,
    DomainEvent,
    KnowledgeModelChanged,
    UsageLimitExceeded,
    event_from_record,
)
from chatflow.outbox.repository import records


def _read_back(event: DomainEvent) -> DomainEvent | None:
    row = json.loads(event.record_json())
    return event_from_record(
        id=row["id"],
        type=row["type"],
        organization_id=row["organization_id"],
        conversation_id=row["conversation_id"],
        payload=row["payload"],
    )


def test_an_events_row_reads_back_as_the_same_event_whatever_its_text_holds() -> None:
    event = ConversationHandoff(
        organization_id=uuid4(),
        conversation_id=uuid4(),
        requested_by="visitor",
        reason="cannot_answer",
        summary='Quiere "hablar" con alguien — ¿mañana?\n\\ 🙂',
    )

    assert _read_back(event) == event


def test_an_event_without_a_conversation_has_a_null_one_and_keeps_its_dates_and_lists() -> None:
    limit = UsageLimitExceeded(organization_id=uuid4(), month=date(2026, 12, 1), conversations=1200, plan="starter")
    changed = KnowledgeModelChanged(organization_id=uuid4(), model="text-embedding-3-small", previous_models=("e5",))

    assert json.loads(limit.record_json())["conversation_id"] is None
    assert _read_back(limit) == limit
    assert _read_back(changed) == changed


def test_the_envelope_is_in_its_own_columns_and_not_in_the_payload() -> None:
    event = KnowledgeModelChanged(organization_id=uuid4(), model="m", entries=3)

    row = json.loads(event.record_json())

    assert row["type"] == "knowledge.model_changed"
    assert row["version"] == event.VERSION
    assert row["id"] == str(event.id)
    assert set(row["payload"]) == {"model", "previous_models", "entries"}


def test_several_events_are_one_json_array_and_none_an_empty_one() -> None:
    first, second = (KnowledgeModelChanged(organization_id=uuid4(), model=m) for m in ("a", "b"))
    both, none = records([first, second]), records([])

    assert [row["payload"]["model"] for row in json.loads(both.obj)] == ["a", "b"]
    assert json.loads(none.obj) == []
