"""The REST API: HTTP in, the REST proxy event AWS sends, a function's answer back out.

It reads the same route table as the CDK app, so a route that works here is wired the same way in
AWS. Like API Gateway it answers CORS preflights itself, turns a crashed or malformed function into
502 `{"message": "Internal server error"}` and refuses bodies over 10 MB.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from infra.local.gateway.events import HttpRequest, rest_event
from infra.local.gateway.invoker import Functions, proxy_response
from infra.local.gateway.routing import RouteTable
from infra.routes import CORS_HEADERS, CORS_METHODS

__all__ = ["MAX_BODY_BYTES", "BodyTooLarge", "RestApi", "read_body"]

_logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request) -> bytes:
    """The request's body; raises BodyTooLarge past MAX_BODY_BYTES, before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class RestApi:
    """Every path that is not the gateway's own: matched against the route table and answered by
    the route's function."""

    def __init__(self, table: RouteTable, functions: Functions) -> None:
        self._table = table
        self._functions = functions

    async def endpoint(self, request: Request) -> Response:
        match = self._table.match(request.method, request.url.path)
        if match is None:
            return _error(404, "route_not_found", f"No endpoint at {request.url.path}.")
        if request.method == "OPTIONS":
            return Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": ",".join(CORS_METHODS),
                    "Access-Control-Allow-Headers": ",".join(CORS_HEADERS),
                    "Access-Control-Max-Age": "600",
                },
            )
        if match.route is None:
            allowed = ", ".join([*match.methods, "OPTIONS"])
            return _error(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {match.resource}.",
                {"Allow": allowed},
            )
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return _error(413, "payload_too_large", "The request body is over 10 MB.")
        request_id = str(uuid.uuid4())
        event = rest_event(
            HttpRequest(
                method=request.method,
                path=request.url.path,
                query_string=request.url.query,
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]],
                body=body,
                source_ip=request.client.host if request.client else "127.0.0.1",
                scheme=request.url.scheme,
                server_port=request.url.port or (443 if request.url.scheme == "https" else 80),
                protocol=f"HTTP/{request.scope.get('http_version', '1.1')}",
            ),
            resource=match.resource,
            path_parameters=match.path_parameters,
            request_id=request_id,
        )
        try:
            result = await run_in_threadpool(self._functions.invoke, match.route.function, event, request_id)
            return proxy_response(result, request_id=request_id)
        except Exception:
            # API Gateway shows the caller nothing of a crash; the console shows everything.
            _logger.exception("function %s failed on %s %s", match.route.function, request.method, request.url.path)
            return _internal_server_error(request_id)


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    # Open CORS on the gateway's own errors (as the CDK's gateway responses do) so that a browser
    # can read them.
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Access-Control-Allow-Origin": "*", **(headers or {})},
    )


def _internal_server_error(request_id: str) -> JSONResponse:
    return JSONResponse(
        {"message": "Internal server error"},
        status_code=502,
        headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": "InternalServerErrorException"},
    )
