"""The one tool the model is given: handoff_to_human. Its definition, when the model is told to use
it, and how a call's arguments are read — whatever the model wrote (arguments are the model's text,
not ours: a broken JSON, an unknown reason or a summary of a thousand characters still hand off, with
the reason `other` and the summary cut to one line)."""

from __future__ import annotations

import json
import unicodedata
from typing import Any, cast

from chatflow.ai.base import HANDOFF_REASONS, HandoffReason, HandoffRequest

__all__ = ["HANDOFF_INSTRUCTIONS", "HANDOFF_TOOL", "HANDOFF_TOOL_NAME", "SUMMARY_MAX_CHARS", "read_handoff_call"]

HANDOFF_TOOL_NAME = "handoff_to_human"
# The column's bound (migration 0050).
SUMMARY_MAX_CHARS = 300

HANDOFF_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": HANDOFF_TOOL_NAME,
        "description": (
            "Pass the conversation to a human agent of the business. After this call the AI no longer "
            "answers this visitor; a person does."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "reason": {
                    "type": "string",
                    "enum": list(HANDOFF_REASONS),
                    "description": "Why a person should take over.",
                },
                "summary": {
                    "type": "string",
                    "description": "One line for the agent: what the visitor needs.",
                },
            },
            "required": ["reason", "summary"],
            "additionalProperties": False,
        },
    },
}

HANDOFF_INSTRUCTIONS = (
    f"You can pass the conversation to a person with the {HANDOFF_TOOL_NAME} tool. Use it when the visitor "
    "asks for a person (visitor_asked); when you cannot answer from what you know and the visitor still needs "
    "help (cannot_answer); when the visitor is clearly frustrated or angry (frustrated); or when the matter is "
    "sensitive — a complaint, a legal, medical or payment problem, personal data (sensitive). Otherwise answer "
    "yourself; do not hand off a question you can answer. The business's instructions may add rules for this."
)


def read_handoff_call(arguments: str | None) -> HandoffRequest:
    """The handoff a call asks for; its reason `other` when the arguments do not name a known one."""
    try:
        parsed = json.loads(arguments or "{}")
    except (ValueError, TypeError):
        parsed = None
    if not isinstance(parsed, dict):
        return HandoffRequest(reason="other", summary=None)
    reason = parsed.get("reason")
    summary = parsed.get("summary")
    return HandoffRequest(
        reason=cast(HandoffReason, reason) if reason in HANDOFF_REASONS else "other",
        summary=_one_line(summary) if isinstance(summary, str) else None,
    )


def _one_line(text: str) -> str | None:
    """Control characters and line breaks as spaces, single spaces, at most SUMMARY_MAX_CHARS."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        return None
    return cleaned if len(cleaned) <= SUMMARY_MAX_CHARS else cleaned[: SUMMARY_MAX_CHARS - 1] + "…"
