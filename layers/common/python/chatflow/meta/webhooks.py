"""Meta's webhooks, once received (chatflow.meta.receiving): the customers' messages through the same
conversation pipeline as the widget's visitors, and the statuses and reads of ours.

`handle` reads a queued body: each message becomes a visitor message of its channel's contact (a
stable visitor per wa_id or page-scoped id), idempotent on the provider's message id, which is the
message's clientMessageId: a redelivered webhook, or two at once, stores nothing twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from uuid import UUID, uuid5

from chatflow import outbox
from chatflow.conversations import post_visitor_message
from chatflow.crypto import EncryptionKeyError, decrypt
from chatflow.db import connection
from chatflow.meta import graph
from chatflow.meta import repository as repo
from chatflow.meta.media import keep_media
from chatflow.meta.models import MetaKind
from chatflow.meta.payloads import InboundMessage, ReadUpTo, StatusUpdate, read_payload
from chatflow.meta.receiving import parse_inbound
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as outbox_repo
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings

__all__ = ["Handled", "contact_visitor_id", "handle"]

_logger = logging.getLogger(__name__)

# Names our stable ids for Meta's: a contact's visitor id and a message's clientMessageId.
_NAMESPACE = UUID("3a8f3a52-6c1e-4b0e-9d7e-5a0c8f3d2e61")


def contact_visitor_id(kind: MetaKind, channel_id: UUID, contact_id: str) -> UUID:
    """A WhatsApp wa_id or a Messenger page-scoped id as the visitor it always is on this channel."""
    return uuid5(_NAMESPACE, f"{kind}:{channel_id}:contact:{contact_id}")


def _client_message_id(kind: MetaKind, channel_id: UUID, provider_message_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"{kind}:{channel_id}:message:{provider_message_id}")


@dataclass(frozen=True, slots=True)
class Handled:
    messages: int = 0
    statuses: int = 0
    unrouted: int = 0


def handle(envelope: str, *, settings: Settings | None = None) -> Handled:
    """A queued webhook: each message into its channel's conversation. Malformed JSON, or a number
    or page none of its signers is connected to, is logged and dropped: retrying cannot fix it.
    A failure of the pipeline raises, so that the queue delivers it again (idempotent)."""
    parsed = parse_inbound(envelope)
    if parsed is None:
        _logger.error("inbound envelope unreadable: dropped")
        return Handled()
    kind, signers, body = parsed
    try:
        payload = json.loads(body)
    except ValueError:
        _logger.warning("webhook body is not JSON: dropped", extra={"kind": kind})
        return Handled()
    items = read_payload(kind, payload)
    with connection() as conn:
        routes = repo.routes_for(conn, signers)
    messages = statuses = unrouted = 0
    for item in items:
        route = routes.get(item.account_id)
        if route is None:
            unrouted += 1
            _logger.warning("webhook for a number or page no signer has: dropped", extra={"kind": kind})
            continue
        if isinstance(item, StatusUpdate):
            _record_status(route, item, settings)
            statuses += 1
            continue
        if isinstance(item, ReadUpTo):
            _record_read(route, item, settings)
            statuses += 1
            continue
        _post(kind, route, item)
        messages += 1
    _logger.info(
        "webhook handled", extra={"kind": kind, "messages": messages, "statuses": statuses, "unrouted": unrouted}
    )
    return Handled(messages, statuses, unrouted)


def _record_status(route: repo.Route, item: StatusUpdate, settings: Settings | None) -> None:
    """Our message's delivery state, forward only; the inbox is told (conversation.updated)."""
    with connection() as conn, conn.transaction():
        changed = repo.apply_status(
            conn,
            channel_id=route.channel_id,
            provider_message_id=item.provider_message_id,
            status=item.status,
            error_code=item.error_code,
        )
        event_ids = []
        if changed is not None:
            organization_id, conversation_id, _ = changed
            event = ConversationUpdated(organization_id=organization_id, conversation_id=conversation_id)
            outbox_repo.add(conn, [event])
            event_ids.append(event.id)
    outbox.signal(event_ids, settings=settings)


def _record_read(route: repo.Route, item: ReadUpTo, settings: Settings | None) -> None:
    """Messenger's read receipt: what the person read is marked read; the inbox is told."""
    with connection() as conn, conn.transaction():
        changed = repo.apply_read_up_to(
            conn, channel_id=route.channel_id, contact_id=item.contact_id, watermark=item.watermark
        )
        events = [ConversationUpdated(organization_id=org, conversation_id=conv) for org, conv in changed]
        if events:
            outbox_repo.add(conn, events)
    outbox.signal([e.id for e in events], settings=settings)


def _post(kind: MetaKind, route: repo.Route, item: InboundMessage) -> None:
    visitor_id = contact_visitor_id(kind, route.channel_id, item.contact_id)
    with connection() as conn:
        open_conversation = repo.latest_open_conversation(conn, route.channel_id, visitor_id)
    metadata = {"channel": kind, "contactId": item.contact_id}
    contact_name = item.contact_name
    if contact_name is None and kind == "messenger" and open_conversation is None:
        contact_name = _messenger_name(route.channel_id, item.contact_id)
    if contact_name:
        metadata["contactName"] = contact_name
    client_message_id = _client_message_id(kind, route.channel_id, item.provider_message_id)
    post_visitor_message(
        public_key=route.public_key,
        visitor_id=visitor_id,
        message=item.text,
        conversation_id=open_conversation,
        client_message_id=client_message_id,
        visitor_metadata=metadata,
        sent_at=item.sent_at,
    )
    if item.media is not None:
        keep_media(route.channel_id, client_message_id, item.media)


def _messenger_name(channel_id: UUID, psid: str) -> str | None:
    """Messenger's webhooks carry no name: the person's first and last name from the Graph API's
    user profile (GET /{psid}?fields=first_name,last_name with the page's token), for the inbox.
    Best effort: None when Meta does not give it (the inbox then shows the profile id)."""
    settings = get_settings()
    with connection() as conn:
        row = conn.execute(
            "SELECT encrypted_access_token FROM channel_meta_connections WHERE channel_id = %s", (channel_id,)
        ).fetchone()
    key = encryption_key(settings)
    if row is None or key is None:
        return None
    try:
        token = decrypt(row["encrypted_access_token"], key)
    except EncryptionKeyError:
        return None
    answer = graph.get_object(settings, psid, access_token=token, fields="first_name,last_name")
    if answer.status != 200:
        _logger.info("messenger profile not read", extra={"graph_status": answer.status})
        return None
    parts = [answer.body.get(f) for f in ("first_name", "last_name")]
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return name[:100] or None
