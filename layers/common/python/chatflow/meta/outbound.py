"""Our messages out to WhatsApp and Messenger: AI answers, agents' replies and system notices of a
conversation on a connected channel, sent through the Graph API (the listener `send_to_meta`).

Each message is sent once: a `meta_deliveries` row is claimed before the call and marked sent with
the provider's id after it, so a listener retried after a success sends nothing again. A failure Meta
may recover from (no answer, 5xx, 429 and its rate-limit codes) raises, and the dispatch retries it
with backoff, up to DISPATCH_MAX_ATTEMPTS; any other refusal, or the last attempt, marks it failed,
with Meta's code, for the inbox to show.
Only these roles ever go out: a visitor's own message never, nor anything else (an agent's note).

An agent's file goes as media: uploaded to the Graph API first (WhatsApp `POST /{phoneNumberId}/media`,
Messenger's Attachment Upload API `POST /{pageId}/message_attachments`), then sent by the id Meta gives
(WhatsApp `type: image|audio|video|document` with `{id}`, Messenger an `attachment` with its
`attachment_id`). Not by link: Meta documents links only for files on a public HTTPS server, and ours
are private (a presigned URL lives minutes and names our bucket; on the local stack Meta could not reach
it at all). An upload Meta refuses fails or is retried like a send.

Meta's window is checked again here (chatflow.meta.window): past the customer's 24 hours a message
goes out only as a WhatsApp template, or on Messenger as a person's message tagged HUMAN_AGENT
(within 7 days; an AI's answer never); anything else is recorded as failed, `window_closed`, and
not sent. A delivery that changes (sent, failed) tells the inbox with conversation.updated.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from chatflow import outbox
from chatflow.attachments import storage
from chatflow.attachments.models import AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES
from chatflow.crypto import EncryptionKeyError, decrypt
from chatflow.db import Connection
from chatflow.errors import AttachmentsUnavailable
from chatflow.meta import graph
from chatflow.meta import repository as repo
from chatflow.meta.window import HUMAN_AGENT_WINDOW, LAST_CUSTOMER_MESSAGE_SQL, SERVICE_WINDOW, Sendable, sendable
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as events_repo
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings

__all__ = ["OUTBOUND_ROLES", "MetaUnavailable", "send_messages"]

_logger = logging.getLogger(__name__)

OUTBOUND_ROLES = ("ai", "agent", "system")
# Meta's own limits on a text message's length.
_TEXT_LIMIT = {"whatsapp": 4096, "messenger": 2000}
# Meta's error codes for "too many, too fast" (besides HTTP 429): worth retrying.
_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80007, 130429, 131048, 131056})


# Meta's "outside the 24-hour window" (WhatsApp), and Messenger's (code 10 with this subcode).
WINDOW_CLOSED_CODE = 131047
MESSENGER_WINDOW_SUBCODE = 2018278


class MetaUnavailable(Exception):
    """The Graph API did not take a message but may later: the listener's run is retried."""


_PENDING = (
    """
SELECT m.id, m.role, m.content, m.conversation_id, k.kind, k.account_id, k.encrypted_access_token, k.channel_id,
       k.organization_id, c.visitor_metadata ->> 'contactId' AS contact_id, d.status AS delivery_status,
       coalesce(d.attempts, 0) AS attempts, t.name AS template_name, t.language AS template_language,
       t.components AS template_components, a.object_key AS file_key, a.content_type AS file_type,
       a.name AS file_name,
       coalesce(now() - last_customer.at < %(service)s, false) AS within_24h,
       coalesce(now() - last_customer.at < %(human_agent)s, false) AS within_7d
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
JOIN channel_meta_connections k ON k.channel_id = c.channel_id AND k.kind = c.visitor_metadata ->> 'channel'
LEFT JOIN meta_deliveries d ON d.message_id = m.id
LEFT JOIN meta_template_messages t ON t.message_id = m.id
LEFT JOIN attachments a ON a.message_id = m.id AND a.status = 'ready'
LEFT JOIN LATERAL (SELECT """
    + LAST_CUSTOMER_MESSAGE_SQL.format(conversation="c")
    + """ AS at) last_customer ON true
WHERE m.id = ANY(%(ids)s) AND m.role = ANY(%(roles)s)
ORDER BY m.seq
"""
)


