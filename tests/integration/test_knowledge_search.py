"""Knowledge search in English and Spanish, on the real database: what the full-text arm matches
(accents, stems of both languages, any one of the question's words, never stop words alone), and
that hybrid retrieval keeps what the words found when the embedding misses it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.db import connection
from chatflow.knowledge import repository as knowledge_repo
from chatflow.knowledge import service as knowledge
from chatflow.knowledge.embeddings import OFFLINE_MODEL, LexicalEmbedder
from chatflow.knowledge.retrieval import retrieve
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of

Db = psycopg.Connection[dict[str, Any]]


def _learn(db: Db, tenant: Tenant, title: str, content: str) -> UUID:
    """An entry of the tenant's organisation, ingested (chunked, embedded offline, indexed)."""
    entry = knowledge.create_entry(
        db,
        admin_of(tenant.organization_id),
        tenant.organization_id,
        knowledge.EntryInput(title=title, content=content),
        get_settings(),
    )
    with connection() as conn:  # the application's connection, which knows pgvector's type
        assert knowledge.ingest(conn, entry.id, get_settings()).status == "ready"
    return entry.id


def _found(db: Db, tenant: Tenant, question: str, *, use_vector: bool = False) -> list[UUID]:
    """The entries retrieval gives for the question, best first; by default by full-text search alone."""
    with connection() as conn:
        passages = retrieve(
            conn,
            organization_id=tenant.organization_id,
            channel_id=tenant.channel_id,
            question=question,
            embedder=LexicalEmbedder(),
            top_k=5,
            token_budget=1500,
            use_vector=use_vector,
        )
    return [p.knowledge_id for p in passages]


@pytest.fixture
def bakery(db: Db, tenant: Tenant) -> dict[str, UUID]:
    """A bilingual bakery's knowledge: two entries in English, two in Spanish."""
    return {
        "hours": _learn(db, tenant, "Opening hours", "We open Monday to Friday from 7 am to 9 pm."),
        "parking": _learn(db, tenant, "Where to leave the car", "Customers may park for free behind the building."),
        "horario": _learn(db, tenant, "Horario de Kendall", "Sábados de 7 a 14 horas. Abrimos temprano."),
        "precios": _learn(db, tenant, "Flan", "El flan entero cuesta 28 dólares y la porción 4.50 dólares."),
    }


def test_an_unaccented_question_finds_the_accented_word(db: Db, tenant: Tenant, bakery: dict[str, UUID]) -> None:
    # "Sábados" first; the English hours follow through the lexicon ("abren" -> "open").
    assert _found(db, tenant, "abren los sabados?") == [bakery["horario"], bakery["hours"]]


def test_parking_finds_park_by_its_english_stem(db: Db, tenant: Tenant, bakery: dict[str, UUID]) -> None:
    assert _found(db, tenant, "Is there parking?") == [bakery["parking"]]


def test_a_spanish_inflection_finds_its_spanish_stem(db: Db, tenant: Tenant, bakery: dict[str, UUID]) -> None:
    # "cuestan" and "cuesta" are both 'cuest' to the Spanish stemmer; "flanes" and "flan" both 'flan'.
    assert _found(db, tenant, "¿Cuánto cuestan los flanes?") == [bakery["precios"]]


def test_spanish_stemming_does_not_join_abren_and_abrimos(db: Db, tenant: Tenant) -> None:
    """A known limit, pinned: Snowball's Spanish stemmer cuts "abrimos" to 'abrim' and leaves "abren"
    whole, so only the embedding can join them (as it must "open" and "abren")."""
    _learn(db, tenant, "Horario", "Abrimos temprano.")
    stems = db.execute(
        "SELECT array_agg(token || '=' || array_to_string(lexemes, ',') ORDER BY token)"
        " FROM ts_debug('chatflow_spanish', 'abren abrimos')"
        " WHERE lexemes IS NOT NULL"
    ).fetchone()
    assert stems is not None
    assert stems["array_agg"] == ["abren=abren", "abrimos=abrim"]
    assert _found(db, tenant, "¿abren?") == []


