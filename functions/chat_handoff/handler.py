"""POST /api/chat/{conversationId}/handoff — the widget's "Talk to a person" (idempotent): the
conversation passes to a person where the channel hands off; where it does not, the answer says
nobody is available, and the visitor may leave an email for the agents (chatflow.conversations.person)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.conversations import ask_for_person
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow_edge.widget_api import (
    HandoffRequest,
    HandoffResponse,
    build_resolver,
    limit_request,
    origin_of,
    parse_body,
    parse_uuid,
)

app = build_resolver()


@app.post("/api/chat/<conversation_id>/handoff")
def post_handoff(conversation_id: str) -> dict[str, object]:
    conversation = parse_uuid(conversation_id, "conversationId")
    request = parse_body(app.current_event, HandoffRequest)
    # As the visitor's other writes to a conversation they already have (PATCH).
    limit_request(app.current_event, "chat_patch", request.visitor_id)
    result = ask_for_person(
        conversation_id=conversation,
        visitor_id=request.visitor_id,
        email=request.email,
        origin=origin_of(app.current_event),
    )
    return HandoffResponse.of(result).dump()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