def _body(kind: str, contact_id: str, text: str, *, how: Sendable, template: dict[str, Any] | None) -> dict[str, Any]:
    text = text[: _TEXT_LIMIT[kind]]
    if kind == "whatsapp" and template is not None:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": contact_id,
            "type": "template",
            "template": template,
        }
    if kind == "whatsapp":
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": contact_id,
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }
    return _messenger(contact_id, {"text": text}, how=how)


def _messenger(contact_id: str, message: dict[str, Any], *, how: Sendable) -> dict[str, Any]:
    if how == "human_agent":
        # A person's reply past 24 hours and within 7 days: Meta's tag for human agents.
        return {
            "recipient": {"id": contact_id},
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT",
            "message": message,
        }
    return {"recipient": {"id": contact_id}, "messaging_type": "RESPONSE", "message": message}


def _media_type(kind: str, content_type: str) -> str:
    """How Meta takes a file of this (checked) type: WhatsApp's message type (images as `image` only
    JPEG and PNG, which is all it shows; WebP and GIF go as a document) or Messenger's attachment type."""
    if content_type in AUDIO_TYPES:
        return "audio"
    if content_type in VIDEO_TYPES:
        return "video"
    if kind == "whatsapp":
        return "image" if content_type in ("image/jpeg", "image/png") else "document"
    return "image" if content_type in IMAGE_TYPES else "file"


def _media_body(
    kind: str, contact_id: str, media_type: str, media_id: str, name: str, *, how: Sendable
) -> dict[str, Any]:
    if kind == "whatsapp":
        media: dict[str, Any] = {"id": media_id}
        if media_type == "document":
            media["filename"] = name
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": contact_id,
            "type": media_type,
            media_type: media,
        }
    return _messenger(contact_id, {"attachment": {"type": media_type, "payload": {"attachment_id": media_id}}}, how=how)


