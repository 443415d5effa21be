"""Text the database can hold: PostgreSQL text takes neither NUL nor lone surrogates (which JSON can
smuggle in as \\ud800). Every edge that accepts text validates it with `Storable`, so such input is
a 400, never a database error."""

from __future__ import annotations

from pydantic import AfterValidator

__all__ = ["Storable", "storable"]


def storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("is not valid Unicode text") from exc
    return value


Storable = AfterValidator(storable)
