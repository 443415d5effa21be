"""Embedding tokens in usage (issue #17, item 4): what an organisation's knowledge entries, the visitor
questions its knowledge was searched with and its knowledge gaps were embedded with is counted in its
month's usage, tokens as OpenAI's embedding models count them (cl100k_base), and shown by
GET /organizations/{id}/usage; another organisation's stays at 0."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.knowledge import service as knowledge
from chatflow.knowledge.chunking import count_tokens
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of
from tests.support.events import LambdaContextStub, sqs_event
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

HOURS = "We open Monday to Saturday from 8 am to 6 pm and on Sunday from 9 am to 2 pm."


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


def _ingest(db: Db, organization_id: UUID, title: str, content: str) -> None:
    entry = knowledge.create_entry(
        db,
        admin_of(organization_id),
        organization_id,
        knowledge.EntryInput(title=title, content=content),
        get_settings(),
    )
    event = sqs_event(json.dumps({"knowledgeId": str(entry.id)}))
    assert load_handler("ingest")(event, LambdaContextStub()) == {"batchItemFailures": []}


def _embedding_tokens(people: People, who: Person, organization_id: UUID) -> int:
    answer = people.get(who, f"/organizations/{organization_id}/usage")
    assert answer.status_code == 200, answer.text
    tokens: int = answer.json()["months"][0]["embeddingTokens"]
    return tokens


def test_an_ingested_entry_counts_the_tokens_it_was_embedded_with(
    db: Db, tenant: Tenant, people: People, admin: Person
) -> None:
    long_text = " ".join(f"Fact {i}: the cortadito number {i} costs {i} dollars." for i in range(120))
    _ingest(db, tenant.organization_id, "Opening hours", HOURS)
    _ingest(db, tenant.organization_id, "Prices", long_text)

    chunks = db.execute(
        "SELECT k.title, c.chunk_index, c.content"
        " FROM knowledge_chunks c JOIN channel_knowledge k ON k.id = c.knowledge_id"
    ).fetchall()
    # Each chunk is embedded as it is (the first holds its title) or after its entry's title.
    embedded = [c["content"] if c["chunk_index"] == 0 else f"{c['title']}\n{c['content']}" for c in chunks]
    assert len(embedded) > 2
    assert _embedding_tokens(people, admin, tenant.organization_id) == sum(count_tokens(t) for t in embedded)


def test_a_searched_question_counts_once_and_a_channel_without_knowledge_counts_nothing(
    db: Db, tenant: Tenant, people: People, admin: Person, visitor: WidgetClient
) -> None:
    visitor.post("What time do you open on Sunday?")  # no knowledge yet: no search, no embedding
    assert _embedding_tokens(people, admin, tenant.organization_id) == 0
    _ingest(db, tenant.organization_id, "Opening hours", HOURS)
    before = _embedding_tokens(people, admin, tenant.organization_id)

    visitor.post("What time do you open on Sunday?")

    spent = _embedding_tokens(people, admin, tenant.organization_id) - before
    assert spent == count_tokens("What time do you open on Sunday?")


def test_a_knowledge_gaps_question_counts_too_and_other_organisations_pay_nothing(
    db: Db, tenant: Tenant, people: People, admin: Person, visitor: WidgetClient
) -> None:
    _ingest(db, tenant.organization_id, "Opening hours", HOURS)
    before = _embedding_tokens(people, admin, tenant.organization_id)
    beta = create_organization(db, name="Beta")
    beta_admin = people.make(admin_of=[beta])

    visitor.post("Do you repair bicycles?")  # searched, and no passage: a knowledge gap, embedded again to file it

    spent = _embedding_tokens(people, admin, tenant.organization_id) - before
    assert spent == 2 * count_tokens("Do you repair bicycles?")
    assert _embedding_tokens(people, beta_admin, beta) == 0
