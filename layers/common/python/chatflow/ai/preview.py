"""The dashboard's preview chat: a message answered through the real pipeline — the organisation's
settings, the channel's overrides, its knowledge, the provider — with nothing stored and no usage
counted, so an admin can try instructions before a visitor meets them."""

from __future__ import annotations

from uuid import UUID

from chatflow import rate_limits
from chatflow.access import Caller
from chatflow.ai.answering import Answer, answer
from chatflow.ai.prompt import HistoryEntry
from chatflow.ai_settings import answering_config
from chatflow.billing.repository import count_preview
from chatflow.db import Connection
from chatflow.organizations.service import require_spending_allowed
from chatflow.settings import Settings
from chatflow.vocabulary import Language

__all__ = ["preview_answer"]


def preview_answer(
    conn: Connection,
    caller: Caller,
    *,
    organization_id: UUID,
    channel_id: UUID | None,
    message: str,
    history: list[HistoryEntry],
    language: Language,
    settings: Settings,
) -> Answer:
    """Its admins and super admins (each answer is paid for), `RATE_LIMIT_PREVIEW_PER_MINUTE` a minute
    each; its tokens are counted in the month's usage as preview. Without a channel: the
    organisation's own settings and organisation-wide knowledge."""
    caller.require_admin(organization_id, write=False)
    require_spending_allowed(conn, organization_id)
    limit = rate_limits.per_minute(settings, "preview")
    rate_limits.enforce("preview", limit=limit, keys=[f"user:{caller.user_id}"], conn=conn)
    configured = answering_config(conn, organization_id, channel_id)
    answered = answer(
        conn,
        organization_id=organization_id,
        channel_id=channel_id,
        has_knowledge=configured.has_knowledge,
        config=configured.config,
        platform_encrypted_key=configured.platform_encrypted_key,
        language=language,
        history=history,
        message=message,
        settings=settings,
        log_context={"organization_id": str(organization_id), "preview": "true"},
        # As for a visitor: where the channel hands off, the model may decide to (shown, not done).
        offer_handoff=configured.config.handoff_enabled,
    )
    count_preview(conn, organization_id, tokens=answered.tokens_used)
    return answered
