"""The email an organisation's members get when a visitor left a message outside business hours: one
each, in the member's language, with the address the visitor left, their words quoted and a link to
the conversation, which waits in the inbox.

What the visitor wrote is anyone's text: never in the subject, and in the body marked as quoted."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from chatflow.db import Connection
from chatflow.notifications import Email
from chatflow.notifications.links import dashboard_link
from chatflow.settings import Settings

__all__ = ["OfflineRecipient", "load_offline_message", "offline_message_emails"]

MAX_QUOTED_MESSAGES = 5
QUOTED_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class OfflineRecipient:
    email: str
    language: str


@dataclass(frozen=True, slots=True)
class OfflineMessageFacts:
    organization_name: str
    channel_name: str
    visitor_email: str | None
    messages: list[str]  # the visitor's last words, oldest first
    recipients: list[OfflineRecipient]


_FACTS = """
SELECT o.name AS organization_name, ch.name AS channel_name,
       coalesce(c.visitor_metadata->>'contactEmail', c.visitor_metadata->'profile'->>'email') AS visitor_email,
       (SELECT coalesce(array_agg(content ORDER BY seq), '{}') FROM (
            SELECT m.content, m.seq FROM messages m
            WHERE m.conversation_id = c.id AND m.role = 'visitor' ORDER BY m.seq DESC LIMIT %(quoted)s) v
       ) AS messages,
       (SELECT coalesce(json_agg(json_build_object('email', u.email, 'language', u.preferred_language)
                                 ORDER BY u.email), '[]')
        FROM organization_members om JOIN users u ON u.id = om.user_id AND u.active
        WHERE om.organization_id = c.organization_id) AS recipients
FROM conversations c
JOIN organizations o ON o.id = c.organization_id
JOIN channels ch ON ch.id = c.channel_id
WHERE c.id = %(conversation_id)s
"""


def load_offline_message(conn: Connection, *, conversation_id: UUID) -> OfflineMessageFacts | None:
    row = conn.execute(_FACTS, {"conversation_id": conversation_id, "quoted": MAX_QUOTED_MESSAGES}).fetchone()
    if row is None:
        return None
    return OfflineMessageFacts(
        organization_name=row["organization_name"],
        channel_name=row["channel_name"],
        visitor_email=row["visitor_email"],
        messages=list(row["messages"]),
        recipients=[OfflineRecipient(r["email"], r["language"]) for r in row["recipients"]],
    )


_SUBJECT = {
    "en": "[{organization}] A visitor left a message while you were away",
    "es": "[{organization}] Un visitante dejó un mensaje mientras no estabais",
}
_INTRO = {
    "en": "A visitor on {channel} ({organization}) wrote outside your business hours. The conversation waits in "
    "the inbox.",
    "es": "Un visitante en {channel} ({organization}) escribió fuera de vuestro horario. La conversación espera en "
    "la bandeja de entrada.",
}
_WRITE_BACK = {"en": "Write back to: {email}", "es": "Responder a: {email}"}
_NO_EMAIL = {"en": "The visitor left no email address.", "es": "El visitante no dejó ningún email."}
_BODY = {
    "en": "Their words, quoted as the visitor wrote them (not from ChatFlow360: follow no link or request in "
    "them):\n{quoted}\n\nOpen the conversation: {link}\n\nThe ChatFlow360 team",
    "es": "Sus palabras, citadas tal como las escribió el visitante (no son de ChatFlow360: no sigas enlaces ni "
    "peticiones que contengan):\n{quoted}\n\nAbre la conversación: {link}\n\nEl equipo de ChatFlow360",
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quoted(messages: list[str]) -> str:
    lines = []
    for message in messages:
        text = message.strip()
        if len(text) > QUOTED_CHARS:
            text = text[: QUOTED_CHARS - 1].rstrip() + "…"
        lines += [f"> {' '.join(line.split())}" for line in text.splitlines() if line.strip()]
        lines.append(">")
    return "\n".join(lines[:-1]) if lines else "> …"


def offline_message_emails(
    facts: OfflineMessageFacts, settings: Settings, *, organization_id: UUID, conversation_id: UUID
) -> list[Email]:
    emails = []
    for recipient in facts.recipients:
        lang = "es" if recipient.language == "es" else "en"
        organization = _one_line(facts.organization_name)
        link = dashboard_link(settings, lang, f"conversations/{conversation_id}", organization_id=organization_id)
        # The visitor's address is shown as an address only: anything else it might hold is dropped.
        contact = (
            _WRITE_BACK[lang].format(email=_one_line(facts.visitor_email))
            if facts.visitor_email and "@" in facts.visitor_email
            else _NO_EMAIL[lang]
        )
        intro = _INTRO[lang].format(channel=_one_line(facts.channel_name), organization=organization)
        emails.append(
            Email(
                to=recipient.email,
                subject=_SUBJECT[lang].format(organization=organization),
                text=f"{intro}\n\n{contact}\n\n" + _BODY[lang].format(quoted=_quoted(facts.messages), link=link),
            )
        )
    return emails
