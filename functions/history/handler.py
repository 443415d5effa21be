"""GET /api/chat/{conversationId} — a visitor's conversation, oldest message first."""

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
