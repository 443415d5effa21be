"""Accent- and case-folding, and the words search cares about, in English and Spanish."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["STOPWORDS", "fold", "search_terms", "words"]

_WORD = re.compile(r"[a-z0-9]+")

# Words too common to say what a question is about (folded forms).
_STOPWORDS_TEXT = """a an and are as at be but by can could do does for from have how i if in is it me my of on or our
    so that the their there this to was we what when where which who why will with would you your
    al como con cual cuales cuando cuanto cuesta de del donde el en es esta estan este hay la las lo los
    mas me mi mis o para pero por que quien se si sin son su sus tiene tienen un una unas unos usted y ya yo"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def fold(text: str) -> str:
    """Lower case without accents: 'Café Ñandú' -> 'cafe nandu'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded words, in order."""
    return _WORD.findall(fold(text))


def search_terms(text: str) -> list[str]:
    """The distinct folded words of a question that may match a passage: no stopwords, no 1-letter words."""
    seen: dict[str, None] = {}
    for word in words(text):
        if len(word) > 1 and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)