def test_one_word_missing_from_the_entry_does_not_sink_the_question(
    db: Db, tenant: Tenant, bakery: dict[str, UUID]
) -> None:
    # "Thursday" is nowhere in the knowledge; "open" and "pm" are in the hours.
    assert _found(db, tenant, "Are you open Thursday at 8 pm?")[:1] == [bakery["hours"]]


def test_an_entry_matching_more_of_the_words_ranks_first(db: Db, tenant: Tenant, bakery: dict[str, UUID]) -> None:
    # The Kendall hours hold one of its words ("horas"); the flan holds three.
    assert _found(db, tenant, "¿Cuánto cuesta la porción de flan? ¿horas?")[0] == bakery["precios"]


def test_a_spanish_question_finds_a_spanish_entry_by_words_alone(
    db: Db, tenant: Tenant, bakery: dict[str, UUID]
) -> None:
    # The Spanish entry holds both words; the English "Opening hours" one ("horario" -> "hour") follows.
    assert _found(db, tenant, "¿Cuál es el horario de Kendall?") == [bakery["horario"], bakery["hours"]]


def test_a_spanish_question_finds_an_english_entry_through_the_lexicon(
    db: Db, tenant: Tenant, bakery: dict[str, UUID]
) -> None:
    # No word in common: "estacionamiento" is searched with "parking" too, whose stem meets "park".
    assert _found(db, tenant, "¿Tienen estacionamiento?") == [bakery["parking"]]


def test_an_english_question_finds_a_spanish_entry_through_the_lexicon(
    db: Db, tenant: Tenant, bakery: dict[str, UUID]
) -> None:
    # "price" and "cost" are searched with "precio" and "costo"/"cuesta": the flan's "cuesta".
    assert _found(db, tenant, "What does the flan cost?")[:1] == [bakery["precios"]]
    assert _found(db, tenant, "How much does it cost?") == [bakery["precios"]]


def test_a_spanish_question_finds_an_english_entry_through_a_shared_word(
    db: Db, tenant: Tenant, bakery: dict[str, UUID]
) -> None:
    # Miami Spanish says "parking": parsed in English too, its stem 'park' meets the entry's "park".
    assert _found(db, tenant, "¿Tienen parking para clientes?") == [bakery["parking"]]


def test_stop_words_of_either_language_alone_match_nothing(db: Db, tenant: Tenant, bakery: dict[str, UUID]) -> None:
    """Straight to the query, past the question's own stop word list: words that only PostgreSQL's
    English or Spanish lists know ("were", "those", "nuestra", "estos") match no chunk, in either
    language's entries, although each of these entries holds some of them."""
    _learn(db, tenant, "Story", "Those were the days: nuestra abuela made estos pasteles.")
    with connection() as conn:
        candidates = knowledge_repo.search(
            conn,
            organization_id=tenant.organization_id,
            channel_id=tenant.channel_id,
            embedding=LexicalEmbedder().embed(["x"])[0],
            model=OFFLINE_MODEL,
            terms=["were", "those", "nuestra", "estos", "the", "de", "los"],
            candidates=20,
            use_vector=False,
        )
    assert candidates == []


def test_a_chunk_is_indexed_with_english_and_spanish_stems(db: Db, tenant: Tenant) -> None:
    entry_id = _learn(db, tenant, "Parking", "Parking y estacionamiento los domingos.")
    row = db.execute(
        "SELECT tsvector_to_array(search_tsv) AS lexemes FROM knowledge_chunks WHERE knowledge_id = %s", (entry_id,)
    ).fetchone()
    assert row is not None
    lexemes = set(row["lexemes"])
    assert {"park", "parking", "domingo", "doming", "estacion", "estacionamiento"} <= lexemes
    assert not lexemes & {"y", "los"}  # Spanish stop words, which the English stemmer would keep


def test_hybrid_keeps_a_chunk_below_the_floor_that_holds_half_the_question(db: Db, tenant: Tenant) -> None:
    """The offline embedder hashes whole words, so "dog" and "Dogs" are unrelated to it and the
    entry falls under the similarity floor; its words still match half the question ("bring",
    "dog"), which keeps it (tests/unit/test_knowledge_text.py: fewer than half do not)."""
    pets = _learn(db, tenant, "Pets", "Dogs are welcome on the outdoor patio.")

    assert _found(db, tenant, "Can I bring my dog?", use_vector=True) == [pets]
