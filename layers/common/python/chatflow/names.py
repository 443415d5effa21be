"""What a name may be: a person's, an organisation's, a channel's, a token's. Names are shown to other
people, at the top of emails among them, so a name is one line of a restricted set: letters and marks
of any script, digits, single spaces and . , ' ’ & ( ) -, with no web address (a dot right before a
letter or digit, as in evil.example). Nothing else a phisher needs fits in it: no line break, no
colon or slash, no angle bracket, no invisible or direction-changing character."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_NAME_CHARS", "check_name", "displayable_name", "first_name"]

MAX_NAME_CHARS = 200

_PUNCTUATION = frozenset(" .,'’&()-")
_WEB_ADDRESS = re.compile(r"\.\w")


def _problem(name: str) -> str | None:
    if not name or len(name) > MAX_NAME_CHARS:
        return f"must be 1 to {MAX_NAME_CHARS} characters"
    if name != name.strip() or "  " in name:
        return "must not start or end with a space, nor have two in a row"
    for char in name:
        if char in _PUNCTUATION:
            continue
        if unicodedata.category(char)[0] not in "LMN":
            return "may hold letters, digits, spaces and . , ' & ( ) - only (one line)"
    if _WEB_ADDRESS.search(name):
        return "must not hold a web address"
    return None


def check_name(name: str) -> str:
    """The name, or ValueError saying what is wrong with it (the edge answers 400 invalid_field)."""
    problem = _problem(name)
    if problem is not None:
        raise ValueError(problem)
    return name


def displayable_name(name: str | None) -> str | None:
    """The name when it keeps the rule, else None: for names stored before the rule existed, which an
    email then leaves out rather than repeats."""
    return name if name is not None and _problem(name) is None else None


def first_name(name: str | None) -> str | None:
    """What a visitor sees of an agent: their first name, as a person at a counter would give it (never
    their full name or email); None when they have no displayable name (the widget says "Team")."""
    shown = displayable_name(name)
    return shown.split(" ")[0] if shown else None
