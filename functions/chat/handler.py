"""POST /api/chat — a visitor's message in, the AI's answer (or a person's promise) out.
POST /api/chat/identify — a business's signed user becomes the same visitor on every device
(chatflow.visitor_identity): their visitor id and their open conversation."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from snapshot_restore_py import register_before_snapshot

from chatflow import channels, language_detection, visitor_identity
from chatflow.conversations import post_visitor_message
from chatflow.errors import ChannelNotFound
from chatflow.observability import correlation_paths, logger, metrics, trace_handler
from chatflow_edge.widget_api import (
    ChatResponse,
    build_resolver,
    json_response,
    limit_request,
    origin_of,
    parse_body,
    visitor_metadata,
)
from chatflow_edge.widget_api.identity import ChatWithIdentityRequest, IdentifyRequest, with_identity

app = build_resolver()

# With SnapStart, lingua's models (loaded by a first message with a word outside the lexicon: 30-50
# ms of CPU) go into the snapshot rather than into a restored environment's first answer. Without
# SnapStart (the local stack) nothing calls this and the cold start stays as short as it was.
register_before_snapshot(language_detection.warm_up)


@app.post("/api/chat")
def post_chat() -> Response[str]:
    request = parse_body(app.current_event, ChatWithIdentityRequest)  # one validation, the token's included
    limit_request(app.current_event, "chat_post", request.visitor_id)
    # A signed user speaks as their own visitor, whichever browser this is; 401 for a bad token, or
    # for none where the channel requires one.
    identified = visitor_identity.identify(request.public_key, request.user_jwt)
    result = post_visitor_message(
        public_key=request.public_key,
        visitor_id=request.visitor_id if identified is None else identified.visitor_id,
        message=request.message,
        conversation_id=request.conversation_id,
        language=request.language,
        page_url=channels.kept_page_url_of(request.public_key, request.page_url),
        client_message_id=request.client_message_id,
        origin=origin_of(app.current_event),
        visitor_metadata=with_identity(visitor_metadata(app.current_event), identified),
    )
    metrics.add_metric(name="VisitorMessages", unit=MetricUnit.Count, value=1)
    # A signed user's answer carries their visitor id: the widget uses it for its reads and its socket.
    return json_response(ChatResponse.of(result, visitor_id=None if identified is None else identified.visitor_id))


@app.post("/api/chat/identify")
def post_identify() -> dict[str, object]:
    request = parse_body(app.current_event, IdentifyRequest)
    limit_request(app.current_event, "chat_get")
    identified = visitor_identity.identify(request.public_key, request.user_jwt)
    if identified is None:
        raise ChannelNotFound()
    conversation_id = visitor_identity.latest_conversation(identified)
    return {
        "visitorId": str(identified.visitor_id),
        "conversationId": None if conversation_id is None else str(conversation_id),
        "verified": True,
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
