"""What every AI provider takes and gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

__all__ = [
    "HANDOFF_REASONS",
    "AIProvider",
    "AIProviderError",
    "ChatTurn",
    "Completion",
    "DeltaSink",
    "HandoffReason",
    "HandoffRequest",
]

HandoffReason = Literal["visitor_asked", "cannot_answer", "frustrated", "sensitive", "other"]
HANDOFF_REASONS: tuple[str, ...] = get_args(HandoffReason)

# Called with each piece of the answer's text as the provider streams it, in order.
DeltaSink = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ChatTurn:
    role: Literal["system", "user", "assistant"]
    content: str
    # Images the model may look at with this turn (presigned URLs): only where the organisation turned
    # image input on and the model takes images (chatflow.ai.prompt.supports_images).
    image_urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """The model called handoff_to_human: why, and one line for the agent (None when it gave none)."""

    reason: HandoffReason
    summary: str | None


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    model: str
    tokens_used: int
    # The model asked for a person instead of (or after) answering.
    handoff: HandoffRequest | None = None
    # The stream broke after `content` arrived: what came is kept, the rest never will.
    cut: bool = False


class AIProviderError(Exception):
    """The provider failed after its retries; the caller falls back. `key_rejected`: it refused the
    key (401/403), which no retry mends; else it was down, slow or answered nonsense."""

    def __init__(self, message: str, *, key_rejected: bool = False) -> None:
        super().__init__(message)
        self.key_rejected = key_rejected


class AIProvider(Protocol):
    def complete(
        self,
        turns: list[ChatTurn],
        *,
        model: str,
        temperature: float,
        max_tokens: int,
        language: str,
        offer_handoff: bool = False,
        on_delta: DeltaSink | None = None,
    ) -> Completion:
        """offer_handoff: give the model the handoff_to_human tool. on_delta: stream, calling it with
        each piece of text as it arrives (the Completion still carries the whole text)."""
        ...
