"""Sign-in through Cognito: tokens for the SPA, refresh, sign-out and password reset."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import Field

from chatflow import audit, rate_limits
from chatflow.auth import cognito
from chatflow.auth.tokens import verify_access_token, verify_id_token
from chatflow.db import connection
from chatflow.errors import InvalidCredentials, UnknownUser
from chatflow.users import end_sessions, link_cognito_user
from dependencies import AppSettings, BearerToken, CallerLanguage, ClientIp
from schemas import Email, Schema, error_responses

router = APIRouter(prefix="/auth", tags=["auth"], responses=error_responses(400, 401, 429, 503))


class LoginIn(Schema):
    email: Email
    password: str = Field(min_length=1, max_length=256)


class TokensOut(Schema):
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105  # the OAuth token type, not a secret


class ChallengeOut(Schema):
    """A first sign-in with a temporary password: answer with POST /auth/new-password."""

    challenge: str
    session: str


class NewPasswordIn(Schema):
    email: Email
    session: str = Field(min_length=1, max_length=8192)
    new_password: str = Field(min_length=8, max_length=256)


class RefreshIn(Schema):
    refresh_token: str = Field(min_length=1, max_length=8192)


class ForgotPasswordIn(Schema):
    email: Email


class ConfirmForgotPasswordIn(Schema):
    email: Email
    code: str = Field(min_length=1, max_length=32)
    new_password: str = Field(min_length=8, max_length=256)


def _limit(settings: AppSettings, ip: str, email: str | None = None) -> None:
    """Password guessing is slowed per address and per account from one address; across addresses an
    account has a larger ceiling, so that failures from elsewhere never lock its owner out at a new
    address. Cognito's own lockout stays behind this as the last line."""
    account = email.casefold() if email else None
    keys = [f"ip:{ip}"] + ([f"email-ip:{account}|{ip}"] if account else [])
    rate_limits.enforce("auth", limit=rate_limits.per_minute(settings, "auth"), keys=keys)
    if account:
        limit = rate_limits.per_minute(settings, "auth_email")
        rate_limits.enforce("auth_email", limit=limit, keys=[f"email:{account}"])


def _out(tokens: cognito.Tokens) -> TokensOut:
    return TokensOut(
        id_token=tokens.id_token,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


def _linked(tokens: cognito.Tokens, email: str, settings: AppSettings) -> TokensOut:
    """Every sign-in links the Cognito user to its users row, found by the email Cognito's ID token
    holds (never the body's: it only has to agree); the sub is the one both tokens carry."""
    access = verify_access_token(tokens.access_token, settings)
    identity = verify_id_token(tokens.id_token, settings)
    if identity.sub != access.sub or cognito.normalize_email(identity.email) != cognito.normalize_email(email):
        raise InvalidCredentials()
    with connection() as conn:
        if not link_cognito_user(conn, sub=identity.sub, email=identity.email):
            raise UnknownUser()
        audit.record(
            conn, action="auth.signed_in", organization_id=None, actor_user_id=identity.sub, actor_email=identity.email
        )
    return _out(tokens)


@router.post("/login", response_model=TokensOut | ChallengeOut)
def login(body: LoginIn, settings: AppSettings, ip: ClientIp) -> TokensOut | ChallengeOut:
    """Email and password → ID, access and refresh tokens (or a new-password challenge)."""
    _limit(settings, ip, body.email)
    result = cognito.sign_in(settings, email=body.email, password=body.password)
    if result.tokens is None:
        return ChallengeOut(challenge=result.challenge or "UNKNOWN", session=result.session or "")
    return _linked(result.tokens, body.email, settings)


@router.post("/new-password", response_model=TokensOut)
def new_password(body: NewPasswordIn, settings: AppSettings, ip: ClientIp) -> TokensOut:
    """Set a permanent password on first sign-in; returns tokens."""
    _limit(settings, ip, body.email)
    tokens = cognito.complete_new_password(
        settings, email=body.email, session=body.session, new_password=body.new_password
    )
    return _linked(tokens, body.email, settings)


@router.post("/refresh", response_model=TokensOut)
def refresh(body: RefreshIn, settings: AppSettings, ip: ClientIp) -> TokensOut:
    """A refresh token → fresh ID and access tokens."""
    _limit(settings, ip)
    return _out(cognito.refresh(settings, refresh_token=body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(token: BearerToken, settings: AppSettings) -> None:
    """End the caller's sessions everywhere: its access tokens are refused from now on, its live
    sockets closed, its refresh tokens revoked (Cognito's global sign-out)."""
    claims = verify_access_token(token, settings)
    with connection() as conn:
        end_sessions(conn, settings, claims.sub)
        audit.record(conn, action="auth.signed_out", organization_id=None, actor_user_id=claims.sub)
    cognito.sign_out(settings, access_token=token)


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED)
def forgot_password(
    body: ForgotPasswordIn, settings: AppSettings, ip: ClientIp, language: CallerLanguage
) -> dict[str, str]:
    """Email a reset code, in the caller's language. Answers the same whether or not the email has an account."""
    _limit(settings, ip, body.email)
    cognito.forgot_password(settings, email=body.email, language=language)
    return {"status": "sent"}


@router.post("/confirm-forgot-password", status_code=status.HTTP_204_NO_CONTENT)
def confirm_forgot_password(body: ConfirmForgotPasswordIn, settings: AppSettings, ip: ClientIp) -> None:
    """The emailed code and a new password."""
    _limit(settings, ip, body.email)
    cognito.confirm_forgot_password(settings, email=body.email, code=body.code, new_password=body.new_password)
