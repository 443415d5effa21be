"""The conversation service: a visitor's message in, the answer out.

A POST is at most three round trips here (the handler adds one before, counting its rate limits):
load everything (channel, settings, conversation, history, a prior attempt of the same
clientMessageId, whether the channel has knowledge), write the visitor's
message with its usage, write the answer with its usage. Where the channel has knowledge, retrieving
the passages for the message costs one more (hybrid search in one query). The AI is called between
the two writes, outside any transaction, so a slow provider never holds a database connection's
locks and a failing one never loses the message.
Where a WebSocket API is configured, publishing the new messages to live operators costs two more
(what changed, who listens). Only a handoff (finding the admins to email) and, once a month, the
first conversation over the plan (claiming the over-limit notice) cost one round trip more each.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from chatflow import realtime
from chatflow.ai.prompt import HistoryEntry
from chatflow.ai_config import EffectiveAIConfig, effective_config
from chatflow.answering import answer
from chatflow.conversations import repository as repo
from chatflow.conversations.models import ConversationView, MessageView, PostResult
from chatflow.db import Connection, connection
from chatflow.errors import Forbidden, NotFound, ServiceUnavailable
from chatflow.handoff import asks_for_human
from chatflow.languages import DEFAULT_LANGUAGE, Language, normalize_language, text
from chatflow.settings import Settings, get_settings

__all__ = ["HISTORY_PAGE_LIMIT", "close_conversation", "get_conversation", "post_visitor_message"]

_logger = logging.getLogger(__name__)

HISTORY_PAGE_LIMIT = 1_000
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
) -> PostResult:
    settings = get_settings()
    with connection() as conn:
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
                raise NotFound("channel_not_found", "No active channel has this public key.")
            _check_origin(ctx.allowed_origins, origin)
            if conversation_id is not None and ctx.conversation is None and ctx.prior is None:
                raise NotFound("conversation_not_found", "This conversation does not exist for this visitor.")
            config = effective_config(ctx.organization, ctx.channel)

            if ctx.prior is not None and ctx.conversation is not None:
                return _answer_again(conn, ctx, ctx.conversation, ctx.prior, config, settings)

            open_conversation = ctx.conversation if ctx.conversation and ctx.conversation.status != "closed" else None
            already_human = open_conversation is not None and open_conversation.responder_mode == "human"
            handoff = config.handoff_enabled and not already_human and asks_for_human(message, config.handoff_keywords)
            lang = language or normalize_language(open_conversation.language if open_conversation else None)
            lang = lang or DEFAULT_LANGUAGE
            if open_conversation is None:
                # A closed conversation is never reopened by the visitor: a new one starts (and is billed).
                written = repo.insert_opening_message(
                    conn,
                    channel_id=ctx.channel_id,
                    organization_id=ctx.organization_id,
                    visitor_id=visitor_id,
                    content=message,
                    client_message_id=client_message_id,
                    language=lang,
                    handoff=handoff,
                    page_url=page_url,
                    visitor_metadata=visitor_metadata or {},
                )
                history: list[HistoryEntry] = []
            else:
                written = repo.insert_visitor_message(
                    conn,
                    conversation_id=open_conversation.id,
                    content=message,
                    client_message_id=client_message_id,
                    language=lang,
                    handoff=handoff,
                )
                history = ctx.history
            if written is None:
                continue  # lost a race; what won is visible on reload
            _logger.info(
                "visitor message stored",
                extra={"conversation_id": str(written.conversation.id), "handoff": handoff},
            )
            reply = _reply_to(
                conn,
                organization_id=ctx.organization_id,
                channel_id=ctx.channel_id,
                has_knowledge=ctx.has_knowledge,
                conversation=written.conversation,
                visitor_message_id=written.id,
                message=message,
                history=history,
                handoff=handoff,
                config=config,
                platform_encrypted_key=ctx.platform_encrypted_key,
                settings=settings,
            )
            # One publish for the visitor's message and its answer: two more round trips, not four.
            realtime.publish_changes(
                written.conversation.id,
                created=open_conversation is None,
                message_ids=[written.id] if reply is None else [written.id, reply.id],
                conn=conn,
            )
            _notify_operators(conn, settings, organization_id=ctx.organization_id, written=written, handoff=handoff)
            return PostResult(
                conversation_id=written.conversation.id,
                status=written.conversation.status,
                responder_mode=written.conversation.responder_mode,
                handoff=handoff,
                reply=reply,
            )
    raise ServiceUnavailable("conflict_retry", "The conversation changed while the message was stored; retry.")


def _notify_operators(
    conn: Connection, settings: Settings, *, organization_id: UUID, written: repo.WrittenMessage, handoff: bool
) -> None:
    """Email the organisation's admins, once the writes have committed (the connection autocommits):
    a conversation handed to a person, or the month's conversations past the plan for the first time.
    In the normal case neither is due and this costs nothing. It never fails the visitor's request."""
    over_limit_due = written.month_usage is not None and written.month_usage.over_limit_notice_due
    if not handoff and not over_limit_due:
        return
    # Imported here: they bring botocore (~30 ms), which the widget's cold start otherwise never needs.
    from chatflow.notifications import Email, send
    from chatflow.notifications.handoff import handoff_emails, load_handoff_recipients
    from chatflow.notifications.over_limit import claim_over_limit_notice, over_limit_emails

    try:
        emails: list[Email] = []
        if handoff:
            recipients = load_handoff_recipients(conn, conversation_id=written.conversation.id)
            emails += handoff_emails(recipients, settings, conversation_id=written.conversation.id)
        if over_limit_due:
            notice = claim_over_limit_notice(conn, organization_id=organization_id)
            if notice is not None:
                emails += over_limit_emails(notice, settings, organization_id=organization_id)
        for email in emails:
            send(settings, email)
    except Exception:  # a notice is worth less than the visitor's answer
        _logger.exception("operators not notified", extra={"conversation_id": str(written.conversation.id)})


