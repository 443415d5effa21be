"""What routes depend on, as named aliases so that a route reads like its contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chatflow import rate_limits
from chatflow.access import Caller, load_caller, scoped_connection
from chatflow.auth.tokens import verify_access_token
from chatflow.db import Connection, connection
from chatflow.settings import Settings, get_settings
from chatflow_edge.errors import MissingToken

__all__ = ["AppSettings", "BearerToken", "ClientIp", "CurrentCaller", "Db"]

_bearer = HTTPBearer(auto_error=False, description="A Cognito access token from POST /auth/login")


def _settings() -> Settings:
    return get_settings()


AppSettings = Annotated[Settings, Depends(_settings)]


def _client_ip(request: Request, settings: AppSettings) -> str:
    # Behind Mangum the client's host is API Gateway's sourceIp.
    source = request.client.host if request.client else None
    return rate_limits.client_ip(source, request.headers.get("x-forwarded-for"), settings.trusted_proxies)


ClientIp = Annotated[str, Depends(_client_ip)]


def _token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None or not credentials.credentials:
        raise MissingToken()
    return credentials.credentials


BearerToken = Annotated[str, Depends(_token)]


def _caller(token: BearerToken, settings: AppSettings) -> Caller:
    claims = verify_access_token(token, settings)
    with connection() as conn:
        return load_caller(conn, claims.sub)


CurrentCaller = Annotated[Caller, Depends(_caller)]


def _db(caller: CurrentCaller) -> Iterator[Connection]:
    with scoped_connection(caller) as conn:
        yield conn


# scope="function": the transaction commits when the route returns, before the answer is sent, so
# a client never sees a success that did not commit.
Db = Annotated[Connection, Depends(_db, scope="function")]
