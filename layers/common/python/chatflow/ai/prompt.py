"""The prompt: the effective instructions, the language to answer in, the recent history, the message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chatflow.ai.base import ChatTurn
from chatflow.languages import LANGUAGE_NAMES, Language

__all__ = ["BASE_INSTRUCTIONS", "HistoryEntry", "build_prompt"]

BASE_INSTRUCTIONS = (
    "You are the customer-service assistant of a business, chatting with a visitor of its website. "
    "Be brief, friendly and accurate. If you do not know something about the business, say so and "
    "offer to connect the visitor with a person; never invent prices, hours or policies."
)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    role: str  # visitor / ai / agent / system
    content: str


_ROLE_TO_TURN = {"visitor": "user", "ai": "assistant", "agent": "assistant"}


def build_prompt(
    *, system_prompt: str, language: Language, history: Sequence[HistoryEntry], message: str
) -> list[ChatTurn]:
    instructions = BASE_INSTRUCTIONS
    if system_prompt.strip():
        instructions += "\n\nThe business's instructions:\n" + system_prompt.strip()
    instructions += (
        f"\n\nAnswer in {LANGUAGE_NAMES[language]} unless the visitor writes in another language, "
        "then answer in theirs."
    )
    turns = [ChatTurn("system", instructions)]
    for entry in history:
        role = _ROLE_TO_TURN.get(entry.role)
        if role is not None:  # system notices are ours, not part of the dialogue
            turns.append(ChatTurn(role, entry.content))  # type: ignore[arg-type]
    turns.append(ChatTurn("user", message))
    return turns
