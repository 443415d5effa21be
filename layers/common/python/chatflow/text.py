"""Text the database can hold: PostgreSQL text takes neither NUL nor lone surrogates (which JSON can
smuggle in as \\ud800). Every edge that accepts text validates it with `Storable`, so such input is
a 400, never a database error."""

from __future__ import annotations

import unicodedata

from pydantic import AfterValidator

__all__ = ["Storable", "Visible", "storable", "visible"]


def storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("is not valid Unicode text") from exc
    return value


Storable = AfterValidator(storable)


def visible(value: str) -> str:
    """Text with something to read: not only whitespace and invisible format characters (zero-width
    spaces and joiners, the BOM, soft hyphens, word joiners: Unicode category Cf)."""
    if all(char.isspace() or unicodedata.category(char) == "Cf" for char in value):
        raise ValueError("has nothing visible in it")
    return value


Visible = AfterValidator(visible)
