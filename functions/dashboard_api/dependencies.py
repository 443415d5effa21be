"""What routes depend on, as named aliases so that a route reads like its contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chatflow import api_tokens, rate_limits
from chatflow.access import Caller, load_caller, scoped_connection
from chatflow.auth.tokens import verify_access_token
from chatflow.db import Connection, connection
from chatflow.settings import Settings, get_settings
from chatflow.vocabulary import Language
from chatflow_edge.errors import MissingToken
from chatflow_edge.language import caller_language

__all__ = ["AppSettings", "BearerToken", "ClientIp", "CurrentCaller", "Db", "accepts_api_token"]

_bearer = HTTPBearer(
    auto_error=False,
    description="A Cognito access token from POST /auth/login, or, on the routes that say so "
    "(x-api-token-scope), an organisation API token cf360_…",
)


def _settings() -> Settings:
    return get_settings()


AppSettings = Annotated[Settings, Depends(_settings)]


def _client_ip(request: Request, settings: AppSettings) -> str:
    # Behind Mangum the client's host is API Gateway's sourceIp.
    source = request.client.host if request.client else None
    return rate_limits.client_ip(source, request.headers.get("x-forwarded-for"), settings.trusted_proxies)


ClientIp = Annotated[str, Depends(_client_ip)]


def caller_language_of(request: Request) -> Language:
    """The language the caller reads: the SPA sends the one its interface shows as Accept-Language."""
    return caller_language(request.headers.get("accept-language"))


CallerLanguage = Annotated[Language, Depends(caller_language_of)]


def _token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None or not credentials.credentials:
        raise MissingToken()
    return credentials.credentials


BearerToken = Annotated[str, Depends(_token)]


def accepts_api_token(scope: api_tokens.Scope) -> dict[str, Any]:
    """A route's decorator arguments for a route that an organisation API token with `scope` may call
    (`@router.get(..., **accepts_api_token("conversations:read"))`); the OpenAPI document says so as
    `x-api-token-scope`. Any other route refuses a token with 403 insufficient_scope."""

    def _accepts(request: Request) -> None:
        request.state.api_token_scope = scope

    return {"dependencies": [Depends(_accepts)], "openapi_extra": {"x-api-token-scope": scope}}


def _caller(request: Request, token: BearerToken, settings: AppSettings) -> Caller:
    if api_tokens.is_api_token(token):
        # The route's own dependencies run first: a route that accepts tokens has set its scope.
        return api_tokens.authenticate(token, scope=getattr(request.state, "api_token_scope", None), settings=settings)
    claims = verify_access_token(token, settings)
    with connection() as conn:
        return load_caller(conn, claims.sub, token_issued_at=claims.issued_at)


CurrentCaller = Annotated[Caller, Depends(_caller)]


def _db(caller: CurrentCaller) -> Iterator[Connection]:
    with scoped_connection(caller) as conn:
        yield conn


# scope="function": the transaction commits when the route returns, before the answer is sent, so
# a client never sees a success that did not commit.
Db = Annotated[Connection, Depends(_db, scope="function")]
