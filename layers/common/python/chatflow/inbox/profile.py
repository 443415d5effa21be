"""The visitor as an agent sees them: browser, system and device read from the user agent by
ua-parser (a maintained parser, never patterns of ours), their language and time zone, the page
they are on and the pages they came through, the name and email they left (or an agent wrote), and
their earlier conversations on this channel. No IP address is ever stored.

Where it comes from: the user agent and languages from the widget API's headers (visitor_metadata);
`{"action": "profile", "timeZone", "name", "email", "page"}` on the widget's socket
(chatflow.realtime.sockets); an agent's edit through the dashboard API. What a visitor or an agent
writes is kept under visitor_metadata.profile, bounded and storable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from chatflow import audit, outbox
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection, connection
from chatflow.errors import ConversationNotFound, InvalidInput
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as events_repo
from chatflow.page_urls import kept_page_url
from chatflow.text import storable

__all__ = [
    "MAX_PAGES",
    "EarlierConversation",
    "VisitorProfile",
    "load_profile",
    "parse_user_agent",
    "update_from_widget",
    "update_profile",
]

MAX_PAGES = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class EarlierConversation:
    id: UUID
    status: str
    created_at: datetime
    last_message_at: datetime


@dataclass(frozen=True, slots=True)
class VisitorProfile:
    visitor_id: UUID
    browser: str | None
    os: str | None
    device: str | None  # "iPhone", "Samsung SM-G991B"; None for a desktop computer
    languages: str | None  # the browser's Accept-Language
    time_zone: str | None  # IANA, as the widget reported it
    name: str | None
    email: str | None
    verified: bool  # name and email signed by the business (verified identity): agents may not edit them
    page_url: str | None
    pages: tuple[str, ...]
    earlier: tuple[EarlierConversation, ...]


def _version(family: str, major: str | None, minor: str | None) -> str:
    return " ".join(x for x in (family, ".".join(v for v in (major, minor) if v)) if x)


@lru_cache(maxsize=512)
def parse_user_agent(user_agent: str) -> tuple[str | None, str | None, str | None]:
    """(browser, os, device) in words; None where the parser does not know."""
    from ua_parser import parse  # its rules load on first use: not at every cold start

    result = parse(user_agent)
    browser = (
        _version(result.user_agent.family, result.user_agent.major, result.user_agent.minor)
        if result.user_agent
        else None
    )
    system = _version(result.os.family, result.os.major, result.os.minor) if result.os else None
    device = None
    if result.device and result.device.family not in ("Other", "Mac", "Spider"):
        device = " ".join(x for x in (result.device.brand, result.device.model) if x) or result.device.family
    return (
        None if browser in (None, "Other") else browser,
        None if system in (None, "Other") else system,
        device,
    )


_EARLIER = """
SELECT c.id, c.status, c.created_at, c.last_message_at FROM conversations c
WHERE c.channel_id = %(channel_id)s AND c.visitor_id = %(visitor_id)s AND c.id <> %(id)s
ORDER BY c.created_at DESC LIMIT 10
"""


def load_profile(conn: Connection, caller: Caller, conversation_id: UUID) -> VisitorProfile:
    scope = None if caller.is_super_admin else caller.organization_ids
    row = conn.execute(
        "SELECT c.id, c.channel_id, c.visitor_id, c.visitor_metadata, c.page_url FROM conversations c "
        "WHERE c.id = %(id)s AND (%(scope)s::uuid[] IS NULL OR c.organization_id = ANY(%(scope)s::uuid[]))",
        {"id": conversation_id, "scope": scope},
    ).fetchone()
    if row is None:
        raise ConversationNotFound()
    meta: dict[str, Any] = row["visitor_metadata"] or {}
    profile: dict[str, Any] = meta.get("profile") or {}
    identity: dict[str, Any] = meta.get("identity") or {}
    verified = identity.get("verified") is True
    browser, system, device = parse_user_agent(meta["userAgent"]) if meta.get("userAgent") else (None, None, None)
    earlier = conn.execute(
        _EARLIER, {"channel_id": row["channel_id"], "visitor_id": row["visitor_id"], "id": conversation_id}
    ).fetchall()
    return VisitorProfile(
        visitor_id=row["visitor_id"],
        browser=browser,
        os=system,
        device=device,
        languages=meta.get("acceptLanguage"),
        time_zone=profile.get("timeZone"),
        name=(identity.get("name") if verified else None) or profile.get("name"),
        email=(identity.get("email") if verified else None) or profile.get("email") or meta.get("contactEmail"),
        verified=verified,
        page_url=row["page_url"],
        pages=tuple(profile.get("pages") or ()),
        earlier=tuple(EarlierConversation(**e) for e in earlier),
    )


def _clean_name(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:100]
    try:
        return storable(text) or None
    except ValueError:
        return None


def _clean_email(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().lower()[:254]
    return text if _EMAIL.match(text) else None


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def update_profile(caller: Caller, conversation_id: UUID, *, name: str | None, email: str | None) -> VisitorProfile:
    """An agent writes the visitor's name and email (None clears one). A verified identity's are the
    business's own: 400."""
    if email is not None and _clean_email(email) is None:
        raise InvalidInput("email: not an email address", variant="field", field="email")
    scope = None if caller.is_super_admin else caller.organization_ids
    with scoped_connection(caller) as conn:
        row = conn.execute(
            "SELECT organization_id, visitor_metadata FROM conversations c WHERE c.id = %(id)s "
            "AND (%(scope)s::uuid[] IS NULL OR c.organization_id = ANY(%(scope)s::uuid[])) FOR NO KEY UPDATE",
            {"id": conversation_id, "scope": scope},
        ).fetchone()
        if row is None:
            raise ConversationNotFound()
        caller.require_writable(row["organization_id"])
        if ((row["visitor_metadata"] or {}).get("identity") or {}).get("verified") is True:
            raise InvalidInput(
                "name: a verified visitor's name and email are the business's", variant="field", field="name"
            )
        _merge(conn, conversation_id, {"name": _clean_name(name), "email": _clean_email(email) if email else None})
        event = ConversationUpdated(organization_id=row["organization_id"], conversation_id=conversation_id)
        events_repo.add(conn, [event])
        audit.record(
            conn,
            action="visitor.profile_edited",
            organization_id=row["organization_id"],
            actor=caller,
            target=str(conversation_id),
        )
        updated = load_profile(conn, caller, conversation_id)
    outbox.signal([event.id])
    return updated


