"""GET /api/chat/{conversationId} — a visitor's conversation, oldest message first."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.conversations import get_conversation
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow_edge.widget_api import (
    ConversationResponse,
    HistoryQuery,
    build_resolver,
    limit_request,
    origin_of,
    parse_query,
    parse_uuid,
)

app = build_resolver()


@app.get("/api/chat/<conversation_id>")
def get_chat(conversation_id: str) -> dict[str, object]:
    query = parse_query(app.current_event, HistoryQuery)
    limit_request(app.current_event, "chat_get", query.visitor_id)
    view = get_conversation(
        public_key=query.public_key,
        visitor_id=query.visitor_id,
        conversation_id=parse_uuid(conversation_id, "conversationId"),
        after=query.after,
        origin=origin_of(app.current_event),
    )
    return ConversationResponse.of(view).dump()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
