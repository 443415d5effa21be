"""Languages we speak, and the prompt sent to the AI."""

from __future__ import annotations

import pytest

from chatflow.ai.offline import knowledge_answer
from chatflow.ai.prompt import HistoryEntry, build_prompt
from chatflow.languages import normalize_language, text


@pytest.mark.parametrize(
    ("tag", "language"), [("es", "es"), ("ES", "es"), ("es-MX", "es"), ("es_419", "es"), ("en-GB", "en")]
)
def test_language_tags_are_reduced_to_the_ones_we_speak(tag: str, language: str) -> None:
    assert normalize_language(tag) == language


@pytest.mark.parametrize("tag", [None, "", "fr", "pt-BR", "english"])
def test_other_languages_are_not_guessed(tag: str | None) -> None:
    assert normalize_language(tag) is None


def test_every_server_sentence_exists_in_both_languages() -> None:
    for key in ("ai_fallback", "handoff_notice"):
        assert text(key, "en") != text(key, "es")


def test_the_prompt_starts_with_instructions_and_ends_with_the_message() -> None:
    turns = build_prompt(
        system_prompt="Be a barista.",
        language="es",
        history=[HistoryEntry("visitor", "Hola"), HistoryEntry("ai", "¡Hola!"), HistoryEntry("agent", "Soy Ana")],
        message="¿Precio?",
    )

    assert turns[0].role == "system"
    assert "Be a barista." in turns[0].content
    assert "Spanish" in turns[0].content
    assert [(t.role, t.content) for t in turns[1:]] == [
        ("user", "Hola"),
        ("assistant", "¡Hola!"),
        ("assistant", "Soy Ana"),
        ("user", "¿Precio?"),
    ]


def test_system_notices_are_left_out_of_the_dialogue() -> None:
    turns = build_prompt(
        system_prompt="", language="en", history=[HistoryEntry("system", "Connecting you")], message="Hi"
    )

    assert [t.role for t in turns] == ["system", "user"]


def test_the_offline_answer_says_plainly_that_it_is_offline_and_never_asks_for_a_key() -> None:
    content = knowledge_answer([], "en", offline=True)

    assert content is not None
    assert content.startswith("[Offline demo]")
    assert "OPENAI_API_KEY" not in content
    assert "talk to a person" in content
