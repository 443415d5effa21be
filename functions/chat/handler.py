"""POST /api/chat — a visitor's message in, the AI's answer (or a person's promise) out."""

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.conversations import post_visitor_message
from chatflow.observability import correlation_paths, logger, metrics, trace_handler
from chatflow_edge.widget_api import (
    ChatRequest,
    ChatResponse,
    build_resolver,
    limit_request,
    origin_of,
    parse_body,
    visitor_metadata,
)

app = build_resolver()


@app.post("/api/chat")
def post_chat() -> dict[str, object]:
    request = parse_body(app.current_event, ChatRequest)
    limit_request(app.current_event, "chat_post", request.visitor_id)
    result = post_visitor_message(
        public_key=request.public_key,
        visitor_id=request.visitor_id,
        message=request.message,
        conversation_id=request.conversation_id,
        language=request.language,
        page_url=request.page_url,
        client_message_id=request.client_message_id,
        origin=origin_of(app.current_event),
        visitor_metadata=visitor_metadata(app.current_event),
    )
    metrics.add_metric(name="VisitorMessages", unit=MetricUnit.Count, value=1)
    return ChatResponse.of(result).dump()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)
