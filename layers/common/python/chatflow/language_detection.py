"""The language a visitor's message is written in, and so the language to answer it in.

    detect("a que hora abren manana")              → Detection("es", 0.99)
    detect("#A-1029"), detect("ok 👍")            → Detection(None, 0.0): no language of its own
    language_of_message("ok", "es")                → "es": the conversation's language is kept
    language_of_message("Hi, do you ship?", "es")  → "en": the visitor switched

How (each step earned on bench/language.py's samples; docs/languages.md has the figures):

1. What has no language is taken out: links, emails, anything with a digit in it (order numbers,
   phones, prices, times, zip codes), emoji and punctuation; then the words both languages use
   alike ("ok", "no", "lol", "jaja"…).
2. A name is no evidence: a capitalised word inside a sentence ("Brickell", "Delta Dental") is
   skipped, and so is every word outside the lexicon of a message written all in capitalised
   words ("Carlos", "John Smith").
3. Each remaining word is evidence, a probability of being Spanish: the words of a small lexicon
   (articles, prepositions, pronouns, auxiliaries, the stock replies of a chat: words a statistical
   detector cannot tell apart on their own, such as "de", "mi", "can", "hello") are certain and count
   twice, since they carry the grammar and so the dominant language of a Spanglish message; every
   other word is weighed by lingua (restricted to English and Spanish) on that word alone.
4. The message's language is the side of the weighted mean, if it has at least `MIN_CONFIDENCE` of the
   evidence and more than one word of it or a word of the lexicon (lingua is unsure of one word:
   "hello" → Spanish). Otherwise it is unknown, and `language_of_message` keeps the conversation's.

Lingua runs in low-accuracy mode (trigrams), on single words only. Its models load on the first
message that has a word outside the lexicon (~50 ms of CPU; ~650 ms in high-accuracy mode), not at
import (a few ms): call `warm_up()` where that cost is better paid than on a visitor's first message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Final

from chatflow.vocabulary import Language

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = ["MIN_CONFIDENCE", "Detection", "detect", "language_of_message", "warm_up"]

# The least share of the evidence for a language; closer to even than this, a message is unknown.
MIN_CONFIDENCE: Final = 0.6
# How much more a word of the lexicon weighs than a word weighed by lingua.
_LEXICON_WEIGHT: Final = 2.0
# Only a message's beginning is read: a long one's language shows there, and the cost stays under a
# millisecond (2,800 characters read whole took 7 ms).
_READ_CHARS: Final = 400


@dataclass(frozen=True, slots=True)
class Detection:
    """The language of a message (None: unknown) and the share of the evidence for the language it
    leans to (0.5–1.0), or 0.0 when too little in the message was evidence."""

    language: Language | None
    confidence: float


# Links, emails, and anything holding a digit carry no language.
_NOT_WORDS: Final = re.compile(
    r"""
      \b(?:https?://|www\.)\S+       # links
    | \S+@\S+                        # emails
    | \S*\d\S*                       # order numbers, phones, prices, times, zip codes
    """,
    re.VERBOSE | re.IGNORECASE,
)
# A word: letters, with inner apostrophes ("don't", "I'm"). Emoji and punctuation are no part of one.
_WORD: Final = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_LAUGH_OR_HUM: Final = re.compile(r"(?:ja|je|ji|ha|he|hi|xa){2,}[jh]?|hm+|mm+|uh+|ah+|oh+|eh+")
_SENTENCE_BREAKS: Final = frozenset(".!?¿¡:;\"'(-")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Written alike in both languages: no evidence either way.
_NEUTRAL: Final = _word_set("ok okay okey oki k kk no ya a me lol wow cool ciao wifi email mail online")

# Words whose language a statistical detector cannot tell on their own (short, or spelled alike in
# the other language), and the stock replies of a chat. Compared in lower case, without accents;
# none is a word of the other language ("he", "son", "sin", "favor" are left out for that).
_ENGLISH: Final = _word_set(
    """
    the an of to is are was were be been being am do does did don't doesn't didn't can can't could
    would will won't should have has had i i'm im i'll i've i'd you u your ur you're it it's its we
    our they their she his her this that these those there here what when where how why who which
    and or but if for with from at in on by about my not just also so too very please pls plz
    thanks thank thx ty hi hello hey bye yes yeah yep nope sure great good morning afternoon night
    tomorrow today need want got get see much many perfect awesome alright welcome later
    """
)
_SPANISH: Final = _word_set(
    """
    el la los las un una unos unas lo le les de del al en y o que q por para con mi mis tu tus su
    sus es esta estan estoy hay muy mas pero como cuando donde cual cuanto cuanta cuantos porque
    xq pq pa yo usted ustedes nos se te ellos ella este ese eso esto esa tambien aqui alli si
    tengo tiene tienen puedo puede pueden quiero quisiera necesito hola gracias chao chau adios dale
    vale porfa bueno buena buenos buenas claro listo perfecto manana hoy tarde noche dias
    entendido genial excelente exacto correcto disculpe perdon oye igualmente saludos
    """
)


def detect(text: str) -> Detection:
    """The language a message is written in, or None when it has none of its own or is too mixed to say."""
    evidence = _evidence(text)
    if not evidence or (len(evidence) == 1 and evidence[0][1] != _LEXICON_WEIGHT):
        return Detection(None, 0.0)
    spanish = sum(probability * weight for probability, weight in evidence) / sum(weight for _, weight in evidence)
    language: Language = "es" if spanish >= 0.5 else "en"
    confidence = max(spanish, 1.0 - spanish)
    return Detection(language if confidence >= MIN_CONFIDENCE else None, confidence)


def language_of_message(text: str, conversation_language: Language) -> Language:
    """The language to answer a message in: its own when detected, else the conversation's (an "ok",
    an order number, an email, a name or a close call never switches it)."""
    detected = detect(text).language
    return conversation_language if detected is None else detected


def warm_up() -> None:
    """Loads lingua's models for both languages now rather than on the first message."""
    _lingua_spanish_probability("hello")


