"""The two languages we speak, and the few sentences the server itself says to visitors (worded in
the message catalogue, chatflow/catalogue)."""

from __future__ import annotations

from chatflow import catalogue
from chatflow.vocabulary import Language

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGE_NAMES", "normalize_language", "text"]

DEFAULT_LANGUAGE: Language = "en"

LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "es": "Spanish"}


def normalize_language(tag: str | None) -> Language | None:
    """'es', 'ES', 'es-MX', 'es_419' → 'es'; anything we do not speak → None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    if primary == "es":
        return "es"
    if primary == "en":
        return "en"
    return None


def text(key: str, language: Language, **values: object) -> str:
    return catalogue.render("texts", key, language, **values)
