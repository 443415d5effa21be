"""The knowledge base end to end on the real database: ingestion through functions/ingest with real
SQS events, retrieval in the chat, the prompt the AI is sent, and tenant isolation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.ai.prompt import NO_KNOWLEDGE_INSTRUCTIONS, REFERENCE_INSTRUCTIONS
from chatflow.channels import create_channel
from chatflow.errors import InvalidUrl
from chatflow.knowledge import repository as knowledge_repo
from chatflow.knowledge import service as knowledge
from chatflow.knowledge.embeddings import OFFLINE_MODEL, OPENAI_MODEL, LexicalEmbedder
from chatflow.knowledge.retrieval import retrieve
from chatflow.knowledge.sources import UNREACHABLE, SourceError, check_url
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of, super_admin
from tests.support.events import LambdaContextStub, sqs_event
from tests.support.fake_openai import FakeOpenAI
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

HOURS = "We open Monday to Saturday from 8 am to 6 pm and on Sunday from 9 am to 2 pm."


def _add(db: Db, organization_id: UUID, title: str, content: str, channel_id: UUID | None = None) -> UUID:
    entry = knowledge.create_entry(
        db,
        admin_of(organization_id),
        organization_id,
        knowledge.EntryInput(title=title, content=content, channel_id=channel_id),
        get_settings(),
    )
    return entry.id


def _ingest(*entry_ids: UUID, receive_count: int = 1) -> dict[str, Any]:
    event = sqs_event(*(json.dumps({"knowledgeId": str(i)}) for i in entry_ids), receive_count=receive_count)
    result: dict[str, Any] = load_handler("ingest")(event, LambdaContextStub())
    return result


def _entry(db: Db, entry_id: UUID) -> dict[str, Any]:
    row = db.execute("SELECT * FROM channel_knowledge WHERE id = %s", (entry_id,)).fetchone()
    assert row is not None
    return row


def _chunks(db: Db, entry_id: UUID) -> list[dict[str, Any]]:
    return db.execute(
        "SELECT id, content, search_text, token_count FROM knowledge_chunks"
        " WHERE knowledge_id = %s ORDER BY chunk_index",
        (entry_id,),
    ).fetchall()


def test_an_entry_is_ingested_by_the_handler_from_an_sqs_event(db: Db, tenant: Tenant) -> None:
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)
    assert _entry(db, entry_id)["status"] == "pending"

    assert _ingest(entry_id) == {"batchItemFailures": []}

    entry = _entry(db, entry_id)
    assert (entry["status"], entry["chunk_count"], entry["error"], entry["embedding_model"]) == (
        "ready",
        1,
        None,
        OFFLINE_MODEL,
    )
    [chunk] = _chunks(db, entry_id)
    assert "Sunday from 9 am" in chunk["content"]
    assert chunk["token_count"] > 10
    assert chunk["search_text"].startswith("opening hours")


def test_a_long_entry_is_embedded_in_batches_through_openai(db: Db, tenant: Tenant, fake_openai: FakeOpenAI) -> None:
    long_text = " ".join(f"Fact {i}: the cortadito number {i} costs {i} dollars." for i in range(1500))
    entry_id = _add(db, tenant.organization_id, "Prices", long_text)

    assert _ingest(entry_id) == {"batchItemFailures": []}

    entry = _entry(db, entry_id)
    assert entry["status"] == "ready"
    assert entry["embedding_model"] == OPENAI_MODEL
    assert entry["chunk_count"] > 96  # more than one request's worth
    assert len(fake_openai.embedding_requests) == -(-entry["chunk_count"] // 96)
    assert {r["model"] for r in fake_openai.embedding_requests} == {OPENAI_MODEL}
    assert {r["dimensions"] for r in fake_openai.embedding_requests} == {1536}


def test_the_chat_answers_from_retrieved_passages_and_records_them(
    db: Db, tenant: Tenant, visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    hours = _add(db, tenant.organization_id, "Opening hours", HOURS)
    _add(db, tenant.organization_id, "Parking", "Free parking in the garage behind the shop.")
    _ingest(*[hours])

    answer = visitor.post("What time do you open on Sunday?")

    assert answer.status == 200
    messages = fake_openai.requests[-1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "user"]
    assert REFERENCE_INSTRUCTIONS in messages[0]["content"]
    assert HOURS in messages[1]["content"]
    assert "Opening hours" in messages[1]["content"]
    assert NO_KNOWLEDGE_INSTRUCTIONS not in messages[0]["content"]
    assert messages[2]["content"] == "What time do you open on Sunday?"
    assert len(fake_openai.embedding_requests) == 2  # the entry, then the question
    [chunk] = _chunks(db, hours)
    row = db.execute("SELECT knowledge_chunk_ids FROM messages WHERE role = 'ai'").fetchone()
    assert row is not None
    assert row["knowledge_chunk_ids"] == [chunk["id"]]


def test_with_nothing_relevant_the_ai_is_told_to_say_it_does_not_know(
    db: Db, tenant: Tenant, visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    _ingest(_add(db, tenant.organization_id, "Opening hours", HOURS))

    visitor.post("Do you repair bicycles?")

    messages = fake_openai.requests[-1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert NO_KNOWLEDGE_INSTRUCTIONS in messages[0]["content"]
    row = db.execute("SELECT knowledge_chunk_ids FROM messages WHERE role = 'ai'").fetchone()
    assert row is not None
    assert row["knowledge_chunk_ids"] == []


def test_a_channel_without_knowledge_asks_no_embedding(
    db: Db, tenant: Tenant, visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    visitor.post("Hello")

    assert fake_openai.embedding_requests == []
    assert NO_KNOWLEDGE_INSTRUCTIONS not in fake_openai.requests[-1]["messages"][0]["content"]


def test_offline_retrieval_works_without_any_key(db: Db, tenant: Tenant, visitor: WidgetClient) -> None:
    hours = _add(db, tenant.organization_id, "Horario", "Abrimos de lunes a sábado de 8 a 18 y el domingo de 9 a 14.")
    _ingest(hours)

    assert visitor.post("¿Qué horario tienen el sábado?").status == 200

    row = db.execute("SELECT knowledge_chunk_ids FROM messages WHERE role = 'ai'").fetchone()
    assert row is not None
    assert row["knowledge_chunk_ids"] == [_chunks(db, hours)[0]["id"]]


def test_editing_an_entry_re_embeds_it(db: Db, tenant: Tenant) -> None:
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)
    _ingest(entry_id)
    [before] = _chunks(db, entry_id)

    updated = knowledge.update_entry(
        db,
        admin_of(tenant.organization_id),
        tenant.organization_id,
        entry_id,
        title=None,
        content="Closed on Sundays.",
        url=None,
        settings=get_settings(),
    )
    assert (updated.status, updated.version) == ("pending", 2)
    _ingest(entry_id)

    [after] = _chunks(db, entry_id)
    assert after["id"] != before["id"]
    assert "Closed on Sundays." in after["content"]
    assert _entry(db, entry_id)["status"] == "ready"


def test_a_run_for_an_older_version_stores_nothing(db: Db, tenant: Tenant) -> None:
    from chatflow.db import connection

    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)
    with connection() as conn:
        job = knowledge_repo.load_ingest_job(conn, entry_id)
        assert job is not None
        db.execute("UPDATE channel_knowledge SET version = version + 1 WHERE id = %s", (entry_id,))
        assert not knowledge_repo.store_chunks(conn, job.entry, [], embedding_model=OFFLINE_MODEL)
    assert _entry(db, entry_id)["status"] == "pending"


def test_deleting_an_entry_removes_its_chunks(db: Db, tenant: Tenant) -> None:
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)
    _ingest(entry_id)
    assert _chunks(db, entry_id)

    knowledge.delete_entry(db, admin_of(tenant.organization_id), tenant.organization_id, entry_id)

    assert db.execute("SELECT count(*) AS n FROM knowledge_chunks").fetchone() == {"n": 0}


def test_an_embedding_failure_is_retried_then_fails_the_entry_with_the_reason(
    db: Db, tenant: Tenant, fake_openai: FakeOpenAI
) -> None:
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)
    fake_openai.embedding_status = 500
    event = sqs_event(json.dumps({"knowledgeId": str(entry_id)}))

    result = load_handler("ingest")(event, LambdaContextStub())

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert _entry(db, entry_id)["status"] == "pending"

    assert _ingest(entry_id, receive_count=5) == {"batchItemFailures": []}  # the last attempt
    entry = _entry(db, entry_id)
    assert entry["status"] == "failed"
    assert "embeddings could not be made" in entry["error"]
    assert entry["error_reason"] == "embeddings_failed"


def test_a_malformed_message_is_dropped_not_retried(db: Db) -> None:
    event = sqs_event("not json", json.dumps({"knowledgeId": str(uuid4())}))
    assert load_handler("ingest")(event, LambdaContextStub()) == {"batchItemFailures": []}


# --- tenant isolation -------------------------------------------------------------------------


def test_retrieval_never_crosses_organisations_or_channels(db: Db) -> None:
    org_a = create_organization(db, name="Alpha", plan="pro")  # room for two channels
    a1 = create_channel(db, super_admin(), org_a, name="A1").id
    a2 = create_channel(db, super_admin(), org_a, name="A2").id
    org_b = create_organization(db, name="Beta")
    b1 = create_channel(db, super_admin(), org_b, name="B1").id
    entries = {
        "alpha-wide": _add(db, org_a, "Alpha hours", "Our opening hours are 8 to 6 with parking."),
        "alpha-one": _add(db, org_a, "A1 parking", "Opening hours and parking for channel one.", a1),
        "alpha-two": _add(db, org_a, "A2 parking", "Opening hours and parking for channel two.", a2),
        "beta-wide": _add(db, org_b, "Beta hours", "Opening hours and parking of Beta."),
        "beta-one": _add(db, org_b, "B1 parking", "Opening hours and parking of B1.", b1),
    }
    _ingest(*entries.values())
    from chatflow.db import connection

    def found(organization_id: UUID, channel_id: UUID) -> set[str]:
        with connection() as conn:
            passages = retrieve(
                conn,
                organization_id=organization_id,
                channel_id=channel_id,
                question="opening hours parking",
                embedder=LexicalEmbedder(),
                top_k=20,
                token_budget=10_000,
                floor=-1.0,
            )
        names = {v: k for k, v in entries.items()}
        return {names[p.knowledge_id] for p in passages}

    assert found(org_a, a1) == {"alpha-wide", "alpha-one"}
    assert found(org_a, a2) == {"alpha-wide", "alpha-two"}
    assert found(org_b, b1) == {"beta-wide", "beta-one"}
    assert found(org_b, a1) == {"beta-wide"}  # a channel id of another organisation brings nothing of it


# --- web pages ---------------------------------------------------------------------------------

PAGE = """<html><head><title>Miami Bakery - Hours</title></head><body>
<nav>Home | Menu | Contact</nav>
<article><h1>Our hours</h1><p>The Little Havana bakery opens every day at 7 am and closes at 9 pm.
On holidays we close at 3 pm. Fresh pastelitos come out of the oven every hour.</p></article>
<footer>Copyright</footer></body></html>"""


@pytest.fixture
def website() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/hours":
                body, status, kind = PAGE.encode(), 200, "text/html; charset=utf-8"
            elif self.path == "/big":
                body, status, kind = b"<p>" + b"x" * 2_000_000 + b"</p>", 200, "text/html"
            else:
                body, status, kind = b"missing", 404, "text/plain"
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()


def _add_url(db: Db, organization_id: UUID, url: str) -> UUID:
    entry = knowledge.create_entry(
        db, admin_of(organization_id), organization_id, knowledge.EntryInput(title=None, url=url), get_settings()
    )
    return entry.id


def test_a_web_page_is_fetched_and_its_main_text_learned(
    db: Db, tenant: Tenant, website: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _allow_private(monkeypatch)
    entry_id = _add_url(db, tenant.organization_id, f"{website}/hours")

    _ingest(entry_id)

    entry = _entry(db, entry_id)
    assert entry["status"] == "ready", entry["error"]
    assert entry["title"] == "Our hours"  # the page's own title replaces the URL
    assert "opens every day at 7 am" in entry["content"]
    assert "Copyright" not in entry["content"]


def test_a_page_that_cannot_be_fetched_fails_the_entry_with_the_reason(
    db: Db, tenant: Tenant, website: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _allow_private(monkeypatch)
    missing = _add_url(db, tenant.organization_id, f"{website}/nowhere")
    monkeypatch.setenv("KNOWLEDGE_MAX_FILE_BYTES", "1000000")
    get_settings.cache_clear()
    big = _add_url(db, tenant.organization_id, f"{website}/big")

    _ingest(missing, big)

    # One reason for every page that cannot be fetched: the errors must not map hosts and ports.
    assert (_entry(db, missing)["status"], _entry(db, missing)["error_reason"]) == ("failed", UNREACHABLE)
    assert _entry(db, big)["status"] == "failed"
    assert "larger than" in _entry(db, big)["error"]


def test_loopback_and_private_addresses_are_refused_unless_allowed(
    db: Db, tenant: Tenant, website: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for url in (f"{website}/hours", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "ftp://x.org/"):
        with pytest.raises(SourceError):
            check_url(url, get_settings())
    with pytest.raises(InvalidUrl):
        _add_url(db, tenant.organization_id, f"{website}/hours")

    _allow_private(monkeypatch)
    entry_id = _add_url(db, tenant.organization_id, f"{website}/hours")  # the local stack may
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "false")
    get_settings.cache_clear()

    _ingest(entry_id)  # and the fetch checks again

    entry = _entry(db, entry_id)
    assert entry["status"] == "failed"
    assert entry["error_reason"] == UNREACHABLE
