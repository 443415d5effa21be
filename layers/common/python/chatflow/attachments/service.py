"""Attachments both ways: a visitor's from the widget, an agent's from the dashboard, an outside
channel's media (WhatsApp, Messenger) from its bytes.

An upload is two calls around the browser's own POST to S3, so that no file passes through Lambda or
API Gateway (their payload limits, their cost):

1. `request_*_upload`: the conversation is the caller's and open, the type and size are allowed, the
   month's storage has room: a pending row, and a presigned POST for exactly one key,
   `{organization}/{conversation}/{attachment}/file`, whose policy pins the Content-Type and the size.
2. `confirm_*_upload`: the object is read back and checked, whatever the policy said (moto does not
   enforce it; a policy is also only what the uploader *declared*): its size, then its first bytes
   must be the declared type (never its name). A mismatch deletes the object and the row. Images are
   re-encoded without metadata and get a thumbnail (chatflow.attachments.checking). Then, in one
   transaction, the message that shows the attachment (its content: the file's name), the row made
   ready, and the events (conversation.updated, message.created, which carries the attachment).

S3 is called outside any database transaction: a slow bucket never holds a row lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from chatflow import outbox
from chatflow.access import Caller, scoped_connection
from chatflow.attachments import repository as repo
from chatflow.attachments import storage
from chatflow.attachments.checking import NotWhatItSays, clean_image, sniff, sniff_media
from chatflow.attachments.models import (
    ALLOWED_TYPES,
    AUDIO_TYPES,
    IMAGE_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_NAME_CHARS,
    PLAN_STORAGE_LIMITS,
    UPLOADS_PREFIX,
    VIDEO_TYPES,
    AttachmentRef,
    MediaKind,
    Uploader,
    UploadGrant,
    max_bytes_for,
)
from chatflow.conversations import message_repository as conversation_messages
from chatflow.conversations.models import MessageView
from chatflow.db import Connection, connection
from chatflow.errors import (
    AttachmentMismatch,
    AttachmentNotFound,
    AttachmentNotUploaded,
    AttachmentTooLarge,
    AttachmentTypeNotAllowed,
    ConversationClosed,
    ConversationNotFound,
    InvalidInput,
    StorageLimitReached,
)
from chatflow.origins import check_origin
from chatflow.outbox import ConversationUpdated, DomainEvent, MessageCreated
from chatflow.outbox import repository as events_repo

if TYPE_CHECKING:
    from chatflow.inbox.repository import InboxMessage

__all__ = [
    "StorageUse",
    "clean_name",
    "confirm_agent_upload",
    "confirm_visitor_upload",
    "request_agent_upload",
    "request_visitor_upload",
    "storage_this_month",
    "store_attachment_from_bytes",
]

_logger = logging.getLogger(__name__)

# A grant not confirmed within this long is stale: its file, if any, is not taken any more.
_PENDING_FOR = timedelta(hours=1)
_MB = 1024 * 1024


# --- The visitor's side (the widget API) ---


def request_visitor_upload(
    *,
    public_key: UUID,
    visitor_id: UUID,
    conversation_id: UUID,
    name: str,
    content_type: str,
    size: int,
    origin: str | None = None,
) -> UploadGrant:
    """A presigned POST for one file into the visitor's own open conversation."""
    with connection() as conn, conn.transaction():
        target = _visitor_target(conn, public_key, visitor_id, conversation_id, origin)
        return _grant(
            conn, target, uploaded_by="visitor", author_user_id=None, name=name, content_type=content_type, size=size
        )


