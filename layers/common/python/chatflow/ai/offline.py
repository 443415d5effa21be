"""The provider of a local stack with no API key anywhere: instant, and honest about being offline."""

from __future__ import annotations

from chatflow.ai.base import ChatTurn, Completion, DeltaSink
from chatflow.languages import normalize_language, text

__all__ = ["OFFLINE_MODEL", "OfflineProvider"]

OFFLINE_MODEL = "offline"


class OfflineProvider:
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
        last_user = next((t.content for t in reversed(turns) if t.role == "user"), "")
        quoted = last_user if len(last_user) <= 200 else last_user[:200] + "…"
        reply = text("offline_reply", normalize_language(language) or "en", message=quoted)
        return Completion(content=reply, model=OFFLINE_MODEL, tokens_used=0)
