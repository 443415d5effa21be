"""The one message catalogue of the Python side: what the server says to people, in each language
we speak.

`<language>.json` beside this file has two sections: `errors`, the message of every error code
(chatflow.errors, chatflow_edge.errors), with a `code.variant` key where a raise says something more
precise; and `texts`, the sentences the server itself says to visitors. Templates name their
placeholders (`{max_chars}`), so that each language orders the values its own way.

A file is read the first time a message in its language is needed, not at import: a cold start
that answers no error never reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

from chatflow.vocabulary import Language

__all__ = ["Section", "entries", "render"]

Section = Literal["errors", "texts"]

_DIR = Path(__file__).resolve().parent


@cache
def entries(language: Language) -> Mapping[str, Mapping[str, str]]:
    """The catalogue of one language: section → key → template."""
    with (_DIR / f"{language}.json").open(encoding="utf-8") as file:
        loaded: dict[str, dict[str, str]] = json.load(file)
    return loaded


def render(section: Section, key: str, language: Language, **values: object) -> str:
    """The template of `key` in `language`, its placeholders filled with `values` (KeyError for a key
    the catalogue lacks: tests/unit/test_message_catalogue.py keeps every key in both languages)."""
    return entries(language)[section][key].format(**values)