def confirm_visitor_upload(
    *, public_key: UUID, visitor_id: UUID, conversation_id: UUID, attachment_id: UUID, origin: str | None = None
) -> MessageView:
    """The visitor's uploaded file checked and shown in the conversation (idempotent: a second call
    answers the same message)."""
    with connection() as conn:
        _visitor_target(conn, public_key, visitor_id, conversation_id, origin)
        pending = repo.lock_attachment(conn, attachment_id=attachment_id, conversation_id=conversation_id, lock=False)
    if pending is None or pending.uploaded_by != "visitor":
        raise AttachmentNotFound()
    if pending.status == "ready":
        return _visitor_message(pending.id, conversation_id)
    checked = _check(pending)
    with _refused_on_failure(pending, checked), connection() as conn, conn.transaction():
        current = repo.lock_attachment(conn, attachment_id=attachment_id, conversation_id=conversation_id)
        if current is None:
            raise AttachmentNotFound()
        if current.status != "ready":
            target = repo.conversation(conn, conversation_id)
            if target is None:
                raise ConversationNotFound()
            _within_storage(conn, target, checked.stored_bytes, excluding=current.id)
            message_id = uuid4()
            events = _message_events(target.organization_id, conversation_id, message_id)
            written = conversation_messages.insert_visitor_message(
                conn,
                message_id=message_id,
                conversation_id=conversation_id,
                content=current.name,
                client_message_id=None,
                language=target.language,
                handoff=False,
                events=events,
            )
            if written is None:
                raise ConversationClosed()
            _mark_ready(conn, current.id, written.id, checked)
        else:
            events = []
    outbox.signal([e.id for e in events])
    return _visitor_message(attachment_id, conversation_id)


def _visitor_target(
    conn: Connection, public_key: UUID, visitor_id: UUID, conversation_id: UUID, origin: str | None
) -> repo.TargetConversation:
    target = repo.visitor_conversation(
        conn, public_key=public_key, visitor_id=visitor_id, conversation_id=conversation_id
    )
    if target is None:
        raise ConversationNotFound("This conversation does not exist for this visitor.")
    check_origin(target.allowed_origins, origin)
    return target


def _visitor_message(attachment_id: UUID, conversation_id: UUID) -> MessageView:
    with connection() as conn:
        row = conn.execute(
            "SELECT m.id, m.role, m.content, m.created_at, a.id AS attachment_id, a.name, a.content_type, a.size, "
            "a.object_key, a.thumbnail_key, a.width, a.height "
            "FROM attachments a JOIN messages m ON m.id = a.message_id "
            "WHERE a.id = %s AND a.conversation_id = %s",
            (attachment_id, conversation_id),
        ).fetchone()
    if row is None:
        raise AttachmentNotFound()
    return MessageView(
        id=row["id"],
        role=row["role"],
        content=row["content"],
        created_at=row["created_at"],
        attachment=repo.ref_from_row({**row, "id": row["attachment_id"]}),
    )


# --- The agent's side (the dashboard API) ---


def request_agent_upload(
    caller: Caller, conversation_id: UUID, *, name: str, content_type: str, size: int
) -> UploadGrant:
    with scoped_connection(caller) as conn:
        target = repo.conversation(conn, conversation_id)
        if target is None:
            raise ConversationNotFound()
        caller.require_writable(target.organization_id)
        # On WhatsApp and Messenger a file is free-form: refused past Meta's window as an agent's text is.
        # (Imported here: the visitor's uploads, in another function, never need chatflow.meta.)
        from chatflow.meta.window import require_free_text

        require_free_text(conn, conversation_id)
        return _grant(
            conn,
            target,
            uploaded_by="agent",
            author_user_id=caller.user_id,
            name=name,
            content_type=content_type,
            size=size,
        )


