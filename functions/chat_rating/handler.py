"""POST /api/chat/{conversationId}/rating — the visitor rates the conversation that ended (CSAT),
once: the same rating again answers as the first (a retry), a different one 409 `already_rated`
(chatflow.satisfaction)."""

import gc
import os

# The cyclic collector waits while the cold start imports (it would scan the growing heap again and
# again: 5-45 ms of CPU per function here), and what the import built is then frozen out of its reach
# (gc.freeze at the end of this module): it lives as long as the process (docs/benchmarks.md).
gc.disable()
# No pydantic plugin is used: without this, the first model built reads every installed package's
# entry points to look for one (10-17 ms of CPU here).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
