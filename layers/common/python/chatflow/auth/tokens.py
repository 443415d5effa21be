"""Verifies Cognito access tokens with PyJWT: signature against the pool's JWKS (cached), issuer,
client id, expiry and token use."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import jwt

from chatflow.errors import AuthNotConfigured, InvalidToken, TokenExpired
from chatflow.settings import Settings

__all__ = ["AccessClaims", "IdClaims", "verify_access_token", "verify_id_token"]

_jwks_clients: dict[str, jwt.PyJWKClient] = {}
_jwks_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    sub: str
    expires_at: int
    issued_at: int = 0  # `iat`, in whole seconds: compared with the user's revocation (chatflow.access)


@dataclass(frozen=True, slots=True)
class IdClaims:
    """Who Cognito says signed in: its `sub` and the email it holds for it."""

    sub: str
    email: str


def _jwks_client(url: str) -> jwt.PyJWKClient:
    with _jwks_lock:
        client = _jwks_clients.get(url)
        if client is None:
            # Keys are cached for an hour; an unknown kid triggers one refetch (key rotation).
            client = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)
            _jwks_clients[url] = client
        return client


def _decode(token: str, settings: Settings, *, audience: str | None) -> dict[str, Any]:
    if not settings.cognito_user_pool_id or not settings.cognito_client_id:
        raise AuthNotConfigured()
    try:
        signing_key = _jwks_client(settings.cognito_jwks).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            issuer=settings.cognito_issuer,
            audience=audience,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": audience is not None},
            leeway=30,
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
        raise InvalidToken() from exc
    return claims


def verify_access_token(token: str, settings: Settings) -> AccessClaims:
    # Cognito access tokens carry client_id instead of aud, so aud is not verified by PyJWT but below.
    claims = _decode(token, settings, audience=None)
    if claims.get("token_use") != "access" or claims.get("client_id") != settings.cognito_client_id:
        raise InvalidToken()
    return AccessClaims(sub=str(claims["sub"]), expires_at=int(claims["exp"]), issued_at=int(claims.get("iat", 0)))


def verify_id_token(token: str, settings: Settings) -> IdClaims:
    """The ID token Cognito returned with a sign-in: the one place the account's email is read from."""
    claims = _decode(token, settings, audience=settings.cognito_client_id)
    email = claims.get("email")
    if claims.get("token_use") != "id" or not isinstance(email, str) or not email:
        raise InvalidToken()
    return IdClaims(sub=str(claims["sub"]), email=email)
