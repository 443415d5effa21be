"""The email a member gets when a colleague names them in a private note: in the member's language,
with the note quoted (a colleague's words, but still text typed into a web form: never in the
subject, each line behind "> ") and a link to the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from chatflow.db import Connection
from chatflow.names import displayable_name
from chatflow.notes.repository import Note
from chatflow.notifications import Email
from chatflow.notifications.links import dashboard_link
from chatflow.settings import Settings

__all__ = ["MentionRecipient", "load_mention_recipients", "mention_emails"]

EXCERPT_CHARS = 500


@dataclass(frozen=True, slots=True)
class MentionRecipient:
    email: str
    language: str
    organization_name: str


def load_mention_recipients(conn: Connection, *, organization_id: UUID, user_ids: list[str]) -> list[MentionRecipient]:
    """Those of `user_ids` who are still active members of the organisation."""
    rows = conn.execute(
        """
        SELECT u.email, u.preferred_language, o.name AS organization_name
        FROM organization_members m
        JOIN users u ON u.id = m.user_id AND u.active
        JOIN organizations o ON o.id = m.organization_id
        WHERE m.organization_id = %s AND m.user_id = ANY(%s)
        ORDER BY u.email
        """,
        (organization_id, user_ids),
    ).fetchall()
    return [MentionRecipient(r["email"], r["preferred_language"], r["organization_name"]) for r in rows]


_SUBJECT = {
    "en": "[{organization}] {author} mentioned you in a note",
    "es": "[{organization}] {author} te mencionó en una nota",
}
_BODY = {
    "en": "{author} mentioned you in a private note on a conversation (the visitor does not see notes):\n"
    "{quoted}\n\nOpen the conversation: {link}\n\nThe ChatFlow360 team",
    "es": "{author} te mencionó en una nota privada de una conversación (el visitante no ve las notas):\n"
    "{quoted}\n\nAbre la conversación: {link}\n\nEl equipo de ChatFlow360",
}
_A_COLLEAGUE = {"en": "A colleague", "es": "Un compañero"}


def mention_emails(recipients: list[MentionRecipient], note: Note, settings: Settings) -> list[Email]:
    emails = []
    for recipient in recipients:
        lang = "es" if recipient.language == "es" else "en"
        author = displayable_name(note.author.name if note.author else None) or _A_COLLEAGUE[lang]
        link = dashboard_link(
            settings, lang, f"conversations/{note.conversation_id}", organization_id=note.organization_id
        )
        emails.append(
            Email(
                to=recipient.email,
                subject=_SUBJECT[lang].format(
                    organization=" ".join(recipient.organization_name.split()), author=author
                ),
                text=_BODY[lang].format(author=author, quoted=_quoted(note.content), link=link),
            )
        )
    return emails


def _quoted(text: str) -> str:
    excerpt = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
    return "\n".join(f"> {' '.join(line.split())}" for line in excerpt.splitlines() if line.strip())
