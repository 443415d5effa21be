"""A conversation's transcript by email, to the address its visitor left, in `language`: the
business's name, each message with its time (in the visitor's time zone when their widget said it,
else UTC) and who wrote it. System notices are the platform's own lines; they are left out, and so
are the operators' private notes (they are not messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from chatflow.db import Connection
from chatflow.notifications import Email

__all__ = ["TranscriptFacts", "load_transcript", "transcript_email", "visitor_email_of"]

MAX_TRANSCRIPT_MESSAGES = 2_000


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    role: str
    author: str | None
    content: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TranscriptFacts:
    business_name: str
    to: str | None
    time_zone: str | None
    started_at: datetime
    lines: list[TranscriptLine]


def visitor_email_of(metadata: dict[str, Any] | None) -> str | None:
    """Where the visitor may be written to: a verified identity's address, the one they typed into the
    widget (the details form, or the 'nobody available' form), else none."""
    meta = metadata or {}
    identity = meta.get("identity") or {}
    profile = meta.get("profile") or {}
    for value in (
        identity.get("email") if identity.get("verified") is True else None,
        profile.get("email"),
        meta.get("contactEmail"),
    ):
        if isinstance(value, str) and "@" in value:
            return value
    return None


_FACTS = """
SELECT coalesce(ch.business_name, o.name) AS business_name, c.visitor_metadata, c.created_at
FROM conversations c
JOIN channels ch ON ch.id = c.channel_id
JOIN organizations o ON o.id = c.organization_id
WHERE c.id = %s
"""

_LINES = """
SELECT m.role, u.name AS author, m.content, m.created_at FROM messages m
LEFT JOIN users u ON u.id = m.author_user_id
WHERE m.conversation_id = %s AND m.role IN ('visitor', 'ai', 'agent')
ORDER BY m.seq LIMIT %s
"""


def load_transcript(conn: Connection, conversation_id: UUID) -> TranscriptFacts | None:
    row = conn.execute(_FACTS, (conversation_id,)).fetchone()
    if row is None:
        return None
    meta = row["visitor_metadata"] or {}
    zone = (meta.get("profile") or {}).get("timeZone")
    lines = [
        TranscriptLine(r["role"], r["author"], r["content"], r["created_at"])
        for r in conn.execute(_LINES, (conversation_id, MAX_TRANSCRIPT_MESSAGES)).fetchall()
    ]
    return TranscriptFacts(
        business_name=row["business_name"],
        to=visitor_email_of(meta),
        time_zone=zone if isinstance(zone, str) else None,
        started_at=row["created_at"],
        lines=lines,
    )


_SUBJECT = {"en": "Your conversation with {business}", "es": "Tu conversación con {business}"}
_INTRO = {
    "en": "Here is a copy of your conversation with {business}, which started on {started}.",
    "es": "Aquí tienes una copia de tu conversación con {business}, que empezó el {started}.",
}
_WHO = {
    "en": {"visitor": "You", "ai": "Assistant (AI)", "agent": "{name}"},
    "es": {"visitor": "Tú", "ai": "Asistente (IA)", "agent": "{name}"},
}
_AN_AGENT = {"en": "Agent", "es": "Agente"}
_OUTRO = {
    "en": "You received this because you asked for a copy of the chat. Times are {zone}.",
    "es": "Recibes este mensaje porque pediste una copia del chat. Las horas están en {zone}.",
}
_ZONE_NAME = {"en": ("your time ({zone})", "UTC"), "es": ("tu hora ({zone})", "UTC")}


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


def transcript_email(facts: TranscriptFacts, language: str) -> Email | None:
    """None when there is nobody to send it to."""
    if facts.to is None:
        return None
    lang = "es" if language == "es" else "en"
    zone = _zone(facts.time_zone)
    tz = zone or ZoneInfo("UTC")
    business = " ".join(facts.business_name.split())

    def stamp(at: datetime) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    blocks = []
    for line in facts.lines:
        who = _WHO[lang][line.role].format(name=" ".join((line.author or "").split()) or _AN_AGENT[lang])
        body = "\n".join(f"  {text}" for text in line.content.splitlines()) or "  "
        blocks.append(f"[{stamp(line.created_at)}] {who}:\n{body}")
    zone_name = _ZONE_NAME[lang][0].format(zone=facts.time_zone) if zone else _ZONE_NAME[lang][1]
    text = (
        _INTRO[lang].format(business=business, started=stamp(facts.started_at))
        + "\n\n"
        + "\n\n".join(blocks)
        + "\n\n— \n"
        + _OUTRO[lang].format(zone=zone_name)
    )
    return Email(to=facts.to, subject=_SUBJECT[lang].format(business=business), text=text)
