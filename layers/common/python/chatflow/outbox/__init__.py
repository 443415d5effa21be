"""Domain events and their delivery: the transactional outbox (see service.py for the whole story)."""

from chatflow.outbox.models import (
    ConversationCreated,
    ConversationHandoff,
    ConversationRated,
    ConversationRead,
    ConversationUpdated,
    DomainEvent,
    KnowledgeGapFound,
    KnowledgeModelChanged,
    KnowledgeWebsiteSyncRequested,
    MessageCreated,
    NoteCreated,
    OfflineMessageLeft,
    TranscriptRequested,
    UsageLimitExceeded,
)
from chatflow.outbox.service import DispatchOutcome, Listener, dispatch, listener, parse_signal, signal, sweep

__all__ = [
    "ConversationCreated",
    "ConversationHandoff",
    "ConversationRated",
    "ConversationRead",
    "ConversationUpdated",
    "DispatchOutcome",
    "DomainEvent",
    "KnowledgeGapFound",
    "KnowledgeModelChanged",
    "KnowledgeWebsiteSyncRequested",
    "Listener",
    "MessageCreated",
    "NoteCreated",
    "OfflineMessageLeft",
    "TranscriptRequested",
    "UsageLimitExceeded",
    "dispatch",
    "listener",
    "parse_signal",
    "signal",
    "sweep",
]
