"""GET/POST /api/webhooks/whatsapp and /api/webhooks/messenger — Meta's webhooks.

GET: the subscription handshake (the challenge as text/plain, or 403). POST: the signature over the
raw body first (401, nothing kept), then the body queued for functions/meta_inbound and 200 at once
(chatflow.meta.receiving). Bodies over the limit: 413, before anything else."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.errors import DomainError
from chatflow.meta import receiving
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow_edge.errors import RequestError, proxy_response
from chatflow_edge.meta_webhooks import kind_of, raw_body, signature_of, subscription_query


def _text(status: int, body: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "text/plain; charset=utf-8"}, "body": body}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    kind = kind_of(event)
    method = str(event.get("httpMethod") or "")
    if kind is None or method not in ("GET", "POST"):
        return _text(404, "not found")
    try:
        if method == "GET":
            mode, token, challenge = subscription_query(event)
            return _text(200, receiving.subscribe(kind, mode=mode, verify_token=token, challenge=challenge))
        receiving.receive(kind, raw_body(event), signature_of(event))
        return _text(200, "EVENT_RECEIVED")
    except (DomainError, RequestError) as refused:
        return proxy_response(refused)


cold_start.finished()
