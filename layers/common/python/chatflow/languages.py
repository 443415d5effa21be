"""The two languages we speak, and the few sentences the server itself says to visitors."""

from __future__ import annotations

from chatflow.vocabulary import Language

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGE_NAMES", "normalize_language", "text"]

DEFAULT_LANGUAGE: Language = "en"

LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "es": "Spanish"}

_TEXTS: dict[str, dict[Language, str]] = {
    "ai_fallback": {
        "en": "Sorry, I can't answer right now. Your message has been saved; please try again in a "
        "moment, or ask to talk to a person.",
        "es": "Lo siento, ahora mismo no puedo responder. Tu mensaje quedó guardado; inténtalo de nuevo "
        "en un momento o pide hablar con una persona.",
    },
    "handoff_notice": {
        "en": "I'm connecting you with a person from our team. They will answer here shortly.",
        "es": "Te estoy comunicando con una persona de nuestro equipo. Te responderá aquí en breve.",
    },
    "offline_reply": {
        "en": "[Offline demo] No AI model is configured on this ChatFlow360 server, so I can't really "
        'answer yet. I received: "{message}". Set OPENAI_API_KEY to get real answers.',
        "es": "[Demo sin conexión] Este servidor de ChatFlow360 no tiene un modelo de IA configurado, así "
        'que todavía no puedo responder de verdad. Recibí: "{message}". Define OPENAI_API_KEY para '
        "obtener respuestas reales.",
    },
}


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


def text(key: str, language: Language, **values: str) -> str:
    template = _TEXTS[key][language]
    return template.format(**values) if values else template