def confirm_agent_upload(caller: Caller, conversation_id: UUID, attachment_id: UUID) -> InboxMessage:
    """The agent's file checked and sent to the visitor (a person answers from then on, as with any
    agent message). Idempotent."""
    # Imported here: the widget's attachments function, which loads this module for the visitor's
    # uploads, would otherwise import the inbox at every cold start.
    from chatflow.inbox import repository as inbox_repo

    with scoped_connection(caller) as conn:
        pending = repo.lock_attachment(conn, attachment_id=attachment_id, conversation_id=conversation_id, lock=False)
    if pending is None or pending.uploaded_by != "agent":
        raise AttachmentNotFound()
    if pending.status != "ready":
        checked = _check(pending)
        events: list[DomainEvent] = []
        with _refused_on_failure(pending, checked), scoped_connection(caller) as conn:
            current = repo.lock_attachment(conn, attachment_id=attachment_id, conversation_id=conversation_id)
            if current is None:
                raise AttachmentNotFound()
            if current.status != "ready":
                target = repo.conversation(conn, conversation_id)
                if target is None:
                    raise ConversationNotFound()
                caller.require_writable(target.organization_id)
                _within_storage(conn, target, checked.stored_bytes, excluding=current.id)
                result = inbox_repo.insert_agent_message(
                    conn,
                    scope=None if caller.is_super_admin else caller.organization_ids,
                    conversation_id=conversation_id,
                    author_id=caller.user_id,
                    content=current.name,
                )
                if result.message is None:
                    if not result.found:
                        raise ConversationNotFound()
                    raise ConversationClosed()
                _mark_ready(conn, current.id, result.message.id, checked)
                events = _message_events(target.organization_id, conversation_id, result.message.id)
                events_repo.add(conn, events)
        outbox.signal([e.id for e in events])
    with scoped_connection(caller) as conn:
        found = inbox_repo.load_changed(
            conn, conversation_id=conversation_id, message_ids=_message_ids(conn, attachment_id)
        )
    if found is None or not found[1]:
        raise AttachmentNotFound()
    return found[1][0]


def _message_ids(conn: Connection, attachment_id: UUID) -> list[UUID]:
    row = conn.execute("SELECT message_id FROM attachments WHERE id = %s", (attachment_id,)).fetchone()
    return [row["message_id"]] if row and row["message_id"] else []


# --- An outside channel's media (WhatsApp, Messenger) ---


def store_attachment_from_bytes(
    conn: Connection,
    *,
    organization_id: UUID,
    conversation_id: UUID,
    message_id: UUID,
    name: str,
    data: bytes,
    kind: MediaKind = "file",
) -> AttachmentRef:
    """Keep media that arrived as bytes (a provider's download) as the attachment of a message the
    caller wrote in `conn`'s open transaction: the same checks as an upload (the type from the bytes,
    its size cap, images re-encoded without metadata), stored, then tied to the message. The caller
    emits the message's events in that transaction, so message.created carries the attachment.

    `kind` is what the provider said it is: the bytes must be one (an image, an audio recording, a
    video; a file is an upload's type: image, PDF or text). An MP4 said to be audio is kept as audio.
    Raises AttachmentTypeNotAllowed / AttachmentTooLarge / AttachmentMismatch; nothing is stored then.
    The month's storage is counted but not refused: a customer's message from outside always arrives."""
    found = _media_type(data, kind)
    if len(data) > max_bytes_for(found):
        raise AttachmentTooLarge(max_bytes_for(found) // _MB)
    attachment_id = uuid4()
    key = _object_key(organization_id, conversation_id, attachment_id)
    checked = _process(key, data, found)
    repo.insert_pending(
        conn,
        attachment_id=attachment_id,
        organization_id=organization_id,
        conversation_id=conversation_id,
        uploaded_by="channel",
        author_user_id=None,
        name=clean_name(name, found),
        declared_type=found,
        declared_size=len(data),
        object_key=key,
    )
    _mark_ready(conn, attachment_id, message_id, checked)
    return AttachmentRef(
        id=attachment_id,
        name=clean_name(name, found),
        content_type=found,
        size=checked.size,
        object_key=key,
        thumbnail_key=checked.thumbnail_key,
        width=checked.width,
        height=checked.height,
    )


def _media_type(data: bytes, kind: MediaKind) -> str:
    """The checked type of a provider's file said to be of `kind`; AttachmentMismatch when the bytes
    are something else (a "voice note" that is a web page), AttachmentTypeNotAllowed when nothing we keep."""
    found = sniff(data[:8192]) or sniff_media(data[:64])
    if found is None:
        raise AttachmentTypeNotAllowed()
    if kind == "audio" and found == "video/mp4":
        found = "audio/mp4"  # a voice note recorded as MP4: the container says nothing of its tracks
    allowed = {"image": IMAGE_TYPES, "audio": AUDIO_TYPES, "video": VIDEO_TYPES, "file": ALLOWED_TYPES}[kind]
    if found not in allowed:
        raise AttachmentMismatch()
    return found


# --- The plan's storage ---


@dataclasses.dataclass(frozen=True, slots=True)
class StorageUse:
    used_bytes: int
    limit_bytes: int


def storage_this_month(conn: Connection, organization_id: UUID, plan: str) -> StorageUse:
    """What the organisation's attachments take this month (UTC), against its plan's storage. `conn`:
    one that may read the organisation (the dashboard's is scoped by row-level security)."""
    limit = PLAN_STORAGE_LIMITS.get(plan, PLAN_STORAGE_LIMITS["starter"])  # type: ignore[call-overload]
    return StorageUse(used_bytes=repo.month_storage(conn, organization_id), limit_bytes=limit)


# --- Shared steps ---


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\<>:\"|?*]+")


