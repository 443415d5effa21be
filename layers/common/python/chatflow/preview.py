"""The dashboard's preview chat: a message answered through the real pipeline — the organisation's
settings, the channel's overrides, its knowledge, the provider — with nothing stored and no usage
counted, so an admin can try instructions before a visitor meets them."""

from __future__ import annotations

from uuid import UUID

from chatflow.access import Caller
from chatflow.ai.prompt import HistoryEntry
from chatflow.ai_config import ChannelOverrides, OrganizationAISettings, effective_config
from chatflow.answering import Answer, answer
from chatflow.api_keys import PLATFORM_KEY_SETTING
from chatflow.db import Connection
from chatflow.errors import ChannelNotFound, OrganizationNotFound
from chatflow.settings import Settings
from chatflow.vocabulary import Language

__all__ = ["preview_answer"]

_LOAD = """
SELECT s.provider, s.model, s.temperature::float8 AS temperature, s.max_tokens, s.system_prompt,
       s.handoff_keywords, s.encrypted_api_key,
       (SELECT value FROM platform_settings WHERE key = %(platform_key)s) AS platform_encrypted_key,
       ch.id AS channel_id, ch.system_prompt AS channel_system_prompt,
       ch.handoff_keywords AS channel_handoff_keywords, coalesce(ch.handoff_enabled, true) AS handoff_enabled,
       EXISTS (SELECT 1 FROM knowledge_chunks kc
               WHERE kc.organization_id = s.organization_id
                 AND (kc.channel_id IS NULL OR kc.channel_id = ch.id)) AS has_knowledge
FROM ai_settings s
LEFT JOIN channels ch ON ch.id = %(channel_id)s AND ch.organization_id = s.organization_id
WHERE s.organization_id = %(organization_id)s
"""


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
    row = conn.execute(
        _LOAD,
        {"organization_id": organization_id, "channel_id": channel_id, "platform_key": PLATFORM_KEY_SETTING},
    ).fetchone()
    if row is None:
        raise OrganizationNotFound()
    if channel_id is not None and row["channel_id"] is None:
        raise ChannelNotFound()
    config = effective_config(
        OrganizationAISettings(
            provider=row["provider"],
            model=row["model"],
            temperature=row["temperature"],
            max_tokens=row["max_tokens"],
            system_prompt=row["system_prompt"],
            handoff_keywords=tuple(row["handoff_keywords"]),
            encrypted_api_key=row["encrypted_api_key"],
        ),
        ChannelOverrides(
            system_prompt=row["channel_system_prompt"],
            handoff_keywords=None
            if row["channel_handoff_keywords"] is None
            else tuple(row["channel_handoff_keywords"]),
            handoff_enabled=row["handoff_enabled"],
        ),
    )
    return answer(
        conn,
        organization_id=organization_id,
        channel_id=channel_id,
        has_knowledge=row["has_knowledge"],
        config=config,
        platform_encrypted_key=row["platform_encrypted_key"],
        language=language,
        history=history,
        message=message,
        settings=settings,
        log_context={"organization_id": str(organization_id), "preview": "true"},
    )
