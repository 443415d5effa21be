"""The SQL of the getting-started checklist: every step's state in one read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from chatflow.db import Connection

__all__ = ["dismiss", "mark_widget_seen", "select_state"]

# A widget counts as installed once its config was fetched from an allowed page (widget_seen_at), or
# once a visitor wrote from a page of a website channel (the conversation kept its page_url): the
# first works before anyone writes, the second where a browser sends no Origin (same-origin pages).
# The dashboard's preview of the widget (a srcdoc frame: its page is about:srcdoc) is not a page of the site.
_STATE = """
SELECT o.getting_started_dismissed_at IS NOT NULL AS dismissed,
       coalesce(a.system_prompt, '') <> '' AS describe,
       EXISTS (SELECT 1 FROM channel_knowledge k WHERE k.organization_id = o.id AND k.status = 'ready') AS knowledge,
       EXISTS (SELECT 1 FROM channels ch WHERE ch.organization_id = o.id AND ch.type = 'website') AS channel,
       seen.widget_seen_at, seen.widget_seen_origin,
       EXISTS (
           SELECT 1 FROM conversations c JOIN channels ch ON ch.id = c.channel_id
           WHERE c.organization_id = o.id AND ch.type = 'website' AND c.page_url ~* '^https?://'
       ) AS chatted_from_a_page,
       (SELECT ch.id FROM channels ch WHERE ch.organization_id = o.id AND ch.type = 'website'
        ORDER BY ch.active DESC, ch.created_at LIMIT 1) AS website_channel_id,
       EXISTS (SELECT 1 FROM conversations c WHERE c.organization_id = o.id) AS first_message,
       (SELECT count(*) FROM organization_members m WHERE m.organization_id = o.id) > 1
       OR EXISTS (SELECT 1 FROM member_invitations i WHERE i.organization_id = o.id) AS invite
FROM organizations o
LEFT JOIN ai_settings a ON a.organization_id = o.id
LEFT JOIN LATERAL (
    SELECT ch.widget_seen_at, ch.widget_seen_origin FROM channels ch
    WHERE ch.organization_id = o.id AND ch.widget_seen_at IS NOT NULL
    ORDER BY ch.widget_seen_at LIMIT 1
) seen ON true
WHERE o.id = %(organization_id)s
"""


def select_state(conn: Connection, organization_id: UUID) -> dict[str, Any] | None:
    return conn.execute(_STATE, {"organization_id": organization_id}).fetchone()


def dismiss(conn: Connection, organization_id: UUID, dismissed: bool) -> None:
    conn.execute(
        "UPDATE organizations SET getting_started_dismissed_at = CASE WHEN %(dismissed)s THEN now() END"
        " WHERE id = %(organization_id)s",
        {"organization_id": organization_id, "dismissed": dismissed},
    )


def mark_widget_seen(conn: Connection, public_key: UUID, origin: str) -> None:
    """Only the first time: later loads find the row already marked and write nothing."""
    conn.execute(
        "UPDATE channels SET widget_seen_at = now(), widget_seen_origin = left(%(origin)s, 300)"
        " WHERE public_key = %(public_key)s AND widget_seen_at IS NULL",
        {"public_key": public_key, "origin": origin},
    )
