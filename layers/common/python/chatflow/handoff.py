"""Whether a visitor's message asks for a person: keyword match, case- and accent-insensitive, whole words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["DEFAULT_HANDOFF_KEYWORDS", "asks_for_human", "normalize_phrase"]

DEFAULT_HANDOFF_KEYWORDS: tuple[str, ...] = (
    # English
    "human",
    "human agent",
    "live agent",
    "real person",
    "talk to a person",
    "speak to a person",
    "talk to someone",
    "representative",
    "customer service",
    # Spanish
    "humano",
    "agente",
    "agente humano",
    "persona real",
    "hablar con una persona",
    "hablar con alguien",
    "representante",
    "asesor",
    "operador",
    "atención al cliente",
)

_NON_WORD = re.compile(r"[^\w]+")


def normalize_phrase(phrase: str) -> str:
    """Lower-case, accents folded, punctuation as spaces, single spaces.

    'Atención, al-Cliente!' → 'atencion al cliente'."""
    decomposed = unicodedata.normalize("NFKD", phrase.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded).replace("_", " ").strip()


def asks_for_human(message: str, keywords: Iterable[str]) -> bool:
    """True when a keyword or phrase stands in the message as whole words."""
    haystack = f" {normalize_phrase(message)} "
    return any(needle in haystack for needle in _needles(tuple(keywords)))


@lru_cache(maxsize=256)
def _needles(keywords: tuple[str, ...]) -> tuple[str, ...]:
    """Each keyword normalised once per list, not once per message: a channel's list is the same for
    every message it gets, and normalising 19 defaults cost more than the rest of the match."""
    return tuple(f" {needle} " for keyword in keywords if (needle := normalize_phrase(keyword)))