def clean_name(name: str, content_type: str | None = None) -> str:
    """A file name fit to store and show: its last path component, NFC, without control or path
    characters, at most MAX_NAME_CHARS; 'file' when nothing is left."""
    base = re.split(r"[/\\]", name)[-1]
    base = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", base)).strip(" ._") or "file"
    return base[:MAX_NAME_CHARS]


def _grant(
    conn: Connection,
    target: repo.TargetConversation,
    *,
    uploaded_by: Uploader,
    author_user_id: str | None,
    name: str,
    content_type: str,
    size: int,
) -> UploadGrant:
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in ALLOWED_TYPES:
        raise AttachmentTypeNotAllowed()
    if size > MAX_ATTACHMENT_BYTES:
        raise AttachmentTooLarge(MAX_ATTACHMENT_BYTES // _MB)
    if size < 1:
        raise InvalidInput("size: must be at least 1 byte.", variant="field", field="size")
    if target.status == "closed":
        raise ConversationClosed()
    _within_storage(conn, target, size)
    attachment_id = uuid4()
    key = _object_key(target.organization_id, target.id, attachment_id)
    repo.insert_pending(
        conn,
        attachment_id=attachment_id,
        organization_id=target.organization_id,
        conversation_id=target.id,
        uploaded_by=uploaded_by,
        author_user_id=author_user_id,
        name=clean_name(name, content_type),
        declared_type=content_type,
        declared_size=size,
        object_key=key,
    )
    upload_key = _upload_key(target.organization_id, target.id, attachment_id)
    url, fields, expires_at = storage.presigned_post(key=upload_key, content_type=content_type, max_bytes=size)
    return UploadGrant(attachment_id=attachment_id, url=url, fields=fields, expires_at=expires_at, max_bytes=size)


def _object_key(organization_id: UUID, conversation_id: UUID, attachment_id: UUID) -> str:
    """Where the checked file is stored and served from (never a browser's upload target)."""
    return f"{organization_id}/{conversation_id}/{attachment_id}/file"


def _upload_key(organization_id: UUID, conversation_id: UUID, attachment_id: UUID) -> str:
    """Where the browser's presigned POST puts the file, to be checked (chatflow.attachments.models)."""
    return f"{UPLOADS_PREFIX}{organization_id}/{conversation_id}/{attachment_id}"


def _upload_key_of(pending: repo.PendingAttachment) -> str:
    return _upload_key(pending.organization_id, pending.conversation_id, pending.id)


def _within_storage(
    conn: Connection, target: repo.TargetConversation, adding: int, *, excluding: UUID | None = None
) -> None:
    limit = PLAN_STORAGE_LIMITS.get(target.plan, PLAN_STORAGE_LIMITS["starter"])  # type: ignore[call-overload]
    used = repo.month_storage(conn, target.organization_id, excluding=excluding)
    if used + adding > limit:
        raise StorageLimitReached(target.plan, limit // 1024**3)


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    content_type: str
    size: int
    stored_bytes: int
    thumbnail_key: str | None
    width: int | None
    height: int | None
    keys: tuple[str, ...]


def _check(pending: repo.PendingAttachment) -> _Checked:
    """The uploaded object, checked and made safe; AttachmentNotUploaded when it is not there,
    AttachmentMismatch / AttachmentTooLarge (the object and the row deleted) when it is not what was granted."""
    if datetime.now(UTC) - pending.created_at > _PENDING_FOR:
        _refuse(pending)
        raise AttachmentNotUploaded()
    upload_key = _upload_key_of(pending)
    uploaded = storage.head(upload_key)
    if uploaded is None:
        raise AttachmentNotUploaded()
    if uploaded.size > min(pending.declared_size, MAX_ATTACHMENT_BYTES):
        _refuse(pending)
        raise AttachmentTooLarge(MAX_ATTACHMENT_BYTES // _MB)
    data = storage.get(upload_key)
    if len(data) > MAX_ATTACHMENT_BYTES or sniff(data[:8192]) != pending.declared_type:
        _refuse(pending)
        raise AttachmentMismatch()
    try:
        checked = _process(pending.object_key, data, pending.declared_type)
    except NotWhatItSays as exc:
        _logger.info("attachment refused", extra={"attachment_id": str(pending.id), "reason": str(exc)})
        _refuse(pending)
        raise AttachmentMismatch() from exc
    _discard((upload_key,))  # checked and kept elsewhere; a late re-upload there is expired by the lifecycle
    return checked


def _process(key: str, data: bytes, content_type: str) -> _Checked:
    """Store what is served: an image re-encoded (over the original) with its thumbnail beside it;
    another file as it is (re-put with its checked type). NotWhatItSays for an image Pillow refuses."""
    if content_type in IMAGE_TYPES:
        clean = clean_image(data, content_type)
        thumbnail_key = key.rsplit("/", 1)[0] + "/thumbnail.webp"
        storage.put(key, clean.data, content_type=content_type)
        storage.put(thumbnail_key, clean.thumbnail, content_type="image/webp")
        return _Checked(
            content_type=content_type,
            size=len(clean.data),
            stored_bytes=len(clean.data) + len(clean.thumbnail),
            thumbnail_key=thumbnail_key,
            width=clean.width,
            height=clean.height,
            keys=(key, thumbnail_key),
        )
    storage.put(key, data, content_type=content_type)
    return _Checked(
        content_type=content_type,
        size=len(data),
        stored_bytes=len(data),
        thumbnail_key=None,
        width=None,
        height=None,
        keys=(key,),
    )


@contextlib.contextmanager
def _refused_on_failure(pending: repo.PendingAttachment, checked: _Checked) -> Iterator[None]:
    """A checked file whose message cannot be written (the storage limit, a conversation closed
    meanwhile) is not kept: once the transaction rolled back, its objects and its row go."""
    try:
        yield
    except (StorageLimitReached, ConversationClosed, ConversationNotFound):
        _discard(checked.keys)
        with connection() as conn, conn.transaction():
            repo.delete_attachment(conn, pending.id)
        raise


def _refuse(pending: repo.PendingAttachment) -> None:
    """A refused upload leaves nothing behind: its objects, then its row."""
    _discard((_upload_key_of(pending), pending.object_key))
    with connection() as conn, conn.transaction():
        repo.delete_attachment(conn, pending.id)


def _discard(keys: tuple[str, ...]) -> None:
    try:
        storage.delete(*keys)
    except Exception:  # a failed delete must not hide the refusal; the bucket's lifecycle sweeps it later
        _logger.exception("could not delete a refused attachment's objects")


def _mark_ready(conn: Connection, attachment_id: UUID, message_id: UUID, checked: _Checked) -> None:
    repo.mark_ready(
        conn,
        attachment_id=attachment_id,
        message_id=message_id,
        content_type=checked.content_type,
        size=checked.size,
        stored_bytes=checked.stored_bytes,
        thumbnail_key=checked.thumbnail_key,
        width=checked.width,
        height=checked.height,
    )


def _message_events(organization_id: UUID, conversation_id: UUID, message_id: UUID) -> list[DomainEvent]:
    return [
        ConversationUpdated(organization_id=organization_id, conversation_id=conversation_id),
        MessageCreated(organization_id=organization_id, conversation_id=conversation_id, message_id=message_id),
    ]