def _deliver(
    settings: Settings, row: dict[str, Any], token: str, *, how: Sendable, template: dict[str, Any] | None
) -> graph.GraphAnswer:
    """Send one message; an agent's file is uploaded first and sent by the id Meta answers. A failed
    upload is answered as a failed send (retried or failed the same way)."""
    kind, account_id = row["kind"], row["account_id"]
    if row["file_key"] is None:
        body = _body(kind, row["contact_id"], row["content"], how=how, template=template)
        return graph.send_message(settings, account_id, access_token=token, body=body)
    from botocore.exceptions import BotoCoreError, ClientError  # here: only a file needs it

    try:
        data = storage.get(row["file_key"])
    except (BotoCoreError, ClientError, AttachmentsUnavailable):
        _logger.warning("an agent's file could not be read from storage", extra={"message_id": str(row["id"])})
        return graph.GraphAnswer(0, {"error": {"message": "the file could not be read from storage"}})
    media_type = _media_type(kind, row["file_type"])
    upload = {"access_token": token, "data": data, "content_type": row["file_type"], "filename": row["file_name"]}
    if kind == "whatsapp":
        uploaded = graph.upload_media(settings, account_id, **upload)
        media_id = uploaded.body.get("id")
    else:
        uploaded = graph.upload_attachment(settings, account_id, kind=media_type, **upload)
        media_id = uploaded.body.get("attachment_id")
    if uploaded.status != 200 or not isinstance(media_id, str):
        return uploaded
    body = _media_body(kind, row["contact_id"], media_type, media_id, row["file_name"], how=how)
    return graph.send_message(settings, account_id, access_token=token, body=body)


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
    number sent. Raises MetaUnavailable when one must be retried (the others are recorded). Each
    one whose delivery changed tells the inbox (conversation.updated), so the thread shows it."""
    settings = settings or get_settings()
    rows = conn.execute(
        _PENDING,
        {
            "ids": list(message_ids),
            "roles": list(OUTBOUND_ROLES),
            "service": SERVICE_WINDOW,
            "human_agent": HUMAN_AGENT_WINDOW,
        },
    ).fetchall()
    rows = [r for r in rows if r["delivery_status"] in (None, "pending") and r["contact_id"]]
    if not rows:
        return 0
    key = encryption_key(settings)
    sent, retry = 0, 0
    changed: dict[UUID, UUID] = {}  # conversation → organisation
    for row in rows:
        conn.execute(
            """INSERT INTO meta_deliveries (message_id, organization_id, channel_id) VALUES (%s, %s, %s)
               ON CONFLICT (message_id) DO NOTHING""",
            (row["id"], row["organization_id"], row["channel_id"]),
        )
        template = (
            {
                "name": row["template_name"],
                "language": {"code": row["template_language"]},
                "components": row["template_components"],
            }
            if row["template_name"] and row["kind"] == "whatsapp"
            else None
        )
        how = sendable(
            row["kind"],
            role=row["role"],
            template=template is not None,
            within_24h=row["within_24h"],
            within_7d=row["within_7d"],
        )
        if how == "closed":
            # Meta would refuse it (131047): not sent, and the inbox says why.
            _failed(conn, row["id"], None, "outside the customer service window", reason="window_closed")
            changed[row["conversation_id"]] = row["organization_id"]
            continue
        try:
            token = decrypt(row["encrypted_access_token"], key) if key else None
        except EncryptionKeyError:
            token = None
        if token is None:
            _failed(conn, row["id"], None, "the channel's access token cannot be decrypted", reason="token")
            changed[row["conversation_id"]] = row["organization_id"]
            continue
        answer = _deliver(settings, row, token, how=how, template=template)
        provider_id = _provider_id(row["kind"], answer)
        if answer.status == 200 and provider_id:
            conn.execute(
                """UPDATE meta_deliveries SET status = 'sent', provider_message_id = %s, attempts = attempts + 1,
                          error_code = NULL, error_message = NULL, failure_reason = NULL, updated_at = now()
                   WHERE message_id = %s AND status = 'pending'""",
                (provider_id, row["id"]),
            )
            for status, code in repo.take_backlog(conn, row["channel_id"], provider_id):
                repo.apply_status(
                    conn, channel_id=row["channel_id"], provider_message_id=provider_id, status=status, error_code=code
                )
            changed[row["conversation_id"]] = row["organization_id"]
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
            _failed(
                conn,
                row["id"],
                answer.error_code,
                answer.error_message or f"HTTP {answer.status}",
                reason=_reason(answer),
            )
            changed[row["conversation_id"]] = row["organization_id"]
        _logger.info(
            "message sent to meta",
            extra={"kind": row["kind"], "graph_status": answer.status, "error_code": answer.error_code, "how": how},
        )
    _tell_inbox(conn, changed, settings)
    if retry:
        raise MetaUnavailable(f"{retry} messages to retry")
    return sent


def _reason(answer: graph.GraphAnswer) -> str:
    """Why Meta refused for good, in the inbox's words."""
    if answer.error_code == WINDOW_CLOSED_CODE or (
        answer.error_code == 10 and answer.error_subcode == MESSENGER_WINDOW_SUBCODE
    ):
        return "window_closed"
    if answer.status == 0:
        return "no_answer"
    if answer.status in (401, 403) or answer.error_code == 190:
        return "token"
    return "refused"


def _tell_inbox(conn: Connection, changed: dict[UUID, UUID], settings: Settings) -> None:
    if not changed:
        return
    events = [ConversationUpdated(organization_id=org, conversation_id=conv) for conv, org in changed.items()]
    events_repo.add(conn, events)
    outbox.signal([e.id for e in events], settings=settings)


def _failed(conn: Connection, message_id: UUID, code: int | None, message: str, *, reason: str) -> None:
    conn.execute(
        """UPDATE meta_deliveries SET status = 'failed', attempts = attempts + 1, error_code = %s,
                  error_message = %s, failure_reason = %s, updated_at = now() WHERE message_id = %s""",
        (code, message[:500], reason, message_id),
    )
    _logger.warning("message refused by meta", extra={"message_id": str(message_id), "error_code": code})
