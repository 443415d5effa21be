"""What every AI provider takes and gives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["AIProvider", "AIProviderError", "ChatTurn", "Completion"]


@dataclass(frozen=True, slots=True)
class ChatTurn:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    model: str
    tokens_used: int


class AIProviderError(Exception):
    """The provider failed after its retries; the caller falls back."""


class AIProvider(Protocol):
    def complete(
        self, turns: list[ChatTurn], *, model: str, temperature: float, max_tokens: int, language: str
    ) -> Completion: ...
