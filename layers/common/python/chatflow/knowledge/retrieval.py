"""Hybrid retrieval for one visitor message: vector and full-text candidates merged (by the similarity
plus a bonus for the question's terms held, for a model whose bonus was measured; by reciprocal rank
fusion otherwise), kept only above the model's similarity floor (or when they hold at least half of the
question's search terms), the best first until top-k or the token budget."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from chatflow.db import Connection
from chatflow.knowledge import repository as repo
from chatflow.knowledge.bilingual import translations
from chatflow.knowledge.embeddings import TEXT_BONUS, Embedder, search_vector
from chatflow.knowledge.folding import search_terms

__all__ = ["RRF_K", "Passage", "fuse", "retrieve", "search"]

RRF_K = 60  # the constant of Cormack et al.'s reciprocal rank fusion
_CANDIDATES = 20  # per arm


@dataclass(frozen=True, slots=True)
class Passage:
    chunk_id: UUID
    knowledge_id: UUID
    title: str
    content: str
    similarity: float
    score: float
    # A web page's or a website page's URL: where the passage comes from.
    source_url: str | None = None


def _holds_half(c: repo.Candidate, terms: int) -> bool:
    return terms > 0 and 2 * c.terms_matched >= terms


def fuse(
    candidates: list[repo.Candidate],
    *,
    floor: float | None,
    top_k: int,
    token_budget: int,
    terms: int = 0,
    text_bonus: float | None = None,
) -> list[Passage]:
    """floor None: no floor (the evaluation of the full-text arm alone). `terms` is how many search
    terms the question has: a chunk holding at least half of them (stemmed, in either language) is
    kept below the floor, since an embedding may miss what the words say ("dog" and "Dogs", "cater"
    and "Catering" are far apart for the offline embedder; on bench/rag_eval.py, hybrid hit@3 EN→EN
    90 % → 98 % and no wrong abstention gained).

    Two fusions. Reciprocal rank fusion (text_bonus None, and always for the full-text arm alone)
    weighs a rank-2 passage that the full-text arm also found above the vector arm's clear first: with
    e5 it made hybrid worse than the vector arm alone (tuning half of bench/rag_eval.py, cross-language
    hit@1 61 % against 77 %, at any weight of the full-text arm). A model with a measured `text_bonus`
    (embeddings.TEXT_BONUS) is fused on the similarity itself, plus the bonus times the share of the
    question's terms the passage holds: a tie-breaker between close passages, never a jump over a clear
    winner (e5, bonus 0.02: hybrid hit@1 87.2 % against the vector arm's 86.2 %, and not below it in any
    group)."""
    scored = []
    for c in candidates:
        if floor is not None and c.similarity < floor and not _holds_half(c, terms):
            continue
        if text_bonus is not None and floor is not None:
            # Calibrated: the similarity, plus the model's bonus for the share of the question's terms held.
            score = c.similarity + (text_bonus * c.terms_matched / terms if terms else 0.0)
        else:
            score = sum(1.0 / (RRF_K + rank) for rank in (c.vector_rank, c.text_rank) if rank is not None)
        scored.append((score, c))
    scored.sort(key=lambda sc: (-sc[0], -sc[1].similarity, str(sc[1].id)))
    chosen: list[Passage] = []
    spent = 0
    for score, c in scored:
        if len(chosen) == top_k:
            break
        if spent + c.token_count > token_budget:
            continue  # a shorter passage further down may still fit
        spent += c.token_count
        chosen.append(Passage(c.id, c.knowledge_id, c.title, c.content, c.similarity, score, c.source_url))
    return chosen


def search(
    conn: Connection,
    *,
    organization_id: UUID,
    channel_id: UUID | None,
    question: str,
    embedder: Embedder,
    use_vector: bool = True,
    use_text: bool = True,
) -> tuple[list[repo.Candidate], int]:
    """Both arms' candidates for the question (one round trip), and how many search terms it has.
    Embedding the question may raise EmbeddingError."""
    # An embedder with its own form for questions (e5's `query: `) embeds the question so.
    embed_query = getattr(embedder, "embed_query", None)
    [embedding] = [embed_query(question)] if embed_query is not None else embedder.embed([question])
    terms = search_terms(question)
    # Each term with its words in the other language, OR-ed (chatflow.knowledge.bilingual): the full-text
    # arm meets an English passage from a Spanish question ("sabados | saturday"), and a passage holding
    # either counts as holding the term. bench/rag_eval.py, cross-language hit@1: full-text arm 29 % -> 65 %
    # on the tuning half, 25 % -> 52 % held out; hybrid with e5 76.5 % -> 81 % tuning, 73.8 % -> 75.0 % held out.
    terms = [" | ".join((term, *translations(term))) for term in terms]
    candidates = repo.search(
        conn,
        organization_id=organization_id,
        channel_id=channel_id,
        embedding=search_vector(embedder.model, embedding),
        model=embedder.model,
        terms=terms,
        candidates=_CANDIDATES,
        use_vector=use_vector,
        use_text=use_text,
    )
    return candidates, len(terms)


def retrieve(
    conn: Connection,
    *,
    organization_id: UUID,
    channel_id: UUID | None,  # None: organisation-wide knowledge only
    question: str,
    embedder: Embedder,
    top_k: int,
    token_budget: int,
    floor: float | None = None,
    use_vector: bool = True,
    use_text: bool = True,
) -> list[Passage]:
    """The passages of the channel's and its organisation's knowledge that answer the question.
    Embedding the question may raise EmbeddingError; the query is one round trip."""
    candidates, terms = search(
        conn,
        organization_id=organization_id,
        channel_id=channel_id,
        question=question,
        embedder=embedder,
        use_vector=use_vector,
        use_text=use_text,
    )
    return fuse(
        candidates,
        floor=(embedder.similarity_floor if floor is None else floor) if use_vector else None,
        top_k=top_k,
        token_budget=token_budget,
        terms=terms,
        text_bonus=TEXT_BONUS.get(embedder.model),
    )
