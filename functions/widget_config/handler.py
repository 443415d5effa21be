"""GET /api/channels/{publicKey}/config — a channel's look and language, for its widget at start.

Public like the chat (the public key is the credential, the channel's allowed origins apply) and
cacheable: a minute in the browser, then a 304 while nothing changed."""

import gc
import os

# The cyclic collector waits while the cold start imports (it would scan the growing heap again and
# again: 5-45 ms of CPU per function here), and what the import built is then frozen out of its reach
# (gc.freeze at the end of this module): it lives as long as the process (docs/benchmarks.md).
gc.disable()
# No pydantic plugin is used: without this, the first model built reads every installed package's
# entry points to look for one (10-17 ms of CPU here).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
