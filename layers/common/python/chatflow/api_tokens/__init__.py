"""Organisation API tokens for the public subset of the dashboard API (see service.py)."""

from chatflow.api_tokens.models import SCOPES, TOKEN_PREFIX, ApiToken, Scope
from chatflow.api_tokens.service import (
    authenticate,
    check_scopes,
    create_token,
    is_api_token,
    list_tokens,
    revoke_token,
)

__all__ = [
    "SCOPES",
    "TOKEN_PREFIX",
    "ApiToken",
    "Scope",
    "authenticate",
    "check_scopes",
    "create_token",
    "is_api_token",
    "list_tokens",
    "revoke_token",
]
