"""The public API's rate limits: each request counts against its client IP and its visitor (the
config call, which names no visitor, against its client IP only)."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from chatflow import rate_limits
from chatflow.settings import get_settings
from chatflow_edge.widget_api.parsing import headers_of

__all__ = ["limit_request"]


def limit_request(event: APIGatewayProxyEvent, action: rate_limits.Action, visitor_id: UUID | None = None) -> None:
    """RateLimited (429 with Retry-After) once this IP or this visitor is over the action's limit."""
    settings = get_settings()
    ip = rate_limits.client_ip(
        event.request_context.identity.source_ip, headers_of(event).get("x-forwarded-for"), settings.trusted_proxies
    )
    keys = [f"ip:{ip}"] if visitor_id is None else [f"ip:{ip}", f"visitor:{visitor_id}"]
    rate_limits.enforce(action, limit=rate_limits.per_minute(settings, action), keys=keys)
