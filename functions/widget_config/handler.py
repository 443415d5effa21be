"""GET /api/channels/{publicKey}/config — a channel's look and language, for its widget at start.

Public like the chat (the public key is the credential, the channel's allowed origins apply) and
cacheable: a minute in the browser, then a 304 while nothing changed."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.channels import widget_config
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow_edge.widget_api import (
    build_resolver,
    cacheable,
    limit_request,
    origin_of,
    parse_uuid,
)
from chatflow_edge.widget_api.conversation_extras import WidgetConfigWithHoursResponse

MAX_AGE_SECONDS = 60

app = build_resolver()


@app.get("/api/channels/<public_key>/config")
def get_config(public_key: str) -> Response[Any]:
    event = app.current_event
    key = parse_uuid(public_key, "publicKey")
    limit_request(event, "chat_config")
    config = widget_config(public_key=key, origin=origin_of(event), referer=event.headers.get("referer"))
    return cacheable(
        WidgetConfigWithHoursResponse.of(config).dump(),
        if_none_match=event.headers.get("if-none-match"),
        max_age=MAX_AGE_SECONDS,
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()
