"""Request parsing and error responses of the widget API, shared by its three functions."""

from __future__ import annotations

import base64
import json
from typing import Any, TypeVar
from uuid import UUID

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from chatflow.errors import BadRequest, DomainError, PayloadTooLarge
from chatflow.observability import logger
from chatflow.text import storable
from chatflow.widget_api.models import MAX_MESSAGE_CHARS

__all__ = [
    "MAX_BODY_BYTES",
    "build_resolver",
    "origin_of",
    "parse_body",
    "parse_query",
    "parse_uuid",
    "visitor_metadata",
]

MAX_BODY_BYTES = 64 * 1024

Model = TypeVar("Model", bound=BaseModel)

# CORS is open; a channel that lists allowed origins is enforced by the domain (403), which a
# header alone could not do for non-browser clients.
# Retry-After is exposed so that a widget on another origin can read how long to wait after a 429.
_CORS = CORSConfig(allow_origin="*", allow_headers=["Content-Type"], expose_headers=["Retry-After"], max_age=600)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message}},
        headers=headers,
    )


def build_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(cors=_CORS)

    @app.exception_handler(DomainError)  # type: ignore[untyped-decorator]
    def _domain_error(exc: DomainError) -> Response[Any]:
        if exc.status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "cause": type(exc.__cause__).__name__})
        return _error(exc.status, exc.code, exc.message, exc.headers or None)

    @app.not_found
    def _not_found(_exc: Exception) -> Response[Any]:
        return _error(404, "route_not_found", "No such endpoint.")

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(exc: Exception) -> Response[Any]:
        # A bug, not bad input: logged with its traceback, answered without it.
        logger.exception("unhandled error")
        return _error(500, "internal_error", "Something went wrong on our side.")

    return app


def parse_body(event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    data = _json_body(event)
    if not isinstance(data, dict):
        raise BadRequest("invalid_json", "The request body must be a JSON object.")
    return _validate(model, data)


def _json_body(event: APIGatewayProxyEvent) -> Any:
    """The body as JSON. Read here rather than through Powertools' `decoded_body`, which raises on
    bytes that are not UTF-8, on broken base64 and on text that cannot be encoded: input, not bugs."""
    raw = _body_bytes(event)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge("payload_too_large", f"The request body is over {MAX_BODY_BYTES // 1024} KiB.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadRequest("invalid_json", "The request body is not valid JSON.") from exc


def _body_bytes(event: APIGatewayProxyEvent) -> bytes:
    body = event.body or ""
    # A body within the limit is at most this long even in base64 (four characters for three bytes):
    # anything longer is refused before it is decoded.
    if len(body) > (MAX_BODY_BYTES + 2) // 3 * 4 + 4:
        raise PayloadTooLarge("payload_too_large", f"The request body is over {MAX_BODY_BYTES // 1024} KiB.")
    try:
        return base64.b64decode(body, validate=True) if event.is_base64_encoded else body.encode("utf-8")
    except ValueError as exc:  # broken base64 (binascii.Error), or text with lone surrogates
        raise BadRequest("invalid_json", "The request body is not valid JSON.") from exc


def parse_query(event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    return _validate(model, dict(event.query_string_parameters or {}))


def parse_uuid(value: str | None, field: str) -> UUID:
    try:
        return UUID(value or "")
    except ValueError as exc:
        raise BadRequest("invalid_uuid", f"{field} must be a UUID.") from exc


def _validate(model: type[Model], data: dict[str, Any]) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _bad_request(exc) from exc


def _bad_request(exc: ValidationError) -> BadRequest:
    """The first problem, as a code a client can branch on and a sentence a person can read."""
    error = exc.errors(include_url=False, include_input=False)[0]
    field = str(error["loc"][0]) if error["loc"] else "body"
    kind = error["type"]
    if kind == "missing":
        return BadRequest("missing_field", f"{field} is required.")
    if kind.startswith("uuid"):
        return BadRequest("invalid_uuid", f"{field} must be a UUID.")
    if field == "message" and kind == "string_too_short":
        return BadRequest("message_empty", "message must not be empty.")
    if field == "message" and kind == "string_too_long":
        return BadRequest("message_too_long", f"message must be at most {MAX_MESSAGE_CHARS} characters.")
    return BadRequest("invalid_field", f"{field}: {error['msg']}.")


def origin_of(event: APIGatewayProxyEvent) -> str | None:
    return event.headers.get("origin") or None


def visitor_metadata(event: APIGatewayProxyEvent) -> dict[str, str]:
    """What we keep about the visitor's browser: enough to help an agent, no IP address."""
    metadata = {}
    for header, key in (("user-agent", "userAgent"), ("accept-language", "acceptLanguage"), ("referer", "referrer")):
        value = _storable_or_none((event.headers.get(header) or "")[:500])
        if value:
            metadata[key] = value
    return metadata


def _storable_or_none(value: str) -> str | None:
    # A header PostgreSQL cannot store (a NUL, a lone surrogate) is the client's noise: dropped, not a 500.
    try:
        return storable(value)
    except ValueError:
        return None
