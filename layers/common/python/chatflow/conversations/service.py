"""The conversation service: a visitor's message in, the answer out.

A POST is at most three round trips here (the handler adds one before, counting its rate limits):
load everything (channel, settings, conversation, history, a prior attempt of the same
clientMessageId, whether the channel has knowledge), write the visitor's
message with its usage and its events, write the answer with its usage and its events. Where the
channel has knowledge, retrieving the passages for the message costs one more (hybrid search in one
query). The AI is called between the two writes, outside any transaction, so a slow provider never
holds a database connection's locks and a failing one never loses the message. Once a month, the
first conversation over the plan costs one round trip more (claiming the over-limit notice).

Each message is answered in the language it is written in (chatflow.language_detection): the
conversation's when it says nothing of its own, the widget's for a first message that says nothing.

Whatever others must learn (operators' live updates, the handoff email, the over-limit email) is
an event written in the same statement as its change (chatflow.outbox) and signalled once, after
the writes, to the dispatch queue: the visitor never waits for a socket or a mail server.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from chatflow import outbox
from chatflow.ai import answer
from chatflow.ai.base import HandoffRequest
from chatflow.ai.prompt import HistoryEntry
from chatflow.ai_settings import EffectiveAIConfig, effective_config
from chatflow.business_hours.notice import notice_for
from chatflow.conversations import message_repository as messages
from chatflow.conversations import repository as repo
from chatflow.conversations.models import MessageView, PostResult
from chatflow.conversations.streaming import DeltaStream
from chatflow.db import Connection, connection
from chatflow.errors import ChannelNotFound, ConversationChanged, ConversationNotFound
from chatflow.handoff import asks_for_human
from chatflow.language_detection import language_of_message
from chatflow.languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES, normalize_language, text
from chatflow.notifications.over_limit import claim_over_limit_notice
from chatflow.origins import check_origin
from chatflow.outbox import (
    ConversationCreated,
    ConversationHandoff,
    ConversationUpdated,
    DomainEvent,
    KnowledgeGapFound,
    MessageCreated,
    UsageLimitExceeded,
)
from chatflow.settings import Settings, get_settings
from chatflow.vocabulary import Language

__all__ = ["post_visitor_message"]

_logger = logging.getLogger(__name__)

# Each lost race (a concurrent retry, a close in between) costs one reload; two are plenty.
_MAX_ATTEMPTS = 3


def post_visitor_message(
    *,
    public_key: UUID,
    visitor_id: UUID,
    message: str,
    conversation_id: UUID | None = None,
    language: Language | None = None,
    page_url: str | None = None,
    client_message_id: UUID | None = None,
    origin: str | None = None,
    visitor_metadata: dict[str, Any] | None = None,
    sent_at: datetime | None = None,
) -> PostResult:
    """`sent_at`: when an outside channel's customer wrote it (Meta's timestamp); past that channel's
    window the AI does not answer it (chatflow.meta.window.note_window_closed)."""
    settings = get_settings()
    event_ids: list[UUID] = []
    try:
        with connection() as conn:
            return _post(
                conn,
                settings,
                event_ids,
                public_key=public_key,
                visitor_id=visitor_id,
                message=message,
                conversation_id=conversation_id,
                language=language,
                page_url=page_url,
                client_message_id=client_message_id,
                origin=origin,
                visitor_metadata=visitor_metadata,
                sent_at=sent_at,
            )
    finally:
        # Once the connection is back in the pool (a Lambda's holds one): one signal for whatever
        # was written, the visitor's message and its answer.
        outbox.signal(event_ids, settings=settings)


def _post(
    conn: Connection,
    settings: Settings,
    event_ids: list[UUID],
    *,
    public_key: UUID,
    visitor_id: UUID,
    message: str,
    conversation_id: UUID | None,
    language: Language | None,
    page_url: str | None,
    client_message_id: UUID | None,
    origin: str | None,
    visitor_metadata: dict[str, Any] | None,
    sent_at: datetime | None = None,
) -> PostResult:
    """Write the visitor's message and its answer; the ids of the events written are appended to `event_ids`."""
    for _ in range(_MAX_ATTEMPTS):
        ctx = repo.load_post_context(
            conn,
            public_key=public_key,
            visitor_id=visitor_id,
            conversation_id=conversation_id,
            client_message_id=client_message_id,
            history_limit=settings.chat_history_messages,
        )
        if ctx is None:
            raise ChannelNotFound("No active channel has this public key.")
        check_origin(ctx.allowed_origins, origin)
        if conversation_id is not None and ctx.conversation is None and ctx.prior is None:
            raise ConversationNotFound("This conversation does not exist for this visitor.")
        config = effective_config(ctx.organization, ctx.channel)

        if ctx.prior is not None and ctx.conversation is not None:
            return _answer_again(conn, ctx, ctx.conversation, ctx.prior, config, settings, event_ids, sent_at)

        open_conversation = ctx.conversation if ctx.conversation and ctx.conversation.status != "closed" else None
        already_human = open_conversation is not None and open_conversation.responder_mode == "human"
        handoff = config.handoff_enabled and not already_human and asks_for_human(message, config.handoff_keywords)
        # The message's own language; when it says nothing of its own ("ok", an order number), the
        # conversation's, or, for a first message, what the widget shows.
        lang = language_of_message(
            message,
            normalize_language(open_conversation.language if open_conversation else None)
            or language
            or DEFAULT_LANGUAGE,
        )
        message_id = uuid4()
        if open_conversation is None:
            # A closed conversation is never reopened by the visitor: a new one starts (and is billed).
            new_id = uuid4()
            events = _visitor_events(
                ConversationCreated(
                    organization_id=ctx.organization_id, conversation_id=new_id, channel_id=ctx.channel_id
                ),
                message_id,
                handoff=handoff,
            )
            written = messages.insert_opening_message(
                conn,
                conversation_id=new_id,
                message_id=message_id,
                channel_id=ctx.channel_id,
                organization_id=ctx.organization_id,
                visitor_id=visitor_id,
                content=message,
                client_message_id=client_message_id,
                language=lang,
                handoff=handoff,
                page_url=page_url,
                visitor_metadata=visitor_metadata or {},
                events=events,
            )
            history: list[HistoryEntry] = []
        else:
            events = _visitor_events(
                ConversationUpdated(organization_id=ctx.organization_id, conversation_id=open_conversation.id),
                message_id,
                handoff=handoff,
            )
            written = messages.insert_visitor_message(
                conn,
                message_id=message_id,
                conversation_id=open_conversation.id,
                content=message,
                client_message_id=client_message_id,
                language=lang,
                handoff=handoff,
                events=events,
            )
            history = ctx.history
        if written is None:
            continue  # lost a race; what won is visible on reload
        _logger.info(
            "visitor message stored",
            extra={"conversation_id": str(written.conversation.id), "handoff": handoff},
        )
        event_ids += [e.id for e in events]
        event_ids += _claim_over_limit_notice(conn, organization_id=ctx.organization_id, written=written)
        reply, ai_handoff = _reply_to(
            conn,
            organization_id=ctx.organization_id,
            channel_id=ctx.channel_id,
            has_knowledge=ctx.has_knowledge,
            conversation=written.conversation,
            visitor_message_id=written.id,
            message=message,
            language=lang,
            history=history,
            handoff=handoff,
            config=config,
            platform_encrypted_key=ctx.platform_encrypted_key,
            hours=ctx.business_hours,
            visitor_zone=ctx.visitor_zone,
            settings=settings,
            event_ids=event_ids,
            sent_at=sent_at,
        )
        return PostResult(
            conversation_id=written.conversation.id,
            status="pending" if ai_handoff else written.conversation.status,
            responder_mode="human" if ai_handoff else written.conversation.responder_mode,
            handoff=handoff or ai_handoff,
            reply=reply,
        )
    raise ConversationChanged()


