"""The language of a visitor's message, on the tricky ones: no language at all, one word, no accents,
typos, Spanglish, names, a visitor who switches."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.language_samples import DEVELOPMENT, HELD_OUT, Sample
from chatflow import language_detection
from chatflow.language_detection import MIN_CONFIDENCE, Detection, detect, language_of_message
from infra.functions import LAYER_PYTHON_DIR

NO_LANGUAGE = [sample.text for sample in DEVELOPMENT + HELD_OUT if sample.expected is None]
LABELLED = [sample for sample in DEVELOPMENT + HELD_OUT if sample.expected is not None]


def test_an_order_number_keeps_the_conversation_language() -> None:
    assert language_of_message("#A-1029", "es") == "es"
    assert language_of_message("#A-1029", "en") == "en"


def test_ok_is_no_language() -> None:
    assert detect("ok") == Detection(None, 0.0)


def test_no_is_both_languages_and_so_neither() -> None:
    assert detect("no").language is None


@pytest.mark.parametrize("text", ["👍", "🙏🙏", "???", "ok 👍"])
def test_emoji_and_punctuation_are_no_language(text: str) -> None:
    assert detect(text).language is None


@pytest.mark.parametrize("text", ["maria.gonzalez@gmail.com", "https://cafebrisa.com/menu", "www.smiledental.com/book"])
def test_an_email_or_a_link_is_no_language(text: str) -> None:
    assert detect(text).language is None


@pytest.mark.parametrize("text", ["305-555-0142", "10:30", "3pm", "$45", "33135"])
def test_phones_times_prices_and_zip_codes_are_no_language(text: str) -> None:
    assert detect(text).language is None


@pytest.mark.parametrize("text", ["Carlos", "John Smith", "Maria Gonzalez", "Blue Cross Blue Shield"])
def test_a_name_on_its_own_is_no_language(text: str) -> None:
    assert detect(text).language is None


def test_a_single_word_outside_the_lexicon_is_not_enough_to_switch() -> None:
    assert language_of_message("order #88213", "es") == "es"


@pytest.mark.parametrize("text", NO_LANGUAGE)
def test_no_benchmark_message_without_a_language_switches_a_conversation(text: str) -> None:
    assert (language_of_message(text, "en"), language_of_message(text, "es")) == ("en", "es")


@pytest.mark.parametrize("sample", LABELLED, ids=[sample.text[:40] for sample in LABELLED])
def test_no_benchmark_message_is_given_the_other_language(sample: Sample) -> None:
    assert detect(sample.text).language in (sample.expected, None)


@pytest.mark.parametrize(("text", "language"), [("si", "es"), ("sí", "es"), ("gracias", "es"), ("vale", "es")])
def test_a_spanish_one_word_reply_is_spanish(text: str, language: str) -> None:
    assert detect(text).language == language


@pytest.mark.parametrize("text", ["thanks", "hi", "hello", "yes"])
def test_an_english_one_word_reply_is_english(text: str) -> None:
    assert detect(text).language == "en"


def test_a_greeting_is_enough_to_switch_to_spanish() -> None:
    assert language_of_message("hola", "en") == "es"


def test_ok_before_a_word_takes_the_language_of_the_word() -> None:
    assert detect("ok gracias").language == "es"
    assert detect("ok thanks").language == "en"


def test_spanish_without_accents_is_spanish() -> None:
    assert detect("a que hora abren manana").language == "es"


def test_english_written_as_texting_is_english() -> None:
    assert detect("wat time u open tmrw").language == "en"


def test_spanish_texting_is_spanish() -> None:
    assert detect("q hora cierran hoy").language == "es"


def test_a_spanish_sentence_with_english_nouns_is_spanish() -> None:
    assert detect("necesito un refill de mi prescription").language == "es"


def test_an_english_sentence_with_spanish_nouns_is_english() -> None:
    assert detect("can I pay con tarjeta?").language == "en"


def test_a_message_half_in_each_language_keeps_the_conversation_language() -> None:
    text = "ok thank you, nos vemos manana"

    assert detect(text).language is None
    assert detect(text).confidence < MIN_CONFIDENCE
    assert (language_of_message(text, "en"), language_of_message(text, "es")) == ("en", "es")


def test_a_place_name_in_a_spanish_sentence_is_no_evidence_of_english() -> None:
    assert detect("¿El apartamento de Brickell Avenue todavía está disponible?").language == "es"


def test_an_insurer_named_in_an_english_sentence_is_no_evidence_of_spanish() -> None:
    assert detect("Do you accept Delta Dental insurance?").language == "en"


def test_a_message_in_capitals_is_not_taken_for_names() -> None:
    assert detect("TIENEN ESTACIONAMIENTO?").language == "es"
    assert detect("IS THERE PARKING").language == "en"


def test_numbers_in_a_sentence_do_not_change_its_language() -> None:
    assert detect("Mi pedido #A-1029 de $45 no ha llegado, llamen al 305-555-0142").language == "es"


def test_a_visitor_who_switches_to_english_gets_english() -> None:
    assert language_of_message("Hi, do you ship to Canada?", "es") == "en"


def test_a_visitor_who_switches_to_spanish_gets_spanish() -> None:
    assert language_of_message("perdón, mejor en español: ¿hacen envíos?", "en") == "es"


def test_a_clear_message_is_detected_with_full_confidence() -> None:
    assert detect("hola, buenos días").confidence == 1.0


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_message_is_no_language(text: str) -> None:
    assert detect(text) == Detection(None, 0.0)


def test_only_the_beginning_of_a_long_message_is_read() -> None:
    english = "I would like to know whether you can help me with my taxes this year. " * 8
    spanish = "Necesito que me ayuden con los impuestos de mi negocio este año, por favor. " * 20

    assert detect(english + spanish).language == "en"


def test_a_message_made_of_lexicon_words_needs_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_model() -> None:
        raise AssertionError("lingua was asked")

    monkeypatch.setattr(language_detection, "_lingua", no_model)
    language_detection._lingua_spanish_probability.cache_clear()

    assert detect("hola, buenos días, gracias").language == "es"
    assert detect("hi, thanks so much").language == "en"


def test_importing_the_module_loads_no_model() -> None:
    code = "import sys, chatflow.language_detection; print('lingua' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(LAYER_PYTHON_DIR)},
    )

    assert done.stdout.strip() == "False"
