"""Sign-in and user management through Cognito's real API (moto's on a laptop)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from chatflow import crypto
from chatflow.aws import client
from chatflow.errors import (
    AuthNotConfigured,
    AuthUnavailable,
    DomainError,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    TooManyAttempts,
    UserExists,
    WeakPassword,
)
from chatflow.secrets import encryption_key
from chatflow.settings import Settings

__all__ = [
    "SignIn",
    "Tokens",
    "complete_new_password",
    "confirm_forgot_password",
    "create_user",
    "delete_user",
    "forgot_password",
    "refresh",
    "set_user_enabled",
    "sign_in",
    "sign_out",
]


@dataclass(frozen=True, slots=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int


@dataclass(frozen=True, slots=True)
class SignIn:
    """Tokens, or the challenge a first sign-in with a temporary password must answer. The session
    handed out is Cognito's sealed with the account it was issued for (see `_seal`)."""

    tokens: Tokens | None
    challenge: str | None = None
    session: str | None = None


def _translate(exc: ClientError) -> DomainError:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"}:
        # One answer for a wrong password and an unknown email: no account enumeration.
        return InvalidCredentials()
    if code == "InvalidPasswordException":
        return WeakPassword()
    if code in {"CodeMismatchException", "ExpiredCodeException"}:
        return InvalidCode()
    if code == "UsernameExistsException":
        return UserExists()
    if code in {"LimitExceededException", "TooManyRequestsException", "TooManyFailedAttemptsException"}:
        return TooManyAttempts()
    if code == "InvalidParameterException":
        return InvalidInput("Cognito refused a parameter of this request.")
    return AuthUnavailable()


def _call(settings: Settings, operation: str, **params: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = getattr(client("cognito-idp", settings.aws_region), operation)(**params)
    except ClientError as exc:
        raise _translate(exc) from exc
    except ParamValidationError as exc:
        # botocore checks lengths and patterns before sending (a session under 20 characters, say):
        # the client's input, not an outage.
        raise InvalidInput("Cognito refused a parameter of this request.") from exc
    except BotoCoreError as exc:
        raise AuthUnavailable() from exc
    return result


def normalize_email(email: str) -> str:
    """Cognito usernames are compared as given; emails are not case-sensitive to people."""
    return email.strip().lower()


def _tokens(result: dict[str, Any], refresh_token: str | None = None) -> Tokens:
    auth = result["AuthenticationResult"]
    return Tokens(
        id_token=auth["IdToken"],
        access_token=auth["AccessToken"],
        refresh_token=auth.get("RefreshToken", refresh_token),
        expires_in=int(auth.get("ExpiresIn", 3600)),
    )


def sign_in(settings: Settings, *, email: str, password: str) -> SignIn:
    result = _call(
        settings,
        "initiate_auth",
        ClientId=settings.cognito_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": normalize_email(email), "PASSWORD": password},
    )
    if "AuthenticationResult" in result:
        return SignIn(tokens=_tokens(result))
    session = result.get("Session")
    return SignIn(
        tokens=None,
        challenge=result.get("ChallengeName"),
        session=_seal(settings, normalize_email(email), session) if session else None,
    )


def _key(settings: Settings) -> bytes:
    key = encryption_key(settings)
    if key is None:
        raise AuthNotConfigured()
    return key


def _seal(settings: Settings, username: str, session: str) -> str:
    """Cognito's challenge session, bound to the account that signed in: AES-GCM, so it can be
    neither read nor changed. Real Cognito binds its session to its user itself; moto answers a
    NEW_PASSWORD_REQUIRED for whichever USERNAME it is sent, so without this any pending
    invitation's session set any account's password on the local stack."""
    return crypto.encrypt(json.dumps({"username": username, "session": session}), _key(settings))


def _unseal(settings: Settings, sealed: str) -> tuple[str, str]:
    try:
        opened = json.loads(crypto.decrypt(sealed, _key(settings)))
        return str(opened["username"]), str(opened["session"])
    except (crypto.EncryptionKeyError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("This sign-in session was not issued here.") from exc


def complete_new_password(settings: Settings, *, email: str, session: str, new_password: str) -> Tokens:
    """The new password of the account the session was issued for; an email naming another account
    is refused like a wrong password, before Cognito is asked anything."""
    username, cognito_session = _unseal(settings, session)
    if username != normalize_email(email):
        raise InvalidCredentials()
    result = _call(
        settings,
        "respond_to_auth_challenge",
        ClientId=settings.cognito_client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=cognito_session,
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
    )
    return _tokens(result)


def refresh(settings: Settings, *, refresh_token: str) -> Tokens:
    result = _call(
        settings,
        "initiate_auth",
        ClientId=settings.cognito_client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    return _tokens(result, refresh_token=refresh_token)


def sign_out(settings: Settings, *, access_token: str) -> None:
    """Revokes the user's refresh tokens everywhere; access tokens lapse at their expiry."""
    _call(settings, "global_sign_out", AccessToken=access_token)


def forgot_password(settings: Settings, *, email: str, language: str) -> None:
    """Cognito emails a reset code; `language` reaches its CustomMessage trigger
    (functions/auth_messages), which words the email in it."""
    # An unknown email answers like a known one: no account enumeration.
    with contextlib.suppress(InvalidCredentials):
        _call(
            settings,
            "forgot_password",
            ClientId=settings.cognito_client_id,
            Username=normalize_email(email),
            ClientMetadata={"language": language},
        )


def confirm_forgot_password(settings: Settings, *, email: str, code: str, new_password: str) -> None:
    _call(
        settings,
        "confirm_forgot_password",
        ClientId=settings.cognito_client_id,
        Username=normalize_email(email),
        ConfirmationCode=code,
        Password=new_password,
    )


def create_user(settings: Settings, *, email: str, name: str, temporary_password: str) -> str:
    """Creates the Cognito user (no Cognito mail: we send our own invitation); returns its sub."""
    result = _call(
        settings,
        "admin_create_user",
        UserPoolId=settings.cognito_user_pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": name},
        ],
        MessageAction="SUPPRESS",
    )
    set_temporary_password(settings, email=email, temporary_password=temporary_password)
    attributes = {a["Name"]: a["Value"] for a in result["User"].get("Attributes", [])}
    return str(attributes.get("sub") or result["User"]["Username"])


def set_temporary_password(settings: Settings, *, email: str, temporary_password: str) -> None:
    """The password the user must change at its next sign-in; any earlier temporary one stops working."""
    _call(
        settings,
        "admin_set_user_password",
        UserPoolId=settings.cognito_user_pool_id,
        Username=email,
        Password=temporary_password,
        Permanent=False,
    )


def delete_user(settings: Settings, *, email: str) -> None:
    _call(settings, "admin_delete_user", UserPoolId=settings.cognito_user_pool_id, Username=email)


def set_user_enabled(settings: Settings, *, email: str, enabled: bool) -> None:
    operation = "admin_enable_user" if enabled else "admin_disable_user"
    _call(settings, operation, UserPoolId=settings.cognito_user_pool_id, Username=email)
