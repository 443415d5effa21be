"""The answer from the knowledge alone, with no model: the best passages for the question, quoted
briefly, labelled plainly as a search match and not an AI answer, or, when nothing matches, an offer
of a person. It never speaks of keys or environment variables: a visitor can do nothing about those.

Two uses. A local stack with no API key anywhere answers so (`offline`: the label says it is the
offline demo), searching with a real multilingual embedder on the machine (chatflow.knowledge's
E5Embedder), so that a new user sees what the product does. And in AWS it is the degraded mode: when
the provider fails after its retries, a visitor whose question the knowledge answers well enough gets
that passage rather than an apology.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chatflow.language_detection import language_of_message
from chatflow.languages import text
from chatflow.vocabulary import Language

if TYPE_CHECKING:
    from chatflow.knowledge.retrieval import Passage

__all__ = ["KNOWLEDGE_MODEL", "OFFLINE_MODEL", "knowledge_answer"]

# The `model` of a message answered so, as the inbox shows it.
OFFLINE_MODEL = "offline-knowledge"
KNOWLEDGE_MODEL = "knowledge-match"
_QUOTED = 2  # passages quoted, at most
_EXCERPT_CHARS = 320
# Cosine similarities this close to the best one's count as matching as well.
_CLOSE = 0.02


def knowledge_answer(passages: Sequence[Passage] | None, language: Language, *, offline: bool) -> str | None:
    """The answer in `language` (the visitor's); None when nothing matches and this is not the offline
    demo (the caller then apologises as before)."""
    chosen = _best(passages or (), language)
    label = text("offline_label", language) + " " if offline else ""
    if not chosen:
        return label + text("knowledge_none", language) if offline else None
    quotes = "\n\n".join(f"“{p.title.strip()}”: {_excerpt(_without_title(p))}" for p in chosen)
    return f"{label}{text('knowledge_match', language)}\n\n{quotes}"


def _best(passages: Sequence[Passage], language: Language) -> list[Passage]:
    """The best passage, and a second one only when it matches about as well (a quote of something
    beside the point is worse than none); of passages that match equally, only those in the visitor's
    language when there are any: a business that writes its knowledge in both languages has each fact
    twice, and the other language's copy would say the same thing again."""
    if not passages:
        return []
    top = passages[0].similarity
    close = [p for p in passages[: _QUOTED + 1] if p.similarity >= top - _CLOSE]
    in_language = [p for p in close if language_of_message(p.content[:400], language) == language]
    return (in_language or close)[:_QUOTED]


def _without_title(passage: Passage) -> str:
    """A chunk's text begins with its entry's title (chatflow.knowledge.chunking): quoted once is enough."""
    title, content = passage.title.strip(), passage.content.lstrip()
    return content[len(title) :].lstrip() if title and content.startswith(title) else content


def _excerpt(content: str) -> str:
    """The passage on one line, cut at a word near EXCERPT_CHARS."""
    flat = " ".join(content.split())
    if len(flat) <= _EXCERPT_CHARS:
        return flat
    cut = flat[:_EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
