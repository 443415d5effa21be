"""The widget API's resolver: CORS, and every error answered in the contract's shape through the
one table of chatflow_edge.errors, in the visitor's language."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from pydantic import BaseModel

from chatflow.observability import logger
from chatflow.vocabulary import Language
from chatflow_edge.errors import REFUSALS, Refusal, answer_body, error_body, headers_of, status_of
from chatflow_edge.widget_api.parsing import visitor_language

__all__ = ["build_resolver", "json_response"]

# CORS is open; a channel that lists allowed origins is enforced by the domain (OriginNotAllowed),
# which a header alone could not do for non-browser clients.
# Retry-After is exposed so that a widget on another origin can read how long to wait after a 429.
_CORS = CORSConfig(allow_origin="*", allow_headers=["Content-Type"], expose_headers=["Retry-After"], max_age=600)


def _answer(
    status: int, body: dict[str, Any], language: Language, headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Content-Language": language, **(headers or {})},
    )


def json_response(model: BaseModel) -> Response[str]:
    """A 200 whose body is the model encoded once, by pydantic: not dumped to Python objects first and
    then encoded again by Powertools' serializer."""
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=model.model_dump_json(by_alias=True)
    )


def build_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(cors=_CORS)

    @app.exception_handler(list(REFUSALS))  # type: ignore[untyped-decorator]
    def _refused(exc: Refusal) -> Response[Any]:
        status = status_of(exc)
        if status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "cause": type(exc.__cause__).__name__})
        language = visitor_language(app.current_event)
        return _answer(status, error_body(exc, language), language, headers_of(exc))

    @app.not_found
    def _not_found(_exc: Exception) -> Response[Any]:
        language = visitor_language(app.current_event)
        return _answer(404, answer_body("route_not_found", language), language)

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(exc: Exception) -> Response[Any]:
        # A bug, not bad input: logged with its traceback, answered without it.
        logger.exception("unhandled error")
        language = visitor_language(app.current_event)
        return _answer(500, answer_body("internal_error", language), language)

    return app
