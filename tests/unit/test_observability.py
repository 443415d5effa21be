"""Tracing: Powertools' Tracer where tracing is on, nothing (and no X-Ray import) where it is off."""

from __future__ import annotations

from typing import Any

import pytest

from chatflow.observability import trace_handler


def _handler(event: dict[str, Any], context: Any) -> str:
    return "answered"


def test_with_tracing_off_the_handler_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")

    assert trace_handler(_handler) is _handler


def test_with_tracing_on_the_handler_is_wrapped_by_the_tracer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")

    traced = trace_handler(_handler)

    assert traced is not _handler
    assert traced.__wrapped__ is _handler  # type: ignore[attr-defined]
