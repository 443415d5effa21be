"""The dashboard's preview chat: a message answered through the real pipeline — the organisation's
settings, the channel's overrides, its knowledge, the provider — with nothing stored and no usage
counted, so an admin can try instructions before a visitor meets them."""

from __future__ import annotations

from uuid import UUID

from chatflow.access import Caller
from chatflow.ai.answering import Answer, answer
from chatflow.ai.prompt import HistoryEntry
from chatflow.ai_settings import answering_config
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
    """Its members and super admins. Without a channel: the organisation's own settings and
    organisation-wide knowledge."""
    caller.require_member(organization_id)
    require_spending_allowed(conn, organization_id)
    configured = answering_config(conn, organization_id, channel_id)
    return answer(
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
    )