def _visitor_events(conversation_event: DomainEvent, message_id: UUID, *, handoff: bool) -> list[DomainEvent]:
    assert conversation_event.conversation_id is not None
    organization_id, conversation_id = conversation_event.organization_id, conversation_event.conversation_id
    events: list[DomainEvent] = [
        conversation_event,
        MessageCreated(organization_id=organization_id, conversation_id=conversation_id, message_id=message_id),
    ]
    if handoff:
        handoff_event = ConversationHandoff(
            organization_id=organization_id,
            conversation_id=conversation_id,
            requested_by="visitor",
            source="keyword",
            reason="visitor_asked",
        )
        events.append(handoff_event)
    return events


def _claim_over_limit_notice(
    conn: Connection, *, organization_id: UUID, written: messages.WrittenMessage
) -> list[UUID]:
    """The month's conversations just passed the plan: claim the month's notice, with its event
    (only one request of those racing past the limit wins it). The event's id, or none."""
    usage = written.month_usage
    if usage is None or not usage.over_limit_notice_due:
        return []
    event = UsageLimitExceeded(
        organization_id=organization_id,
        month=written.created_at.astimezone(UTC).date().replace(day=1),
        conversations=usage.conversations,
        plan=usage.plan,
    )
    return [event.id] if claim_over_limit_notice(conn, event) else []


