"""A customer's files from WhatsApp and Messenger into the attachment store (chatflow.attachments):
a photo, a voice note, a video, a PDF or text file becomes the attachment of the message that
described it ("[image] caption", "[audio]").

The message goes through the conversation pipeline first, so that the AI and the inbox have it at
once; then the file is fetched and kept with the same checks as an upload: WhatsApp's through the
Graph API (GET /{mediaId} gives a short-lived URL, read with the channel's token), Messenger's from
the URL its webhook gives (`attachments[].payload.url`, read without a token), only from Meta's
media hosts. The bytes must be what Meta said (an image, audio, video or a document of an upload's
types) and within its cap (16 MB audio and video, 10 MB the rest); images are re-encoded without
their metadata. The inbox is told (conversation.updated) and shows it: voice notes and videos play
in the thread. A redelivered webhook fetches nothing again. Media is best effort: what cannot be
fetched or kept is logged and the description stays.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from chatflow import outbox
from chatflow.attachments.models import MAX_ATTACHMENT_BYTES, MAX_MEDIA_BYTES, MediaKind
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

# A name for media that comes without one (all but documents), by the type Meta gives.
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
    "text/plain": "txt",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
}
# What the attachment store is told a file is, by the webhook's kind (WhatsApp's, then Messenger's own).
_KINDS: dict[str, MediaKind] = {
    "image": "image",
    "sticker": "image",
    "audio": "audio",
    "video": "video",
    "document": "file",
    "file": "file",
}


def keep_media(channel_id: UUID, client_message_id: UUID, media: Media, *, settings: Settings | None = None) -> bool:
    """Fetch and keep the media of the message stored under `client_message_id`; True when kept."""
    settings = settings or get_settings()
    with connection() as conn:
        row = conn.execute(
            """
            SELECT m.id, m.conversation_id, m.organization_id, k.kind AS channel, k.encrypted_access_token,
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
    kind = _KINDS.get(media.kind)
    if kind is None:
        return False
    max_bytes = MAX_MEDIA_BYTES if kind in ("audio", "video") else MAX_ATTACHMENT_BYTES
    fetched = (
        _from_messenger(settings, media, max_bytes)
        if row["channel"] == "messenger"
        else _from_whatsapp(settings, media, row["encrypted_access_token"], max_bytes)
    )
    if fetched is None:
        return False
    data, name = fetched
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
                kind=kind,
            )
            events_repo.add(conn, [event])
    except DomainError as exc:  # not what Meta said, a type we do not keep, too large, no attachment store here
        _logger.info("media kept as its description only", extra={"kind": media.kind, "reason": exc.code})
        return False
    except (BotoCoreError, ClientError):
        _logger.exception("media not stored: the attachment store failed", extra={"kind": media.kind})
        return False
    outbox.signal([event.id], settings=settings)
    _logger.info("media kept as an attachment", extra={"kind": media.kind, "bytes": len(data)})
    return True


def _from_whatsapp(settings: Settings, media: Media, encrypted_token: str, max_bytes: int) -> tuple[bytes, str] | None:
    """The file's bytes and name through the Graph API: GET /{mediaId}, then its URL with the token."""
    if media.media_id is None:
        return None
    key = encryption_key(settings)
    try:
        token = decrypt(encrypted_token, key) if key else None
    except EncryptionKeyError:
        token = None
    if token is None:
        _logger.error("media not fetched: the channel's token cannot be decrypted", extra={"kind": media.kind})
        return None
    described = graph.get_object(settings, media.media_id, access_token=token, fields="url,mime_type,file_size")
    url, size = described.body.get("url"), described.body.get("file_size")
    if described.status != 200 or not isinstance(url, str):
        _logger.warning("media not described by the graph api", extra={"graph_status": described.status})
        return None
    if isinstance(size, int) and size > max_bytes:
        _logger.info("media larger than an attachment: kept as its description", extra={"kind": media.kind})
        return None
    data = graph.download(settings, url, access_token=token, max_bytes=max_bytes)
    if data is None:
        _logger.warning("media not downloaded", extra={"kind": media.kind})
        return None
    mime = str(described.body.get("mime_type") or media.mime_type or "").split(";")[0].strip().lower()
    return data, media.filename or f"whatsapp-{media.kind}.{_EXTENSIONS.get(mime, 'bin')}"


def _from_messenger(settings: Settings, media: Media, max_bytes: int) -> tuple[bytes, str] | None:
    """The file's bytes from its attachment URL (signed by Meta: no token is sent), named by the
    URL's last path segment when it has an extension (Messenger keeps a file's own name there)."""
    if media.url is None:
        return None
    data = graph.download(settings, media.url, access_token=None, max_bytes=max_bytes)
    if data is None:
        _logger.warning("media not downloaded", extra={"kind": media.kind})
        return None
    last = unquote(urlsplit(media.url).path.rsplit("/", 1)[-1])
    return data, last if "." in last.strip(".") else f"messenger-{media.kind}"
