"""POST /api/chat/offline — the widget's offline form, outside the channel's business hours: an email
and a message open a conversation that waits in the inbox; the organisation's members are emailed
(chatflow.business_hours.offline)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.business_hours.offline import leave_offline_message
from chatflow.channels import kept_page_url_of
from chatflow.languages import DEFAULT_LANGUAGE
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow_edge.widget_api import build_resolver, limit_request, origin_of, parse_body
from chatflow_edge.widget_api.conversation_extras import OfflineMessageRequest, OfflineMessageResponse

app = build_resolver()


@app.post("/api/chat/offline")
def post_offline_message() -> dict[str, object]:
    request = parse_body(app.current_event, OfflineMessageRequest)
    # Counted as a chat message: it opens a conversation as one does.
    limit_request(app.current_event, "chat_post", request.visitor_id)
    left = leave_offline_message(
        public_key=request.public_key,
        visitor_id=request.visitor_id,
        email=request.email,
        message=request.message,
        language=request.language or DEFAULT_LANGUAGE,
        page_url=kept_page_url_of(request.public_key, request.page_url),
        client_message_id=request.client_message_id,
        origin=origin_of(app.current_event),
    )
    return OfflineMessageResponse.of(left).dump()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
