"""POST /api/chat/{conversationId}/transcript — the visitor asks for a copy of the conversation by
email, to the address they left, in their language (chatflow.transcripts); the email goes out from
the dispatch function (listener email_transcript)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow.transcripts import request_transcript
from chatflow_edge.widget_api import build_resolver, limit_request, origin_of, parse_body, parse_uuid
from chatflow_edge.widget_api.conversation_extras import TranscriptRequest, TranscriptResponse

app = build_resolver()


@app.post("/api/chat/<conversation_id>/transcript")
def post_transcript(conversation_id: str) -> dict[str, object]:
    conversation = parse_uuid(conversation_id, "conversationId")
    request = parse_body(app.current_event, TranscriptRequest)
    limit_request(app.current_event, "chat_patch", request.visitor_id)
    sent = request_transcript(
        conversation_id=conversation,
        visitor_id=request.visitor_id,
        language=request.language,
        origin=origin_of(app.current_event),
    )
    return TranscriptResponse.of(sent).dump()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
