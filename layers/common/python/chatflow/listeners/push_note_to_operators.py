"""A private note, live, to the operators of its organisation: dashboard sockets only (the frame has
no widget form, so chatflow.realtime never posts it to a visitor)."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow import realtime
from chatflow.db import Connection
from chatflow.notes import load_note
from chatflow.notes.views import NoteOut
from chatflow.outbox import DomainEvent, NoteCreated, listener

__all__ = ["push_note_to_operators"]


@listener(NoteCreated)
def push_note_to_operators(conn: Connection, events: Sequence[DomainEvent]) -> None:
    frames = []
    for event in events:
        if not isinstance(event, NoteCreated):
            continue
        note = load_note(conn, event.note_id)
        if note is None:
            continue  # its conversation was erased since
        frames.append(
            realtime.note_created(
                NoteOut.from_domain(note).wire(),
                conversation_id=note.conversation_id,
                organization_id=note.organization_id,
            )
        )
    realtime.publish(frames, conn=conn)