def _evidence(text: str) -> list[tuple[float, float]]:
    """Per word that is evidence, its probability of being Spanish and its weight."""
    cleaned = _NOT_WORDS.sub(" ", text[:_READ_CHARS])
    if cleaned.isupper():
        cleaned = cleaned.lower()  # SHOUTING is no string of names
    matches = list(_WORD.finditer(cleaned))
    all_capitalised = all(match[0][0].isupper() for match in matches)
    evidence: list[tuple[float, float]] = []
    for match in matches:
        word = match[0]
        folded = _fold(word)
        if folded in _NEUTRAL or _LAUGH_OR_HUM.fullmatch(folded):
            continue
        if folded in _ENGLISH:
            evidence.append((0.0, _LEXICON_WEIGHT))
        elif folded in _SPANISH:
            evidence.append((1.0, _LEXICON_WEIGHT))
        elif word[0].isupper() and (all_capitalised or not _starts_a_sentence(cleaned, match.start())):
            continue  # a name: "Brickell", "Delta Dental", "Carlos"
        elif (probability := _lingua_spanish_probability(folded)) is not None:
            evidence.append((probability, 1.0))
    return evidence


def _starts_a_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _SENTENCE_BREAKS


def _fold(word: str) -> str:
    """Lower case, without accents: 'Mañana' → 'manana', 'Sí' → 'si', 'don’t' → "don't"."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def _lingua_spanish_probability(word: str) -> float | None:
    """Lingua's confidence that a word on its own is Spanish rather than English; None when it has no
    idea (in low-accuracy mode, a word of one or two letters). Cached: a business's visitors use the
    same words again and again."""
    from lingua import Language as LinguaLanguage

    values = {value.language: value.value for value in _lingua().compute_language_confidence_values(word)}
    spanish, english = values.get(LinguaLanguage.SPANISH, 0.0), values.get(LinguaLanguage.ENGLISH, 0.0)
    return spanish / (spanish + english) if spanish + english > 0 else None


@cache
def _lingua() -> LanguageDetector:
    """Built on first use, in low-accuracy mode: trigrams only, whose models load in ~40 ms of CPU
    where high accuracy's 1- to 5-grams take ~700 ms, and on single words (all this module asks it)
    it was as accurate on the benchmark."""
    from lingua import Language as LinguaLanguage
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(LinguaLanguage.ENGLISH, LinguaLanguage.SPANISH)
    return builder.with_low_accuracy_mode().build()
