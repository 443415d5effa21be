"""The full-text arm's lexicon: a search term's words in the other language."""

from __future__ import annotations

from chatflow.knowledge.bilingual import translations


def test_a_spanish_word_gives_its_english_word_and_a_plural_finds_its_singular() -> None:
    assert translations("estacionamiento") == ("parking",)
    assert translations("sabados") == ("saturday",)
    assert translations("llantas") == ("tire",)


def test_an_english_word_gives_its_spanish_words() -> None:
    assert translations("tires") == ("llanta", "neumatico")
    assert translations("parking") == ("estacionamiento", "parqueo")


def test_no_synonyms_in_the_term_s_own_language_and_nothing_for_an_unknown_word() -> None:
    # "horario" stands beside "hora" under "hour" and alone under "schedule": only the English words.
    assert translations("horario") == ("hour", "schedule")
    assert translations("croquetas") == ()
