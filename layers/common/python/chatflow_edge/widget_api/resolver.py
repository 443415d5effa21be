"""The widget API's resolver: CORS, and every error answered in the contract's shape through the
one table of chatflow_edge.errors."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types

from chatflow.observability import logger
from chatflow_edge.errors import REFUSALS, Refusal, error_body, headers_of, status_of

__all__ = ["build_resolver"]

# CORS is open; a channel that lists allowed origins is enforced by the domain (OriginNotAllowed),
# which a header alone could not do for non-browser clients.
# Retry-After is exposed so that a widget on another origin can read how long to wait after a 429.
_CORS = CORSConfig(allow_origin="*", allow_headers=["Content-Type"], expose_headers=["Retry-After"], max_age=600)


def _answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def build_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(cors=_CORS)

    @app.exception_handler(list(REFUSALS))  # type: ignore[untyped-decorator]
    def _refused(exc: Refusal) -> Response[Any]:
        status = status_of(exc)
        if status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "cause": type(exc.__cause__).__name__})
        return _answer(status, error_body(exc), headers_of(exc) or None)

    @app.not_found
    def _not_found(_exc: Exception) -> Response[Any]:
        return _answer(404, {"error": {"code": "route_not_found", "message": "No such endpoint."}})

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(exc: Exception) -> Response[Any]:
        # A bug, not bad input: logged with its traceback, answered without it.
        logger.exception("unhandled error")
        return _answer(500, {"error": {"code": "internal_error", "message": "Something went wrong on our side."}})

    return app
