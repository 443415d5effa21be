"""WhatsApp media into the attachment store (chatflow.attachments): a customer's photo, PDF or text
file becomes the attachment of the message that described it ("[image] caption").

The message goes through the conversation pipeline first, so that the AI and the inbox have it at
once; then the file is fetched through the Graph API (GET /{mediaId} gives a short-lived URL, which
is read with the channel's token) and kept with the same checks as an upload: the type from the
bytes (images, PDF and plain text; audio, video and other documents stay described only), 10 MB,
images re-encoded without their metadata. The inbox is told (conversation.updated) and shows it. A
redelivered webhook fetches nothing again. Media is best effort: what cannot be fetched or kept is
logged and the description stays.
"""

from __future__ import annotations

import logging
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from chatflow import outbox
from chatflow.attachments import MAX_ATTACHMENT_BYTES
from chatflow.attachments.service import store_attachment_from_bytes
from chatflow.crypto import EncryptionKeyError, decrypt
from chatflow.db import connection
from chatflow.errors import DomainError
from chatflow.meta import graph
from chatflow.meta.payloads import Media
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as events_repo
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings

__all__ = ["keep_media"]

_logger = logging.getLogger(__name__)

# A name for media that comes without one (all but documents), by its type.
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
    "text/plain": "txt",
}


def keep_media(channel_id: UUID, client_message_id: UUID, media: Media, *, settings: Settings | None = None) -> bool:
    """Fetch and keep the media of the message stored under `client_message_id`; True when kept."""
    settings = settings or get_settings()
    with connection() as conn:
        row = conn.execute(
            """
            SELECT m.id, m.conversation_id, m.organization_id, k.encrypted_access_token,
                   EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id) AS kept
            FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            JOIN channel_meta_connections k ON k.channel_id = c.channel_id
            WHERE m.client_message_id = %s AND c.channel_id = %s AND m.role = 'visitor'
            """,
            (client_message_id, channel_id),
        ).fetchone()
    if row is None or row["kept"]:
        return False  # not stored (dropped), or a redelivery whose media is kept already
    key = encryption_key(settings)
    try:
        token = decrypt(row["encrypted_access_token"], key) if key else None
    except EncryptionKeyError:
        token = None
    if token is None:
        _logger.error("media not fetched: the channel's token cannot be decrypted", extra={"kind": media.kind})
        return False
    described = graph.get_object(settings, media.media_id, access_token=token, fields="url,mime_type,file_size")
    url, size = described.body.get("url"), described.body.get("file_size")
    if described.status != 200 or not isinstance(url, str):
        _logger.warning("media not described by the graph api", extra={"graph_status": described.status})
        return False
    if isinstance(size, int) and size > MAX_ATTACHMENT_BYTES:
        _logger.info("media larger than an attachment: kept as its description", extra={"kind": media.kind})
        return False
    data = graph.download(settings, url, access_token=token, max_bytes=MAX_ATTACHMENT_BYTES)
    if data is None:
        _logger.warning("media not downloaded", extra={"kind": media.kind})
        return False
    mime = str(described.body.get("mime_type") or media.mime_type or "").split(";")[0].strip().lower()
    name = media.filename or f"whatsapp-{media.kind}.{_EXTENSIONS.get(mime, 'bin')}"
    event = ConversationUpdated(organization_id=row["organization_id"], conversation_id=row["conversation_id"])
    try:
        with connection() as conn, conn.transaction():
            store_attachment_from_bytes(
                conn,
                organization_id=row["organization_id"],
                conversation_id=row["conversation_id"],
                message_id=row["id"],
                name=name,
                data=data,
            )
            events_repo.add(conn, [event])
    except DomainError as exc:  # a type we do not keep, too large, no attachment store here
        _logger.info("media kept as its description only", extra={"kind": media.kind, "reason": exc.code})
        return False
    except (BotoCoreError, ClientError):
        _logger.exception("media not stored: the attachment store failed", extra={"kind": media.kind})
        return False
    outbox.signal([event.id], settings=settings)
    _logger.info("media kept as an attachment", extra={"kind": media.kind, "bytes": len(data)})
    return True
