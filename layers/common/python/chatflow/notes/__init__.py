"""Private notes on conversations, between operators only (see service.py)."""

from chatflow.notes.repository import Mention, Note, load_note
from chatflow.notes.service import (
    MAX_MENTIONS,
    MAX_NOTE_CHARS,
    add_note,
    list_mentions,
    list_notes,
    mark_mentions_read,
)

__all__ = [
    "MAX_MENTIONS",
    "MAX_NOTE_CHARS",
    "Mention",
    "Note",
    "add_note",
    "list_mentions",
    "list_notes",
    "load_note",
    "mark_mentions_read",
]
