"""Domain events and their delivery: the transactional outbox (see service.py for the whole story)."""

from chatflow.outbox.models import (
    ConversationCreated,
    ConversationHandoff,
    ConversationRead,
    ConversationUpdated,
    DomainEvent,
    MessageCreated,
    NoteCreated,
    UsageLimitExceeded,
)
from chatflow.outbox.service import DispatchOutcome, Listener, dispatch, listener, parse_signal, signal, sweep

__all__ = [
    "ConversationCreated",
    "ConversationHandoff",
    "ConversationRead",
    "ConversationUpdated",
    "DispatchOutcome",
    "DomainEvent",
    "Listener",
    "MessageCreated",
    "NoteCreated",
    "UsageLimitExceeded",
    "dispatch",
    "listener",
    "parse_signal",
    "signal",
    "sweep",
]
