"""Handoff detection: case- and accent-insensitive, whole words and phrases."""

from __future__ import annotations

import pytest

from chatflow.handoff import DEFAULT_HANDOFF_KEYWORDS, asks_for_human, normalize_phrase


def test_there_are_nineteen_bilingual_defaults() -> None:
    assert len(DEFAULT_HANDOFF_KEYWORDS) == 19
    assert len(set(DEFAULT_HANDOFF_KEYWORDS)) == 19
    assert {"representante", "hablar con una persona", "human agent"} <= set(DEFAULT_HANDOFF_KEYWORDS)


@pytest.mark.parametrize(
    "message",
    [
        "representante",
        "Quiero hablar con una persona",
        "Can I talk to a human agent?",
        "REPRESENTANTE por favor",
        "¿Puedo hablar con una persona?",
        "necesito atencion al cliente",
        "Necesito ATENCIÓN al cliente!!",
        "hablar   con\tuna\npersona",
        "I want a real person.",
    ],
)
def test_default_keywords_are_found_in_any_case_accent_or_spacing(message: str) -> None:
    assert asks_for_human(message, DEFAULT_HANDOFF_KEYWORDS)


@pytest.mark.parametrize(
    "message",
    [
        "Is this humanitarian coffee?",
        "Los agentes de viaje",
        "What are your opening hours?",
        "¿Cuánto cuesta un café?",
        "",
    ],
)
def test_words_that_only_contain_a_keyword_do_not_hand_off(message: str) -> None:
    assert not asks_for_human(message, DEFAULT_HANDOFF_KEYWORDS)


def test_keywords_themselves_may_carry_accents_and_capitals() -> None:
    assert asks_for_human("quiero un operador", ["OPERADÓR"])


def test_no_keywords_never_hand_off() -> None:
    assert not asks_for_human("human agent", [])
    assert not asks_for_human("human agent", ["", "   "])


def test_normalize_phrase_folds_case_accents_and_punctuation() -> None:
    assert normalize_phrase("  Atención, al-Cliente! ") == "atencion al cliente"
