"""The one message catalogue (chatflow/catalogue): every error code worded in both languages, the
same values in each, no English for a Spanish caller; and how the edge picks the caller's language."""

from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

import chatflow_edge.errors  # noqa: F401 (registers the edge's error classes)
from chatflow import catalogue
from chatflow import errors as domain
from chatflow.ai_settings import InvalidApiKey
from chatflow.errors import CataloguedError
from chatflow.languages import text
from chatflow.vocabulary import Language
from chatflow_edge import errors as edge
from chatflow_edge.errors import REFUSALS, AnswerCode, answer_body, error_body, proxy_response
from chatflow_edge.language import caller_language

LANGUAGES: tuple[Language, ...] = get_args(Language)
LAYER = Path(catalogue.__file__).resolve().parents[2]


def _subclasses(cls: type[CataloguedError]) -> set[type[CataloguedError]]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


ERROR_CLASSES = sorted(
    (cls for cls in _subclasses(CataloguedError) if "code" in vars(cls)), key=lambda cls: cls.__name__
)

# What a raise may say. Classes that take values are built here with them; every other class takes
# nothing or an English sentence of its own. Variants are the raises at the edge that say more.
SAMPLES: list[CataloguedError] = [
    domain.ForbiddenField(["model", "temperature"]),
    domain.OwnAccount("deactivate"),
    domain.OwnAccount("delete"),
    domain.OwnAccount("remove super admin from"),
    domain.OwnAccount("archive"),
    domain.PlanLimitReached("starter", 1),
    domain.PlanLimitReached("pro", 3),
    domain.ExportTooLarge(10_000),
    domain.RateLimited(7),
    domain.InvalidInput("systemPrompt: String should have at most 4000 characters", variant="field", field="x"),
    domain.InvalidInput(variant="unstorable"),
    domain.InvalidCredentials(variant="not_uuid", parameter="visitorId"),
    edge.MissingField("publicKey"),
    edge.InvalidUuid("visitorId"),
    edge.MessageTooLong(2000),
    edge.BodyTooLarge(64 * 1024),
    edge.InvalidJson(variant="not_object"),
    edge.MissingCredentials(variant="parameter", parameter="conversationId"),
    InvalidApiKey("Incorrect API key provided."),
    domain.AttachmentTooLarge(10),
    domain.ImageNotAllowed(2),
    domain.StorageLimitReached("starter", 1),
    domain.WindowClosed(variant="whatsapp"),
    domain.WindowClosed(variant="messenger"),
    domain.GraphApiFailed(variant="unauthorized"),
    domain.GraphApiFailed(variant="unreachable"),
]
_TAKES_VALUES = {type(sample) for sample in SAMPLES if type(sample).__init__ is not CataloguedError.__init__}
SAMPLES += [cls() for cls in ERROR_CLASSES if cls not in _TAKES_VALUES]
SAMPLES += [cls("A sentence of the raise's own.") for cls in ERROR_CLASSES if cls not in _TAKES_VALUES]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_error_classes_are_found() -> None:
    assert {domain.ConversationNotFound, domain.RateLimited, edge.MessageTooLong, edge.NoConnection} <= set(
        ERROR_CLASSES
    )


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_code_has_a_message_in_every_language(cls: type[CataloguedError]) -> None:
    for language in LANGUAGES:
        assert catalogue.entries(language)["errors"].get(cls.code), f"{cls.code} has no {language} message"


def test_every_class_that_takes_values_is_sampled() -> None:
    own_constructor = {cls for cls in ERROR_CLASSES if cls.__init__ is not CataloguedError.__init__}

    assert own_constructor == _TAKES_VALUES


@pytest.mark.parametrize("section", ["errors", "texts"])
def test_both_languages_have_the_same_keys_and_placeholders_and_differ(section: catalogue.Section) -> None:
    english, spanish = catalogue.entries("en")[section], catalogue.entries("es")[section]

    assert sorted(spanish) == sorted(english)
    for key, template in english.items():
        assert _placeholders(spanish[key]) == _placeholders(template), key
        assert spanish[key] != template, f"{key} is not translated"


