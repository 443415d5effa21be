"""Reading the widget API's API Gateway events, shared by its three functions: the JSON body, the
query, path UUIDs, the origin, what we keep of the visitor's browser and the visitor's language.
What cannot be read is refused with the edge's errors (chatflow_edge.errors) before the domain is
asked."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from chatflow.errors import InvalidInput
from chatflow.languages import DEFAULT_LANGUAGE
from chatflow.text import storable
from chatflow.vocabulary import Language
from chatflow_edge.errors import (
    BodyTooLarge,
    InvalidJson,
    InvalidUuid,
    MessageEmpty,
    MessageTooLong,
    MissingField,
    RequestError,
)
from chatflow_edge.language import caller_language
from chatflow_edge.widget_api.models import MAX_MESSAGE_CHARS

__all__ = [
    "MAX_BODY_BYTES",
    "headers_of",
    "origin_of",
    "parse_body",
    "parse_query",
    "parse_uuid",
    "visitor_language",
    "visitor_metadata",
]

MAX_BODY_BYTES = 64 * 1024

Model = TypeVar("Model", bound=BaseModel)


def parse_body(event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    data = _json_body(event)
    if not isinstance(data, dict):
        raise InvalidJson(variant="not_object")
    return _validate(model, data)


# What one request reads more than once (the body: its own model, then the userJwt beside it; the
# headers: limits, origin, metadata) is kept on the event object for that request: Powertools builds
# `event.headers` afresh, a case-insensitive copy of every header, on each read.
_DECODED_BODY = "_chatflow_json_body"
_HEADERS = "_chatflow_headers"


def headers_of(event: APIGatewayProxyEvent) -> Mapping[str, str]:
    """The request's headers, case-insensitive, built once per request."""
    kept: Mapping[str, str] | None = event.__dict__.get(_HEADERS)
    if kept is None:
        kept = event.__dict__[_HEADERS] = event.headers
    return kept


def _json_body(event: APIGatewayProxyEvent) -> Any:
    """The body as JSON, decoded once per request (only a body that decodes is kept: a refusal is
    raised again on the next read)."""
    if _DECODED_BODY not in event.__dict__:
        event.__dict__[_DECODED_BODY] = _decode_json_body(event)
    return event.__dict__[_DECODED_BODY]


def _decode_json_body(event: APIGatewayProxyEvent) -> Any:
    """Read here rather than through Powertools' `decoded_body`, which raises on bytes that are not
    UTF-8, on broken base64 and on text that cannot be encoded: input, not bugs."""
    raw = _body_bytes(event)
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(MAX_BODY_BYTES)
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidJson() from exc


def _body_bytes(event: APIGatewayProxyEvent) -> bytes:
    body = event.body or ""
    # A body within the limit is at most this long even in base64 (four characters for three bytes):
    # anything longer is refused before it is decoded.
    if len(body) > (MAX_BODY_BYTES + 2) // 3 * 4 + 4:
        raise BodyTooLarge(MAX_BODY_BYTES)
    try:
        return base64.b64decode(body, validate=True) if event.is_base64_encoded else body.encode("utf-8")
    except ValueError as exc:  # broken base64 (binascii.Error), or text with lone surrogates
        raise InvalidJson() from exc


def parse_query(event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    return _validate(model, dict(event.query_string_parameters or {}))


def parse_uuid(value: str | None, field: str) -> UUID:
    try:
        return UUID(value or "")
    except ValueError as exc:
        raise InvalidUuid(field) from exc


def _validate(model: type[Model], data: dict[str, Any]) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _bad_request(exc) from exc


def _bad_request(exc: ValidationError) -> RequestError | InvalidInput:
    """The first problem, as a code a client can branch on and a sentence a person can read."""
    error = exc.errors(include_url=False, include_input=False)[0]
    field = str(error["loc"][0]) if error["loc"] else "body"
    kind = error["type"]
    if kind == "missing":
        return MissingField(field)
    if kind.startswith("uuid"):
        return InvalidUuid(field)
    if field == "message" and kind == "string_too_short":
        return MessageEmpty()
    if field == "message" and kind == "string_too_long":
        return MessageTooLong(MAX_MESSAGE_CHARS)
    return InvalidInput(f"{field}: {error['msg']}.", variant="field", field=field)


def visitor_language(event: APIGatewayProxyEvent, fallback: Language = DEFAULT_LANGUAGE) -> Language:
    """The language to answer the visitor in: the body's `lang` (what the widget shows), else the
    browser's Accept-Language, else `fallback`. Asked only when refusing, so the body is read again
    rather than carried from parse_body, which may be what failed."""
    try:
        data = _json_body(event)
    except RequestError:
        data = None
    chosen = data.get("lang") if isinstance(data, dict) else None
    return caller_language(
        headers_of(event).get("accept-language"), fallback, chosen=chosen if isinstance(chosen, str) else None
    )


def origin_of(event: APIGatewayProxyEvent) -> str | None:
    return headers_of(event).get("origin") or None


def visitor_metadata(event: APIGatewayProxyEvent) -> dict[str, str]:
    """What we keep about the visitor's browser: enough to help an agent, no IP address."""
    metadata = {}
    headers = headers_of(event)
    for header, key in (("user-agent", "userAgent"), ("accept-language", "acceptLanguage"), ("referer", "referrer")):
        value = _storable_or_none((headers.get(header) or "")[:500])
        if value:
            metadata[key] = value
    return metadata


def _storable_or_none(value: str) -> str | None:
    # A header PostgreSQL cannot store (a NUL, a lone surrogate) is the client's noise: dropped, not a 500.
    try:
        return storable(value)
    except ValueError:
        return None
