"""What a visitor sees of an agent: a first name, never the rest."""

from __future__ import annotations

import pytest

from chatflow.names import first_name


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Ana María López", "Ana"), ("Ana", "Ana"), ("José-Luis Pérez", "José-Luis"), ("O'Neil", "O'Neil")],
)
def test_an_agent_is_shown_by_their_first_name(name: str, shown: str) -> None:
    assert first_name(name) == shown


@pytest.mark.parametrize("name", [None, "", "evil.example support", "Ana\nClick here"])
def test_a_missing_or_undisplayable_name_shows_nothing(name: str | None) -> None:
    assert first_name(name) is None