def _answer_again(
    conn: Connection,
    ctx: repo.PostContext,
    conversation: messages.ConversationState,
    prior: repo.PriorMessage,
    config: EffectiveAIConfig,
    settings: Settings,
    event_ids: list[UUID],
    sent_at: datetime | None = None,
) -> PostResult:
    """A retry of a message already stored: the first answer, or the answer the first attempt never wrote."""
    reply, ai_handoff = prior.reply, False
    if reply is None and conversation.responder_mode == "ai":
        reply, ai_handoff = _reply_to(
            conn,
            organization_id=ctx.organization_id,
            channel_id=ctx.channel_id,
            has_knowledge=ctx.has_knowledge,
            conversation=conversation,
            visitor_message_id=prior.id,
            message=prior.content,
            language=prior.language or normalize_language(conversation.language) or DEFAULT_LANGUAGE,
            history=ctx.history,
            handoff=False,
            config=config,
            platform_encrypted_key=ctx.platform_encrypted_key,
            hours=ctx.business_hours,
            visitor_zone=ctx.visitor_zone,
            settings=settings,
            event_ids=event_ids,
            sent_at=sent_at,
        )
    return PostResult(
        conversation_id=conversation.id,
        status="pending" if ai_handoff else conversation.status,
        responder_mode="human" if ai_handoff else conversation.responder_mode,
        handoff=reply is not None and reply.role == "system",
        reply=reply,
    )


