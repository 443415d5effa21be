"""POST /api/chat/{conversationId}/rating — the visitor rates the conversation that ended (CSAT),
once: the same rating again answers as the first (a retry), a different one 409 `already_rated`
(chatflow.satisfaction)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow.satisfaction import rate_conversation
from chatflow_edge.widget_api import build_resolver, limit_request, origin_of, parse_body, parse_uuid
from chatflow_edge.widget_api.conversation_extras import RatingRequest, RatingResponse

app = build_resolver()


@app.post("/api/chat/<conversation_id>/rating")
def post_rating(conversation_id: str) -> dict[str, object]:
    conversation = parse_uuid(conversation_id, "conversationId")
    request = parse_body(app.current_event, RatingRequest)
    # As the visitor's other writes to a conversation they already have (PATCH).
    limit_request(app.current_event, "chat_patch", request.visitor_id)
    result = rate_conversation(
        conversation_id=conversation,
        visitor_id=request.visitor_id,
        rating=request.rating,
        comment=request.comment,
        origin=origin_of(app.current_event),
    )
    return RatingResponse.of(result).dump()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
