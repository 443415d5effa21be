"""PATCH /api/chat/{conversationId} — the visitor ends the conversation (idempotent); DELETE — the
visitor deletes it (closed, messages redacted, unlinked from the visitor)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.conversations import close_conversation
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow.visitor_rights import erase_own_conversation
from chatflow_edge.widget_api import (
    CloseRequest,
    CloseResponse,
    build_resolver,
    limit_request,
    origin_of,
    parse_body,
    parse_uuid,
)

app = build_resolver()


@app.patch("/api/chat/<conversation_id>")
def patch_chat(conversation_id: str) -> dict[str, object]:
    conversation = parse_uuid(conversation_id, "conversationId")
    request = parse_body(app.current_event, CloseRequest)
    limit_request(app.current_event, "chat_patch", request.visitor_id)
    close_conversation(conversation_id=conversation, visitor_id=request.visitor_id, origin=origin_of(app.current_event))
    return CloseResponse(id=conversation).dump()


@app.delete("/api/chat/<conversation_id>")
def delete_chat(conversation_id: str) -> dict[str, object]:
    """The visitor's "delete my conversation": closed, its messages redacted, unlinked from the visitor."""
    conversation = parse_uuid(conversation_id, "conversationId")
    request = parse_body(app.current_event, CloseRequest)
    limit_request(app.current_event, "chat_patch", request.visitor_id)
    erase_own_conversation(
        conversation_id=conversation, visitor_id=request.visitor_id, origin=origin_of(app.current_event)
    )
    return CloseResponse(id=conversation).dump()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