def _merge(conn: Connection, conversation_id: UUID, fields: dict[str, Any]) -> None:
    conn.execute(
        """
        UPDATE conversations SET visitor_metadata = jsonb_set(
            visitor_metadata, '{profile}', coalesce(visitor_metadata->'profile', '{}'::jsonb) || %(fields)s::jsonb)
        WHERE id = %(id)s
        """,
        {"id": conversation_id, "fields": json.dumps(fields)},
    )


_WIDGET = """
SELECT c.id, c.visitor_metadata, ch.secret_query_parameters FROM ws_connections w
JOIN conversations c ON c.id = w.conversation_id JOIN channels ch ON ch.id = c.channel_id
WHERE w.connection_id = %s AND w.kind = 'widget'
FOR NO KEY UPDATE OF c
"""


def update_from_widget(connection_id: str, message: dict[str, Any]) -> bool:
    """What the visitor's widget says of them: its time zone, the name and email they left, the page
    they are on (appended to the pages of this conversation, without its secret parameters).
    Anything malformed is dropped. True when something was kept."""
    fields: dict[str, Any] = {}
    zone = message.get("timeZone")
    if isinstance(zone, str) and zone in _zones():
        fields["timeZone"] = zone
    name, email = _clean_name(message.get("name")), _clean_email(message.get("email"))
    if name:
        fields["name"] = name
    if email:
        fields["email"] = email
    page = message.get("page")
    with connection() as conn, conn.transaction():
        row = conn.execute(_WIDGET, (connection_id,)).fetchone()
        if row is None:
            return False
        if isinstance(page, str) and page.startswith(("http://", "https://")) and len(page) <= 2000:
            kept = kept_page_url(page, row["secret_query_parameters"] or ())
            pages = list(((row["visitor_metadata"] or {}).get("profile") or {}).get("pages") or [])
            if not pages or pages[-1] != kept:
                fields["pages"] = [*pages, kept][-MAX_PAGES:]
        if not fields:
            return False
        _merge(conn, row["id"], fields)
    return True
