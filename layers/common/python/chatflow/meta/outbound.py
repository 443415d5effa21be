"""Our messages out to WhatsApp and Messenger: AI answers, agents' replies and system notices of a
conversation on a connected channel, sent through the Graph API (the listener `send_to_meta`).

Each message is sent once: a `meta_deliveries` row is claimed before the call and marked sent with
the provider's id after it, so a listener retried after a success sends nothing again. A failure Meta
may recover from (no answer, 5xx, 429 and its rate-limit codes) raises, and the dispatch retries it
with backoff, up to DISPATCH_MAX_ATTEMPTS; any other refusal, or the last attempt, marks it failed,
with Meta's code, for the inbox to show.
Only these roles ever go out: a visitor's own message never, nor anything else (an agent's note).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from chatflow.crypto import EncryptionKeyError, decrypt
from chatflow.db import Connection
from chatflow.meta import graph
from chatflow.meta import repository as repo
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings

__all__ = ["OUTBOUND_ROLES", "MetaUnavailable", "send_messages"]

_logger = logging.getLogger(__name__)

OUTBOUND_ROLES = ("ai", "agent", "system")
# Meta's own limits on a text message's length.
_TEXT_LIMIT = {"whatsapp": 4096, "messenger": 2000}
# Meta's error codes for "too many, too fast" (besides HTTP 429): worth retrying.
_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80007, 130429, 131048, 131056})


class MetaUnavailable(Exception):
    """The Graph API did not take a message but may later: the listener's run is retried."""


_PENDING = """
SELECT m.id, m.content, k.kind, k.account_id, k.encrypted_access_token, k.channel_id, k.organization_id,
       c.visitor_metadata ->> 'contactId' AS contact_id, d.status AS delivery_status,
       coalesce(d.attempts, 0) AS attempts
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
JOIN channel_meta_connections k ON k.channel_id = c.channel_id AND k.kind = c.visitor_metadata ->> 'channel'
LEFT JOIN meta_deliveries d ON d.message_id = m.id
WHERE m.id = ANY(%s) AND m.role = ANY(%s)
ORDER BY m.seq
"""


def _body(kind: str, contact_id: str, text: str) -> dict[str, Any]:
    text = text[: _TEXT_LIMIT[kind]]
    if kind == "whatsapp":
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": contact_id,
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }
    return {"recipient": {"id": contact_id}, "messaging_type": "RESPONSE", "message": {"text": text}}


def _provider_id(kind: str, answer: graph.GraphAnswer) -> str | None:
    if kind == "whatsapp":
        messages = answer.body.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else {}
        value = first.get("id") if isinstance(first, dict) else None
    else:
        value = answer.body.get("message_id")
    return value if isinstance(value, str) else None


def send_messages(conn: Connection, message_ids: Sequence[UUID], *, settings: Settings | None = None) -> int:
    """Send those of these messages that belong on WhatsApp or Messenger and have not gone yet; the
    number sent. Raises MetaUnavailable when one must be retried (the others are recorded)."""
    settings = settings or get_settings()
    rows = conn.execute(_PENDING, (list(message_ids), list(OUTBOUND_ROLES))).fetchall()
    rows = [r for r in rows if r["delivery_status"] in (None, "pending") and r["contact_id"]]
    if not rows:
        return 0
    key = encryption_key(settings)
    sent, retry = 0, 0
    for row in rows:
        conn.execute(
            """INSERT INTO meta_deliveries (message_id, organization_id, channel_id) VALUES (%s, %s, %s)
               ON CONFLICT (message_id) DO NOTHING""",
            (row["id"], row["organization_id"], row["channel_id"]),
        )
        try:
            token = decrypt(row["encrypted_access_token"], key) if key else None
        except EncryptionKeyError:
            token = None
        if token is None:
            _failed(conn, row["id"], None, "the channel's access token cannot be decrypted")
            continue
        answer = graph.send_message(
            settings,
            row["account_id"],
            access_token=token,
            body=_body(row["kind"], row["contact_id"], row["content"]),
        )
        provider_id = _provider_id(row["kind"], answer)
        if answer.status == 200 and provider_id:
            conn.execute(
                """UPDATE meta_deliveries SET status = 'sent', provider_message_id = %s, attempts = attempts + 1,
                          error_code = NULL, error_message = NULL, updated_at = now()
                   WHERE message_id = %s AND status = 'pending'""",
                (provider_id, row["id"]),
            )
            for status, code in repo.take_backlog(conn, row["channel_id"], provider_id):
                repo.apply_status(
                    conn, channel_id=row["channel_id"], provider_message_id=provider_id, status=status, error_code=code
                )
            sent += 1
        elif (answer.status in (0, 429) or answer.status >= 500 or answer.error_code in _RATE_LIMIT_CODES) and row[
            "attempts"
        ] + 1 < settings.dispatch_max_attempts:
            conn.execute(
                """UPDATE meta_deliveries SET attempts = attempts + 1, error_code = %s, error_message = %s,
                          updated_at = now() WHERE message_id = %s""",
                (answer.error_code, answer.error_message or f"HTTP {answer.status}", row["id"]),
            )
            retry += 1
        else:
            _failed(conn, row["id"], answer.error_code, answer.error_message or f"HTTP {answer.status}")
        _logger.info(
            "message sent to meta",
            extra={"kind": row["kind"], "graph_status": answer.status, "error_code": answer.error_code},
        )
    if retry:
        raise MetaUnavailable(f"{retry} messages to retry")
    return sent


def _failed(conn: Connection, message_id: UUID, code: int | None, message: str) -> None:
    conn.execute(
        """UPDATE meta_deliveries SET status = 'failed', attempts = attempts + 1, error_code = %s,
                  error_message = %s, updated_at = now() WHERE message_id = %s""",
        (code, message[:500], message_id),
    )
    _logger.warning("message refused by meta", extra={"message_id": str(message_id), "error_code": code})