def _reply_to(
    conn: Connection,
    *,
    organization_id: UUID,
    channel_id: UUID,
    has_knowledge: bool,
    conversation: messages.ConversationState,
    visitor_message_id: UUID,
    message: str,
    language: Language,
    history: list[HistoryEntry],
    handoff: bool,
    config: EffectiveAIConfig,
    platform_encrypted_key: str | None,
    settings: Settings,
    event_ids: list[UUID],
    hours: dict[str, Any] | None = None,
    visitor_zone: str | None = None,
    sent_at: datetime | None = None,
) -> tuple[MessageView | None, bool]:
    """The answer to the visitor's message, stored with its events (their ids appended to
    `event_ids`), and whether the AI handed the conversation to a person (its handoff_to_human tool);
    no answer when a person is in charge. It speaks `language`, the visitor message's."""
    chunk_ids: list[UUID] | None = None
    ai_handoff: HandoffRequest | None = None
    gap: Literal["no_passage", "cannot_answer"] | None = None
    recording = sent_at is not None and _is_recording_without_words(message)
    if handoff:
        # Outside the channel's business hours the notice says when people are back (chatflow.business_hours).
        notice = notice_for(hours, visitor_zone, language).content
        role, content, model, tokens, is_ai = "system", notice, None, 0, False
    elif conversation.responder_mode == "human":
        return None, False  # a person is in charge; the AI stays silent
    elif sent_at is not None and _past_meta_window(sent_at):
        # Meta would refuse the answer (a message handled late): none is generated, the agents are told.
        from chatflow.meta.window import note_window_closed

        noted = note_window_closed(
            conn, organization_id=organization_id, conversation_id=conversation.id, sent_at=sent_at, language=language
        )
        event_ids += [e.id for e in noted]
        return None, False
    elif recording:
        # A WhatsApp or Messenger voice note or video without words: no model can hear it, so none is
        # asked (no tokens, no "nothing in our knowledge" answer); the customer is asked to write.
        content = _ask_for_words(language, history)
        role, model, tokens, is_ai = "system", None, 0, False
    reply_id = uuid4()
    if not handoff and not recording:
        # The answer's id is known before its first word, so that the frames streamed to the widget
        # and the stored message are one message to it.
        stream = DeltaStream(
            conn, settings, organization_id=organization_id, conversation_id=conversation.id, message_id=reply_id
        )
        try:
            answered = answer(
                conn,
                organization_id=organization_id,
                channel_id=channel_id,
                has_knowledge=has_knowledge,
                config=config,
                platform_encrypted_key=platform_encrypted_key,
                language=language,
                history=history,
                message=message,
                settings=settings,
                log_context={"conversation_id": str(conversation.id)},
                offer_handoff=config.handoff_enabled,
                on_delta=stream,
            )
        finally:
            stream.close()
        role, content, model, tokens = "ai", answered.content, answered.model, answered.tokens_used
        is_ai, chunk_ids = answered.from_model, answered.chunk_ids
        if answered.passages == []:
            # Retrieval ran and abstained: nothing in the knowledge answers it. (Imported here, as the
            # knowledge is: a channel without any never loads it.)
            from chatflow.knowledge.gaps import is_question

            if is_question(message):
                gap = "no_passage"
        if not content.strip():
            # A tool call where none was offered (handoff off), and no words: say something all the same.
            content, is_ai = text("ai_fallback", language), False
        if answered.cut:
            # The stream broke: the visitor keeps what came, and the stored message says it was cut.
            content = f"{content}\n\n{text('ai_cut', language)}"
            _logger.warning("the AI's answer was cut off", extra={"conversation_id": str(conversation.id)})
        if answered.handoff is not None and config.handoff_enabled:
            # The model asked for a person: the keyword's notice, in the visitor's language, and
            # nothing of what it may have said besides (a person answers from now on).
            ai_handoff = answered.handoff
            if ai_handoff.reason == "cannot_answer":
                gap = "cannot_answer"
            notice = notice_for(hours, visitor_zone, language).content
            role, content, chunk_ids = "system", notice, None
            _logger.info(
                "the AI handed the conversation to a person",
                extra={"conversation_id": str(conversation.id), "reason": ai_handoff.reason},
            )
    events: list[DomainEvent] = [
        ConversationUpdated(organization_id=organization_id, conversation_id=conversation.id),
        MessageCreated(organization_id=organization_id, conversation_id=conversation.id, message_id=reply_id),
    ]
    if ai_handoff is not None:
        events.append(
            ConversationHandoff(
                organization_id=organization_id,
                conversation_id=conversation.id,
                requested_by="visitor",
                source="ai",
                reason=ai_handoff.reason,
                summary=ai_handoff.summary,
            )
        )
    if gap is not None:
        # The knowledge gaps' list learns of it (chatflow.knowledge.gaps), off the visitor's request.
        events.append(
            KnowledgeGapFound(
                organization_id=organization_id,
                conversation_id=conversation.id,
                message_id=visitor_message_id,
                reason=gap,
                language=language,
            )
        )
    stored = messages.insert_reply(
        conn,
        message_id=reply_id,
        conversation_id=conversation.id,
        organization_id=organization_id,
        reply_to=visitor_message_id,
        role=role,
        content=content,
        model=model,
        tokens_used=tokens,
        counts_as_ai_message=is_ai,
        knowledge_chunk_ids=chunk_ids,
        language=language,
        events=events,
        handoff=ai_handoff,
    )
    if stored is not None:
        event_ids += [e.id for e in events]
        return stored, ai_handoff is not None
    found = messages.find_reply(conn, reply_to=visitor_message_id)
    return found, found is not None and found.role == "system"


def _is_recording_without_words(message: str) -> bool:
    from chatflow.meta.payloads import is_recording_without_words

    return is_recording_without_words(message)


def _ask_for_words(language: Language, history: list[HistoryEntry]) -> str:
    """In the conversation's language; in both while the customer has written nothing yet, for a
    voice note says nothing of theirs."""
    if any(h.role == "visitor" and not _is_recording_without_words(h.content) for h in history):
        return text("meta_recording_without_words", language)
    others = [other for other in LANGUAGE_NAMES if other != language]
    return "\n\n".join(text("meta_recording_without_words", spoken) for spoken in (language, *others))


def _past_meta_window(sent_at: datetime) -> bool:
    from chatflow.meta.window import SERVICE_WINDOW

    return datetime.now(UTC) - sent_at >= SERVICE_WINDOW
