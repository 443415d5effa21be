"""The AI's answer to one message: the key, the passages retrieved for it, the prompt, the provider,
and, without a key (the local stack) or when the provider fails, the knowledge's own answer
(chatflow.ai.offline), or a polite apology when nothing matches. The visitor's chat and the
dashboard's preview both answer through here, so a preview shows exactly what a visitor would get."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from chatflow.ai.base import AIProviderError, DeltaSink, HandoffRequest
from chatflow.ai.factory import provider_for
from chatflow.ai.offline import KNOWLEDGE_MODEL, OFFLINE_MODEL, knowledge_answer
from chatflow.ai.prompt import HistoryEntry, Reference, build_prompt, supports_images
from chatflow.ai_settings import EffectiveAIConfig, resolve_api_key
from chatflow.db import Connection
from chatflow.languages import text
from chatflow.settings import Settings
from chatflow.vocabulary import Language

if TYPE_CHECKING:
    from chatflow.knowledge.retrieval import Passage

__all__ = ["Answer", "answer"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    content: str
    model: str | None
    tokens_used: int
    # False: the provider failed and `content` is the fallback sentence.
    from_model: bool
    # None: no knowledge was consulted; else the passages the prompt carried (possibly none).
    passages: list[Passage] | None
    # The model called handoff_to_human (`content` is then whatever it said besides, possibly nothing).
    handoff: HandoffRequest | None = None
    # The provider's stream broke off: `content` is what arrived.
    cut: bool = False
    # The provider failed after its retries (`content` is the knowledge's answer or an apology):
    # `key_rejected` when it refused the key, `provider_down` otherwise.
    failure: Literal["key_rejected", "provider_down"] | None = None

    @property
    def chunk_ids(self) -> list[UUID] | None:
        return None if self.passages is None else [p.chunk_id for p in self.passages]


def answer(
    conn: Connection,
    *,
    organization_id: UUID,
    channel_id: UUID | None,
    has_knowledge: bool,
    config: EffectiveAIConfig,
    platform_encrypted_key: str | None,
    language: Language,
    history: list[HistoryEntry],
    message: str,
    settings: Settings,
    log_context: dict[str, str],
    offer_handoff: bool = False,
    on_delta: DeltaSink | None = None,
) -> Answer:
    """offer_handoff: the channel hands off, so the model gets the handoff_to_human tool. on_delta:
    stream the answer's text into it as the provider writes it."""
    key = resolve_api_key(
        organization_encrypted=config.encrypted_api_key,
        platform_encrypted=platform_encrypted_key,
        settings=settings,
    )
    passages = None
    if has_knowledge:
        # Imported here: a channel without knowledge (and its cold start) never needs it.
        from chatflow.knowledge.service import passages_for

        passages = passages_for(
            conn, organization_id=organization_id, channel_id=channel_id, question=message, key=key, settings=settings
        )
    if key.api_key is None and settings.allow_offline_ai:
        # No key anywhere (the local stack): the knowledge answers, plainly labelled as such.
        content = knowledge_answer(passages, language, offline=True)
        assert content is not None  # offline, an answer always comes: a match, or an offer of a person
        return Answer(content, OFFLINE_MODEL, 0, from_model=False, passages=passages)
    try:
        provider = provider_for(config.provider, key, settings)
        completion = provider.complete(
            build_prompt(
                system_prompt=config.system_prompt,
                language=language,
                history=history,
                message=message,
                references=None if passages is None else [Reference(p.title, p.content) for p in passages],
                handoff_tool=offer_handoff,
                image_url=_image_url if config.image_input and supports_images(config.provider, config.model) else None,
            ),
            model=config.model,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            language=language,
            offer_handoff=offer_handoff,
            on_delta=on_delta,
        )
    except AIProviderError as exc:
        # The degraded mode: the best passage, when one matches well enough, else an apology.
        degraded = knowledge_answer(passages, language, offline=False)
        _logger.warning(
            "AI provider failed; answering from the knowledge" if degraded else "AI provider failed; apologising",
            extra={**log_context, "reason": str(exc), "key_source": key.source},
        )
        failure: Literal["key_rejected", "provider_down"] = "key_rejected" if exc.key_rejected else "provider_down"
        if degraded is not None:
            return Answer(degraded, KNOWLEDGE_MODEL, 0, from_model=False, passages=passages, failure=failure)
        return Answer(text("ai_fallback", language), None, 0, from_model=False, passages=None, failure=failure)
    return Answer(
        completion.content,
        completion.model,
        completion.tokens_used,
        from_model=True,
        passages=passages,
        handoff=completion.handoff,
        cut=completion.cut,
    )


def _image_url(key: str) -> str:
    """A visitor's image for the model: a short-lived presigned GET of the re-encoded file (its metadata
    already gone), fetched by the provider while it answers."""
    from chatflow.attachments.storage import presigned_get

    return presigned_get(key)
