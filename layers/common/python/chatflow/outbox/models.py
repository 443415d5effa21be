"""The domain events: what happened, said once, for every listener that must learn about it.

An event names what changed (ids and the facts of the moment), not the state it changed to: a
listener reads the current state when it runs, through the same read model as the REST answers,
so that a live frame, a webhook and a page reload never disagree. Each type is versioned: a change
to an event's fields is a new version, and a listener reads every version still in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID, uuid4

from pydantic import TypeAdapter

__all__ = [
    "EVENT_TYPES",
    "ConversationCreated",
    "ConversationHandoff",
    "ConversationRated",
    "ConversationRead",
    "ConversationUpdated",
    "DomainEvent",
    "KnowledgeGapFound",
    "KnowledgeModelChanged",
    "KnowledgeWebsiteSyncRequested",
    "MessageCreated",
    "NoteCreated",
    "OfflineMessageLeft",
    "TranscriptRequested",
    "UsageLimitExceeded",
    "event_from_record",
]

# Stored in their own columns; everything else an event holds is its payload.
_ENVELOPE = {"id", "organization_id", "conversation_id"}


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    organization_id: UUID
    conversation_id: UUID | None = None
    id: UUID = field(default_factory=uuid4)

    def record_json(self) -> str:
        """The outbox row as a JSON object (`jsonb_to_recordset` reads an array of these), encoded once:
        pydantic writes the payload's JSON itself, rather than Python values for json.dumps to encode."""
        payload = _adapter(type(self)).dump_json(self, exclude=_ENVELOPE).decode()
        # The envelope is ids, a constant type name and a number: nothing in them needs escaping.
        conversation = "null" if self.conversation_id is None else f'"{self.conversation_id}"'
        return (
            f'{{"id":"{self.id}","type":"{self.TYPE}","version":{self.VERSION},'
            f'"organization_id":"{self.organization_id}","conversation_id":{conversation},"payload":{payload}}}'
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationCreated(DomainEvent):
    """A visitor opened a conversation (with its first message, which has its own event)."""

    TYPE: ClassVar[str] = "conversation.created"
    conversation_id: UUID
    channel_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationUpdated(DomainEvent):
    """Its status, who answers, who is assigned or its last activity changed."""

    TYPE: ClassVar[str] = "conversation.updated"
    conversation_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageCreated(DomainEvent):
    TYPE: ClassVar[str] = "message.created"
    conversation_id: UUID
    message_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationHandoff(DomainEvent):
    """The conversation passed from the AI to a person: on the visitor's side (a handoff keyword, the
    widget's "Talk to a person" button, or the AI's handoff_to_human tool: `source`), or an agent took
    it over from the dashboard (`agent_name`). `reason` and `summary`: why, as the conversation
    stores them (the AI's one line for the agent; none for a keyword or the button).

    Version 2 added source, reason and summary; a version-1 row reads with them None."""

    TYPE: ClassVar[str] = "conversation.handoff"
    VERSION: ClassVar[int] = 2
    conversation_id: UUID
    requested_by: Literal["visitor", "agent"]
    agent_name: str | None = None
    source: Literal["keyword", "ai", "button"] | None = None
    reason: Literal["visitor_asked", "cannot_answer", "frustrated", "sensitive", "other"] | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageLimitExceeded(DomainEvent):
    """The month's conversations passed the plan's, for the first time that month. Nobody is cut off."""

    TYPE: ClassVar[str] = "usage.limit_exceeded"
    month: date
    conversations: int
    plan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteCreated(DomainEvent):
    """An operator wrote a private note on a conversation, naming these members (`mentioned_user_ids`).
    For operators only: no listener that reaches a visitor handles it."""

    TYPE: ClassVar[str] = "note.created"
    conversation_id: UUID
    note_id: UUID
    mentioned_user_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationRead(DomainEvent):
    """One side read the conversation: an operator opened it (`agent`), or the visitor's widget showed
    its last message (`visitor`). Told live to the other side (read receipts)."""

    TYPE: ClassVar[str] = "conversation.read"
    conversation_id: UUID
    side: Literal["agent", "visitor"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationRated(DomainEvent):
    """The visitor rated the closed conversation (once): `rating` 1-5 (thumbs: 5 up, 1 down, `scale`
    says which the widget showed), and who gave the last answer before it (`responder`: the AI, or an
    agent, `agent_id`). The comment is read from the conversation, not carried: it is the visitor's text."""

    TYPE: ClassVar[str] = "conversation.rated"
    conversation_id: UUID
    rating: int
    scale: Literal["five", "thumbs"]
    responder: Literal["ai", "agent"] | None = None
    agent_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OfflineMessageLeft(DomainEvent):
    """A visitor left a message for the team outside the channel's business hours (the offline form,
    or an email after an out-of-hours handoff): the conversation waits in the inbox, and the
    organisation's members are emailed."""

    TYPE: ClassVar[str] = "conversation.offline_message"
    conversation_id: UUID
    source: Literal["form", "handoff"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptRequested(DomainEvent):
    """A copy of the conversation is to be emailed to its visitor, in `language`: they asked from the
    widget (`requested_by` visitor), or an agent sent it (`requested_by` agent, `user_id`)."""

    TYPE: ClassVar[str] = "transcript.requested"
    conversation_id: UUID
    language: Literal["en", "es"]
    requested_by: Literal["visitor", "agent"]
    user_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KnowledgeGapFound(DomainEvent):
    """A visitor's question the knowledge could not answer: retrieval found no passage good enough
    (`no_passage`), or the AI handed the conversation to a person because it could not answer
    (`cannot_answer`). `message_id` is the visitor's message; its words are read from it, not carried."""

    TYPE: ClassVar[str] = "knowledge.gap_found"
    conversation_id: UUID
    message_id: UUID
    reason: Literal["no_passage", "cannot_answer"]
    language: Literal["en", "es"]


@dataclass(frozen=True, slots=True, kw_only=True)
class KnowledgeModelChanged(DomainEvent):
    """The organisation's knowledge is embedded with another model now (EMBEDDING_MODEL changed, or a
    key now resolves where none did): its `entries` ready entries of other models (`previous_models`)
    were marked `reembedding`, to be embedded again with `model` through the ingest queue."""

    TYPE: ClassVar[str] = "knowledge.model_changed"
    model: str
    previous_models: tuple[str, ...] = ()
    entries: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class KnowledgeWebsiteSyncRequested(DomainEvent):
    """A website source is to be crawled (again): just added, its weekly turn (`schedule`), or an
    operator's "sync now" (`operator`)."""

    TYPE: ClassVar[str] = "knowledge.website_sync_requested"
    website_id: UUID
    requested_by: Literal["created", "schedule", "operator"]


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.TYPE: cls
    for cls in (
        ConversationCreated,
        ConversationUpdated,
        MessageCreated,
        ConversationHandoff,
        UsageLimitExceeded,
        NoteCreated,
        ConversationRead,
        ConversationRated,
        OfflineMessageLeft,
        TranscriptRequested,
        KnowledgeGapFound,
        KnowledgeModelChanged,
        KnowledgeWebsiteSyncRequested,
    )
}


_adapters: dict[str, TypeAdapter[Any]] = {}


def _adapter(cls: type[DomainEvent]) -> TypeAdapter[Any]:
    # Made on first use: five of them at import would cost every cold start.
    adapter = _adapters.get(cls.TYPE)
    if adapter is None:
        adapter = _adapters[cls.TYPE] = TypeAdapter(cls)
    return adapter


def event_from_record(
    *, id: UUID, type: str, organization_id: UUID, conversation_id: UUID | None, payload: dict[str, Any]
) -> DomainEvent | None:
    """The event an outbox row holds; None for a type this code does not know (written by a newer
    release: left for it)."""
    cls = EVENT_TYPES.get(type)
    if cls is None:
        return None
    known = {f.name for f in fields(cls)}
    event: DomainEvent = _adapter(cls).validate_python(
        {
            **{k: v for k, v in payload.items() if k in known},
            "id": id,
            "organization_id": organization_id,
            "conversation_id": conversation_id,
        }
    )
    return event
