"""A visitor gets the copy of their conversation they (or an agent) asked for, in the language asked."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.notifications import send_all
from chatflow.outbox import DomainEvent, TranscriptRequested, listener
from chatflow.settings import get_settings
from chatflow.transcripts import load_transcript, transcript_email

__all__ = ["email_transcript"]


@listener(TranscriptRequested)
def email_transcript(conn: Connection, events: Sequence[DomainEvent]) -> None:
    settings = get_settings()
    for event in events:
        assert isinstance(event, TranscriptRequested)
        assert event.conversation_id is not None
        facts = load_transcript(conn, event.conversation_id)
        email = None if facts is None else transcript_email(facts, event.language)
        if email is not None:  # none when the conversation or its address is gone (an erasure) since
            send_all(settings, [email])