def _answer_again(
    conn: Connection,
    ctx: repo.PostContext,
    conversation: repo.ConversationState,
    prior: repo.PriorMessage,
    config: EffectiveAIConfig,
    settings: Settings,
) -> PostResult:
    """A retry of a message already stored: the first answer, or the answer the first attempt never wrote."""
    reply = prior.reply
    if reply is None and conversation.responder_mode == "ai":
        reply = _reply_to(
            conn,
            organization_id=ctx.organization_id,
            channel_id=ctx.channel_id,
            has_knowledge=ctx.has_knowledge,
            conversation=conversation,
            visitor_message_id=prior.id,
            message=prior.content,
            history=ctx.history,
            handoff=False,
            config=config,
            platform_encrypted_key=ctx.platform_encrypted_key,
            settings=settings,
        )
        if reply is not None:
            realtime.publish_changes(conversation.id, message_ids=[reply.id], conn=conn)
    return PostResult(
        conversation_id=conversation.id,
        status=conversation.status,
        responder_mode=conversation.responder_mode,
        handoff=reply is not None and reply.role == "system",
        reply=reply,
    )


def _reply_to(
    conn: Connection,
    *,
    organization_id: UUID,
    channel_id: UUID,
    has_knowledge: bool,
    conversation: repo.ConversationState,
    visitor_message_id: UUID,
    message: str,
    history: list[HistoryEntry],
    handoff: bool,
    config: EffectiveAIConfig,
    platform_encrypted_key: str | None,
    settings: Settings,
) -> MessageView | None:
    language = normalize_language(conversation.language) or DEFAULT_LANGUAGE
    chunk_ids: list[UUID] | None = None
    if handoff:
        role, content, model, tokens, is_ai = "system", text("handoff_notice", language), None, 0, False
    elif conversation.responder_mode == "human":
        return None  # a person is in charge; the AI stays silent
    else:
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
        )
        role, content, model, tokens = "ai", answered.content, answered.model, answered.tokens_used
        is_ai, chunk_ids = answered.from_model, answered.chunk_ids
    stored = repo.insert_reply(
        conn,
        conversation_id=conversation.id,
        organization_id=organization_id,
        reply_to=visitor_message_id,
        role=role,
        content=content,
        model=model,
        tokens_used=tokens,
        counts_as_ai_message=is_ai,
        knowledge_chunk_ids=chunk_ids,
    )
    return stored if stored is not None else repo.find_reply(conn, reply_to=visitor_message_id)


def _check_origin(allowed_origins: tuple[str, ...], origin: str | None) -> None:
    """A channel that lists origins answers only pages of those origins. Requests without an Origin
    header (not from a browser) pass: the header is a browser's promise, not a credential."""
    if not allowed_origins or origin is None:
        return
    if origin.rstrip("/").lower() not in {o.rstrip("/").lower() for o in allowed_origins}:
        raise Forbidden("origin_not_allowed", "This channel does not accept messages from this website.")


def get_conversation(
    *,
    public_key: UUID,
    visitor_id: UUID,
    conversation_id: UUID,
    after: UUID | None = None,
    origin: str | None = None,
) -> ConversationView:
    with connection() as conn:
        found = repo.load_conversation(
            conn,
            public_key=public_key,
            visitor_id=visitor_id,
            conversation_id=conversation_id,
            after=after,
            limit=HISTORY_PAGE_LIMIT,
        )
    if found is None:
        raise NotFound("conversation_not_found", "This conversation does not exist for this visitor.")
    view, allowed_origins = found
    _check_origin(allowed_origins, origin)
    return view


def close_conversation(*, conversation_id: UUID, visitor_id: UUID) -> None:
    with connection() as conn:
        if not repo.close_conversation(conn, conversation_id=conversation_id, visitor_id=visitor_id):
            raise NotFound("conversation_not_found", "This conversation does not exist for this visitor.")
        realtime.publish_changes(conversation_id, conn=conn)
