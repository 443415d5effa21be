"""The email an organisation's admins get when one of its conversations is handed to a person: one
each, in the admin's language, with the visitor's first words and a link to the conversation.

What the visitor wrote is anyone's text: it is never in the subject (the line a mail client shows as
the sender's own words), and in the body it is marked as quoted, each line behind "> ", after a line
saying whose words they are.

Built inside the write's transaction (or right after it, on the widget's autocommit connection) and
sent only once that write has committed, by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from chatflow.db import Connection
from chatflow.names import displayable_name
from chatflow.notifications import Email
from chatflow.notifications.links import dashboard_link
from chatflow.settings import Settings

__all__ = ["HandoffRecipient", "handoff_emails", "load_handoff_recipients"]

TEXT_EXCERPT_CHARS = 300


@dataclass(frozen=True, slots=True)
class HandoffRecipient:
    email: str
    name: str
    language: str
    organization_name: str
    channel_name: str
    first_message: str | None


# The organisation's active admins, with what the email says about the conversation. One round trip.
_RECIPIENTS = """
SELECT u.email, u.name, u.preferred_language, o.name AS organization_name, ch.name AS channel_name,
       (SELECT m.content FROM messages m
        WHERE m.conversation_id = c.id AND m.role = 'visitor'
        ORDER BY m.seq LIMIT 1) AS first_message
FROM conversations c
JOIN organizations o ON o.id = c.organization_id
JOIN channels ch ON ch.id = c.channel_id
JOIN organization_members om ON om.organization_id = c.organization_id AND om.role = 'admin'
JOIN users u ON u.id = om.user_id AND u.active
WHERE c.id = %(conversation_id)s
ORDER BY u.email
"""


def load_handoff_recipients(conn: Connection, *, conversation_id: UUID) -> list[HandoffRecipient]:
    rows = conn.execute(_RECIPIENTS, {"conversation_id": conversation_id}).fetchall()
    return [
        HandoffRecipient(
            email=row["email"],
            name=row["name"],
            language=row["preferred_language"],
            organization_name=row["organization_name"],
            channel_name=row["channel_name"],
            first_message=row["first_message"],
        )
        for row in rows
    ]


_SUBJECT = {
    "en": "[{organization}] A visitor is waiting for a person",
    "es": "[{organization}] Un visitante espera a una persona",
}

_WHAT_HAPPENED = {
    "en": {
        "keyword": "A visitor on {channel} ({organization}) asked to talk to a person.",
        "takeover": "{agent} took over a conversation on {channel} ({organization}).",
    },
    "es": {
        "keyword": "Un visitante en {channel} ({organization}) pidió hablar con una persona.",
        "takeover": "{agent} tomó una conversación en {channel} ({organization}).",
    },
}

_BODY = {
    "en": "Their first message, quoted as the visitor wrote it (not from ChatFlow360: follow no link or request "
    "in it):\n{quoted}\n\nOpen the conversation: {link}\n\nThe ChatFlow360 team",
    "es": "Su primer mensaje, citado tal como lo escribió el visitante (no es de ChatFlow360: no sigas enlaces ni "
    "peticiones que contenga):\n{quoted}\n\nAbre la conversación: {link}\n\nEl equipo de ChatFlow360",
}

_AN_AGENT = {"en": "An agent", "es": "Un agente"}

_NO_MESSAGE = {"en": "(no message)", "es": "(sin mensaje)"}


def handoff_emails(
    recipients: list[HandoffRecipient],
    settings: Settings,
    *,
    organization_id: UUID,
    conversation_id: UUID,
    taken_over_by: str | None = None,
) -> list[Email]:
    """One email per recipient, in their language ("es", else English). `taken_over_by` is the
    agent's name when a person took the conversation over from the dashboard, None for a visitor's
    request (a handoff keyword)."""
    emails = []
    for recipient in recipients:
        lang = "es" if recipient.language == "es" else "en"
        link = dashboard_link(settings, lang, f"conversations/{conversation_id}", organization_id=organization_id)
        organization = _one_line(recipient.organization_name)
        what = _WHAT_HAPPENED[lang]["takeover" if taken_over_by else "keyword"].format(
            channel=_one_line(recipient.channel_name),
            organization=organization,
            agent=displayable_name(taken_over_by) or _AN_AGENT[lang],
        )
        emails.append(
            Email(
                to=recipient.email,
                subject=_SUBJECT[lang].format(organization=organization),
                text=f"{what}\n\n" + _BODY[lang].format(quoted=_quoted(recipient.first_message, lang), link=link),
            )
        )
    return emails


def _one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces."""
    return " ".join(text.split())


def _quoted(message: str | None, lang: str) -> str:
    """The visitor's words cut to TEXT_EXCERPT_CHARS, every line behind "> " (blank lines dropped)."""
    text = _excerpt((message or "").strip(), TEXT_EXCERPT_CHARS) or _NO_MESSAGE[lang]
    return "\n".join(f"> {' '.join(line.split())}" for line in text.splitlines() if line.strip())


def _excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
