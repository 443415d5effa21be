"""The operators' API: a FastAPI app, one router per resource, every route under /api/dashboard."""

from __future__ import annotations

import logging
import types
import typing
from typing import Any

import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from chatflow.errors import InvalidInput
from chatflow_edge.errors import (
    REFUSALS,
    AnswerCode,
    InvalidJson,
    Refusal,
    answer_body,
    error_body,
    headers_of,
    status_of,
)
from dependencies import caller_language_of
from routers import (
    ai_settings,
    api_tokens,
    attachments,
    audit,
    auth,
    business_hours,
    canned_replies,
    channels,
    conversations,
    getting_started,
    inbox_settings,
    knowledge,
    knowledge_gaps,
    knowledge_websites,
    labels,
    me,
    notes,
    organizations,
    platform,
    reports,
    stats,
    transcripts,
    usage,
    users,
    visitor_data,
    visitor_identity,
    visitors,
    webhooks,
)

# One line per resource; the order is the order of the OpenAPI document.
ROUTERS = [
    auth.router,
    me.router,
    organizations.router,
    getting_started.router,
    users.router,
    channels.router,
    business_hours.router,
    knowledge.router,
    knowledge_gaps.router,
    knowledge_websites.router,
    ai_settings.router,
    platform.router,
    conversations.router,
    attachments.router,
    transcripts.router,
    inbox_settings.router,
    notes.router,
    labels.router,
    canned_replies.router,
    usage.router,
    reports.router,
    stats.router,
    webhooks.router,
    api_tokens.router,
    visitor_identity.router,
    visitors.router,
    audit.router,
    visitor_data.router,
]

PREFIX = "/api/dashboard"

_logger = logging.getLogger("chatflow.dashboard_api")

# Every answer of the API carries these; the SPA is served from another origin (CloudFront).
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def _error(request: Request, status: int, code: AnswerCode) -> JSONResponse:
    # The headers here too: an unexpected error is answered outside every middleware.
    language = caller_language_of(request)
    return JSONResponse(
        status_code=status,
        content=answer_body(code, language),
        headers={**SECURITY_HEADERS, "Content-Language": language},
    )


def _refused(request: Request, error: Refusal) -> JSONResponse:
    """A domain or edge error, with the status the one table of chatflow_edge.errors gives it, in
    the caller's language; Content-Language says which, so that the SPA can tell our words from a
    gateway's."""
    language = caller_language_of(request)
    return JSONResponse(
        status_code=status_of(error),
        content=error_body(error, language),
        headers={**SECURITY_HEADERS, "Content-Language": language, **headers_of(error)},
    )


class _SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _is_list(annotation: object) -> bool:
    """list[X], or list[X] | None."""
    if typing.get_origin(annotation) is list:
        return True
    return (
        any(_is_list(arg) for arg in typing.get_args(annotation))
        if typing.get_origin(annotation)
        in (
            typing.Union,
            types.UnionType,
        )
        else False
    )


def _one_value_each(request: Request) -> None:
    """A query parameter given twice where the route takes one value: refused, not silently the last."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    fields = get_flat_params(route.dependant)
    repeatable = {field.alias for field in fields if _is_list(field.field_info.annotation)}
    for name in {key for key, _ in request.query_params.multi_items()}:
        if name not in repeatable and len(request.query_params.getlist(name)) > 1:
            raise InvalidInput(f"{name}: give it once", variant="field", field=name)


def create_app() -> FastAPI:
    app = FastAPI(
        dependencies=[Depends(_one_value_each)],
        title="ChatFlow360 dashboard API",
        version="1.0.0",
        description="Everything the operators' app calls: sign-in, organisations, users, channels, "
        'AI settings, the inbox, usage and figures. Errors are `{"error": {"code", "message"}}`.',
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.add_middleware(_SecurityHeaders)

    async def _refusal(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, REFUSALS)
        return _refused(request, exc)

    for refusal in REFUSALS:
        app.add_exception_handler(refusal, _refusal)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "body"
        if first.get("type") == "json_invalid":
            return _refused(request, InvalidJson())
        # pydantic's detail is English: other languages get the catalogue's sentence naming the field.
        return _refused(request, InvalidInput(f"{where}: {first.get('msg')}", variant="field", field=where))

    @app.exception_handler(psycopg.errors.DataError)
    async def _unstorable(request: Request, exc: psycopg.errors.DataError) -> JSONResponse:
        # Input that passed validation but that PostgreSQL cannot hold (a NUL in text, a number out
        # of range): the client's mistake, not ours.
        return _refused(request, InvalidInput(variant="unstorable"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes: dict[int, AnswerCode] = {404: "route_not_found", 405: "method_not_allowed"}
        return _error(request, exc.status_code, codes.get(exc.status_code, "http_error"))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _logger.exception("unhandled error")
        return _error(request, 500, "internal_error")

    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    app.openapi = lambda: _openapi_with_our_errors(app)  # type: ignore[method-assign]
    return app


def _openapi_with_our_errors(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents validation failures as 422 with its own body; this API answers 400 with
    the error shape every other failure has (schemas.Error, declared on every router), so the
    document says that."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        error = {
            "description": "Invalid request",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses["400"] = error
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


app = create_app()
