"""The one route table: which function answers which method and path.

The local gateway reads it now; the CDK app builds API Gateway's resources from it, so what runs on
a laptop is what runs in AWS. Paths use API Gateway's `{param}` syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CORS_METHODS", "SCHEDULED_FUNCTIONS", "WIDGET_ROUTES", "Route", "ScheduledFunction"]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    function: str  # the folder under functions/


@dataclass(frozen=True, slots=True)
class ScheduledFunction:
    function: str
    rate_minutes: int


WIDGET_ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/chat", "chat"),
    Route("GET", "/api/chat/{conversationId}", "history"),
    Route("PATCH", "/api/chat/{conversationId}", "close"),
)

ROUTES: tuple[Route, ...] = WIDGET_ROUTES

# Answered by API Gateway itself (and the local gateway) for browsers' preflight requests.
CORS_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CORS_HEADERS: tuple[str, ...] = ("Authorization", "Content-Type")

SCHEDULED_FUNCTIONS: tuple[ScheduledFunction, ...] = (ScheduledFunction("cleanup", rate_minutes=60),)
