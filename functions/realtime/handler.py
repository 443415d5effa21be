"""The WebSocket API's routes: $connect (authenticates), $disconnect, $default (ping).

API Gateway keeps a socket whose $connect answered 2xx and refuses the handshake otherwise. Query
parameters carry the credentials (browsers cannot set headers on a WebSocket): `token` for an
operator's dashboard, optionally with `organizationId`; `publicKey` and `visitorId` for a visitor's
widget, with `conversationId` once it has one (before the first message it has none: the
conversation that message starts is bound to the socket, so that its first answer streams).
Anything else, bad input included, is refused with 401, 403 or 404 and writes nothing; no input is
worth a 500. A refusal speaks `?lang=` (or the handshake's Accept-Language).
"""

from __future__ import annotations

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.typing import LambdaContext
from snapshot_restore_py import register_before_snapshot

from chatflow.errors import InvalidCredentials
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow.realtime.sockets import (
    DashboardCredentials,
    WidgetCredentials,
    answer,
    connect_dashboard,
    connect_widget,
    disconnect,
    load_token_verifier,
)
from chatflow.vocabulary import Language
from chatflow_edge.errors import REFUSALS, MissingCredentials, NoConnection, proxy_response, status_of
from chatflow_edge.language import caller_language

# A visitor's connect does not import the token verifier; with SnapStart, an operator's does not either.
register_before_snapshot(load_token_verifier)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event.get("requestContext") or {}
    route_key = request.get("routeKey")
    connection_id = request.get("connectionId")
    if not isinstance(connection_id, str) or not connection_id:
        return proxy_response(NoConnection(), _language(event))
    if route_key == "$connect":
        try:
            _connect(connection_id, event)
        except REFUSALS as error:
            logger.info("connection refused", extra={"code": error.code, "status": status_of(error)})
            return proxy_response(error, _language(event))
        return {"statusCode": 200}
    if route_key == "$disconnect":
        disconnect(connection_id)
        return {"statusCode": 200}
    body = event.get("body")
    answer(connection_id, body if isinstance(body, str) and not event.get("isBase64Encoded") else None)
    return {"statusCode": 200}


def _connect(connection_id: str, event: Mapping[str, Any]) -> None:
    query: Mapping[str, Any] = event.get("queryStringParameters") or {}
    if query.get("token"):
        organization_id = _uuid(query, "organizationId") if query.get("organizationId") else None
        connect_dashboard(
            connection_id, DashboardCredentials(token=str(query["token"]), organization_id=organization_id)
        )
    elif query.get("publicKey"):
        connect_widget(
            connection_id,
            WidgetCredentials(
                public_key=_uuid(query, "publicKey"),
                visitor_id=_uuid(query, "visitorId"),
                conversation_id=_uuid(query, "conversationId") if query.get("conversationId") else None,
                origin=_header(event, "origin"),
            ),
        )
    else:
        raise MissingCredentials()


def _uuid(query: Mapping[str, Any], name: str) -> UUID:
    value = query.get(name)
    if not value:
        raise MissingCredentials(variant="parameter", parameter=name)
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidCredentials(variant="not_uuid", parameter=name) from None


def _language(event: Mapping[str, Any]) -> Language:
    lang = (event.get("queryStringParameters") or {}).get("lang")
    return caller_language(_header(event, "accept-language"), chosen=lang if isinstance(lang, str) else None)


def _header(event: Mapping[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name and isinstance(value, str):
            return value
    return None


cold_start.finished()
