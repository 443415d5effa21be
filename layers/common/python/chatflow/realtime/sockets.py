"""A socket's life: who may connect ($connect), forgetting it ($disconnect), answering it ($default).

Browsers cannot set headers on a WebSocket, so credentials come in the query string: an operator's
Cognito access token, or a visitor's public key, visitor id and conversation, checked exactly as
the widget API checks them. A refusal is a DomainError (401, 403 or 404) and writes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from chatflow.access import load_caller
from chatflow.db import connection
from chatflow.errors import ChannelNotFound, ConversationNotFound, NoOrganization
from chatflow.origins import check_origin
from chatflow.realtime import connections as repo
from chatflow.realtime.publisher import send
from chatflow.settings import get_settings

__all__ = [
    "DashboardCredentials",
    "WidgetCredentials",
    "answer",
    "connect_dashboard",
    "connect_widget",
    "disconnect",
    "load_token_verifier",
]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DashboardCredentials:
    token: str
    organization_id: UUID | None = None  # only this organisation's events; None: all of the caller's


@dataclass(frozen=True, slots=True)
class WidgetCredentials:
    public_key: UUID
    visitor_id: UUID
    conversation_id: UUID | None = None  # None: before the visitor's first message
    origin: str | None = None  # the page's Origin header, checked against the channel's allowed origins


def connect_dashboard(connection_id: str, credentials: DashboardCredentials) -> None:
    """An operator's socket: a valid access token of an active user with an organisation (any user
    who is a super admin). With an organisation, the caller must be a member of it (404 otherwise,
    as the API answers for another tenant's organisation)."""
    # Only an operator's socket needs PyJWT and cryptography (~25 ms to import): a visitor's connect
    # does not wait for them. With SnapStart they are in the snapshot (load_token_verifier).
    from chatflow.auth.tokens import verify_access_token

    claims = verify_access_token(credentials.token, get_settings())
    with connection() as conn:
        caller = load_caller(conn, claims.sub, token_issued_at=claims.issued_at)
        if credentials.organization_id is not None:
            caller.require_member(credentials.organization_id)
        elif not caller.is_super_admin and not caller.memberships:
            raise NoOrganization()
        repo.insert_dashboard_connection(
            conn, connection_id=connection_id, user_id=caller.user_id, organization_id=credentials.organization_id
        )
    _logger.info("dashboard connected", extra={"connection_id": connection_id, "user_id": caller.user_id})


def load_token_verifier() -> None:
    """Into a SnapStart snapshot: what an operator's connect imports."""
    import chatflow.auth.tokens  # noqa: F401


def connect_widget(connection_id: str, credentials: WidgetCredentials) -> None:
    """A visitor's socket on an active channel: on one conversation of theirs, or (no conversation
    named) on the one their next message starts there."""
    with connection() as conn:
        found = repo.find_widget_channel(
            conn,
            public_key=credentials.public_key,
            visitor_id=credentials.visitor_id,
            conversation_id=credentials.conversation_id,
        )
        if found is None and credentials.conversation_id is not None:
            raise ConversationNotFound("This conversation does not exist for this visitor.")
        if found is None:
            raise ChannelNotFound("No active channel has this public key.")
        check_origin(found.allowed_origins, credentials.origin)
        repo.insert_widget_connection(conn, connection_id=connection_id, visitor_id=credentials.visitor_id, found=found)
    _logger.info(
        "widget connected", extra={"connection_id": connection_id, "conversation_id": str(found.conversation_id)}
    )


def disconnect(connection_id: str) -> None:
    with connection() as conn:
        repo.delete_connection(conn, connection_id=connection_id)


def answer(connection_id: str, body: str | None) -> None:
    """A client's message: `{"action": "ping"}` gets `{"type": "pong"}` (clients ping to keep API
    Gateway's 10-minute idle timeout away); `{"action": "watch", "conversationId": "…" | null}` from a
    dashboard names the conversation its operator has open, whose AI answers then stream to it
    (`message.delta`, chatflow.conversations.streaming); `typing` and `read` are presence
    (chatflow.inbox.presence); `profile` from a widget is what it knows of its visitor
    (chatflow.inbox.profile); anything else is ignored."""
    message = _message(body)
    action = message.get("action")
    if action == "ping":
        send(connection_id, {"type": "pong"})
    elif action == "watch":
        _watch(connection_id, message.get("conversationId"))
    elif action in ("typing", "read"):
        _presence(connection_id, action, message.get("typing") is True)
    elif action == "profile" and connection_kind(connection_id) == "widget":
        from chatflow.inbox.profile import update_from_widget

        update_from_widget(connection_id, message)


def _presence(connection_id: str, action: str, typing: bool) -> None:
    """`{"action": "typing", "typing": bool}` from either side (an operator's for the conversation it
    watches), `{"action": "read"}` from a widget: chatflow.inbox.presence. A connection that may not
    (a closed conversation, a dashboard watching nothing) is ignored, as any other message."""
    from chatflow.inbox import presence  # the inbox imports realtime: import it when used

    kind = connection_kind(connection_id)
    if action == "typing" and kind == "widget":
        presence.visitor_typing(connection_id, typing)
    elif action == "typing" and kind == "dashboard":
        presence.agent_typing(connection_id, typing)
    elif action == "read" and kind == "widget":
        presence.visitor_read(connection_id)


def connection_kind(connection_id: str) -> str | None:
    with connection() as conn:
        row = conn.execute("SELECT kind FROM ws_connections WHERE connection_id = %s", (connection_id,)).fetchone()
    return row["kind"] if row else None


_WATCH = """
UPDATE ws_connections w SET conversation_id = (
    SELECT c.id FROM conversations c JOIN users u ON u.id = w.user_id AND u.active
    WHERE c.id = %(conversation_id)s::uuid
      AND (w.organization_id IS NULL OR w.organization_id = c.organization_id)
      AND (u.is_super_admin OR EXISTS (SELECT FROM organization_members m
                                       WHERE m.user_id = u.id AND m.organization_id = c.organization_id))
)
WHERE w.connection_id = %(connection_id)s AND w.kind = 'dashboard'
"""


def _watch(connection_id: str, conversation_id: Any) -> None:
    """The dashboard's open conversation, if its user may see it (else none, silently: an id of
    another organisation reads exactly as one that does not exist)."""
    try:
        watched = UUID(conversation_id) if isinstance(conversation_id, str) else None
    except ValueError:
        watched = None
    with connection() as conn:
        conn.execute(_WATCH, {"conversation_id": watched, "connection_id": connection_id})


def _message(body: str | None) -> dict[str, Any]:
    try:
        message: Any = json.loads(body or "")
    except (ValueError, RecursionError):
        return {}
    return message if isinstance(message, dict) else {}
