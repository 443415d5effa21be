"""The handoff_to_human tool's arguments are the model's text: whatever it writes, a handoff comes out."""

from __future__ import annotations

import json

import pytest

from chatflow.ai.handoff_tool import HANDOFF_TOOL, SUMMARY_MAX_CHARS, read_handoff_call
from chatflow.ai_settings.key_check import _reason


def test_a_well_formed_call_keeps_its_reason_and_summary() -> None:
    call = read_handoff_call(json.dumps({"reason": "sensitive", "summary": "Card charged twice"}))

    assert (call.reason, call.summary) == ("sensitive", "Card charged twice")


@pytest.mark.parametrize(
    "arguments",
    [None, "", "null", "[]", "42", "{", '{"reason": null}', '{"reason": "VISITOR_ASKED"}', '{"reason": ["other"]}'],
)
def test_arguments_that_name_no_known_reason_hand_off_as_other(arguments: str | None) -> None:
    assert read_handoff_call(arguments).reason == "other"


def test_a_summary_is_one_line_of_bounded_length_without_control_characters() -> None:
    call = read_handoff_call(json.dumps({"reason": "other", "summary": "a\u0000b\nc\u202e" + "d" * 1000}))

    assert call.summary is not None
    assert not any(ch in call.summary for ch in "\n\u0000\u202e")
    assert len(call.summary) == SUMMARY_MAX_CHARS


def test_a_blank_summary_is_none() -> None:
    assert read_handoff_call(json.dumps({"reason": "other", "summary": " \n\t "})).summary is None


def test_the_tool_offers_exactly_the_five_reasons_and_asks_for_both_fields() -> None:
    parameters = HANDOFF_TOOL["function"]["parameters"]

    assert parameters["properties"]["reason"]["enum"] == [
        "visitor_asked",
        "cannot_answer",
        "frustrated",
        "sensitive",
        "other",
    ]
    assert parameters["required"] == ["reason", "summary"]


def test_a_providers_reason_for_a_rejected_key_never_carries_anything_like_a_key() -> None:
    rejected = Exception()
    rejected.body = {"message": "Incorrect API key provided: sk-proj-abc***************wxyz. You can find your key…"}  # type: ignore[attr-defined]

    reason = _reason(rejected)

    assert "sk-" not in reason
    assert reason.startswith("Incorrect API key provided: [key]")
