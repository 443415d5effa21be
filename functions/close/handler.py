"""PATCH /api/chat/{conversationId} — the visitor ends the conversation (idempotent); DELETE — the
visitor deletes it (closed, messages redacted, unlinked from the visitor)."""

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
