"""The language an answer speaks: the one the caller chose, else the best of its Accept-Language
that we speak, else a fallback. Bad input never fails a request here: garbage, `*` and languages we
do not speak all end at the fallback."""

from __future__ import annotations

from chatflow.languages import DEFAULT_LANGUAGE, normalize_language
from chatflow.vocabulary import Language

__all__ = ["caller_language"]


def caller_language(
    accept_language: str | None, fallback: Language = DEFAULT_LANGUAGE, *, chosen: str | None = None
) -> Language:
    """`chosen` is what the client says it shows (the widget's `lang`, a socket's `?lang=`); the
    fallback is the seam for a default other than English (a channel's, say).

    Accept-Language is parsed here rather than by Babel (≈200 ms to import, too much for a cold
    start) or werkzeug (not in the layer): `es-MX;q=0.9, en;q=0.8` → es. The highest quality wins,
    the first listed on a tie; an item with a quality that is not a number in [0, 1] is dropped."""
    language = normalize_language(chosen)
    if language is not None:
        return language
    best: Language | None = None
    best_quality = 0.0
    for item in (accept_language or "").split(","):
        tag, *parameters = item.split(";")
        language = normalize_language(tag)
        quality = _quality(parameters)
        if language is not None and quality > best_quality:
            best, best_quality = language, quality
    return best or fallback


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0  # NaN fails the comparison too
    return 1.0