def test_the_catalogue_words_nothing_but_our_codes_and_every_variant_is_sampled() -> None:
    codes = {cls.code for cls in ERROR_CLASSES} | set(get_args(AnswerCode))
    keys = set(catalogue.entries("en")["errors"])

    assert {key.split(".", 1)[0] for key in keys} == codes
    assert {key for key in keys if "." in key} == {sample.key for sample in SAMPLES if sample.variant}


@pytest.mark.parametrize("error", SAMPLES, ids=lambda error: f"{type(error).__name__}-{error.key}")
def test_no_english_sentence_reaches_a_spanish_caller(error: CataloguedError) -> None:
    spanish = error.message_in("es")

    assert isinstance(error, REFUSALS)  # every catalogued error is one the edge answers
    assert error_body(error, "es") == {"error": {"code": error.code, "message": spanish}}
    assert spanish == catalogue.render("errors", error.key, "es", **error.values)
    assert spanish != error.message
    assert error.english is None or error.english not in spanish


def test_an_error_keeps_its_english_message_for_logs() -> None:
    assert domain.RateLimited(7).message == "Too many requests; retry in 7 s."
    assert str(edge.MessageTooLong(2000)) == "message must be at most 2000 characters."
    assert domain.ConversationNotFound("Not this visitor's.").message_in("es") == "No existe esa conversación."
    assert domain.PlanLimitReached("pro", 3).message_in("es") == (
        "El plan pro incluye 3 canales; mejora el plan o elimina antes un canal."
    )


def test_bodies_and_proxy_answers_speak_the_language_they_are_given() -> None:
    assert answer_body("route_not_found", "es") == {
        "error": {"code": "route_not_found", "message": "No existe esa ruta."}
    }
    assert answer_body("internal_error") == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side."}
    }
    answer = proxy_response(edge.MissingCredentials(variant="parameter", parameter="visitorId"), "es")
    assert json.loads(answer["body"])["error"]["message"] == "Falta visitorId, que es obligatorio."


def test_the_server_sentences_for_visitors_come_from_the_catalogue() -> None:
    assert text("offline_label", "es") == "[Demo sin conexión]"
    for key, template in catalogue.entries("en")["texts"].items():
        values = dict.fromkeys(_placeholders(template), "x")
        assert text(key, "en", **values) != text(key, "es", **values)


def test_the_catalogue_is_read_on_first_use_not_at_import() -> None:
    probe = (
        "import chatflow_edge.errors, chatflow_edge.language, chatflow.languages, chatflow.catalogue as c; "
        "assert c.entries.cache_info().currsize == 0; "
        "from chatflow.errors import ChannelNotFound; ChannelNotFound().message_in('es'); "
        "assert c.entries.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=LAYER, check=True)


# ---- The caller's language at the edge ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("es-MX;q=0.9, en;q=0.8", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr, es;q=0.5", "es"),  # the best we speak among what the caller accepts
        ("en;q=0.1, es;q=0.2", "es"),
        ("ES", "es"),
        ("es_419", "es"),
        ("es;q=0, en;q=0.5", "en"),  # q=0 means "not this one"
    ],
)
def test_accept_language_picks_the_best_language_we_speak(accept_language: str, language: Language) -> None:
    assert caller_language(accept_language) == language


@pytest.mark.parametrize(
    "accept_language",
    [
        None,
        "",
        "*",
        "fr",
        "pt-BR",
        "fr-CA, pt;q=0.9",
        "garbage",
        ";;;,,,=q",
        "es;q=abc",
        "es;q=nan",
        "es;q=2",
        "es;q=-1",
        "\x00\ud800",
        "es" * 10_000,
        ", ;q=1",
    ],
)
def test_garbage_and_languages_we_do_not_speak_fall_back_and_never_raise(accept_language: str | None) -> None:
    assert caller_language(accept_language) == "en"
    assert caller_language(accept_language, "es") == "es"


def test_what_the_caller_chose_wins_when_we_speak_it() -> None:
    assert caller_language("en", chosen="es-MX") == "es"
    assert caller_language("es", chosen="fr") == "es"
    assert caller_language(None, "es", chosen="") == "es"
