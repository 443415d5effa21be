"""The domain's errors, each named for what happened.

Each class has a stable machine-readable `code` (clients branch on it: never change one) and an
English `message` for people. Nothing here knows HTTP: which status an error answers with is the
edge's business (chatflow_edge.errors, one table for every function).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

__all__ = [
    "AlreadyMember",
    "AuthNotConfigured",
    "AuthUnavailable",
    "ChannelNotFound",
    "ConversationChanged",
    "ConversationClosed",
    "ConversationNotFound",
    "DatabaseUnavailable",
    "DomainError",
    "EncryptionUnavailable",
    "FileTooLarge",
    "ForbiddenField",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidCursor",
    "InvalidFile",
    "InvalidInput",
    "InvalidToken",
    "InvalidUrl",
    "KnowledgeNotFound",
    "LastAdmin",
    "MemberNotFound",
    "NoOrganization",
    "NotAllowed",
    "OrganizationNotFound",
    "OriginNotAllowed",
    "OwnAccount",
    "PlanLimitReached",
    "RateLimited",
    "TokenExpired",
    "TooManyAttempts",
    "UnknownUser",
    "UserExists",
    "UserNotFound",
    "WeakPassword",
]


class DomainError(Exception):
    """What the domain refuses, or cannot do right now. Subclasses set `code` and a default `message`;
    a raise may say more precisely what went wrong in its own message."""

    code: ClassVar[str]
    message: str = "The request cannot be carried out."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


# --- The input cannot be used ---


class InvalidInput(DomainError):
    code = "invalid_field"
    message = "A field holds a value this operation cannot take."


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    message = "The cursor is not one this API returned."


class InvalidFile(DomainError):
    code = "invalid_file"
    message = "The file cannot be read."


class InvalidUrl(DomainError):
    code = "invalid_url"
    message = "The URL cannot be fetched."


class FileTooLarge(DomainError):
    code = "file_too_large"
    message = "The file is larger than 5 MB."


class WeakPassword(DomainError):
    code = "weak_password"
    message = "The password does not meet the password policy."


class InvalidCode(DomainError):
    code = "invalid_code"
    message = "The code is wrong or has expired."


# --- Who the caller is: not signed in, or not as anyone we know ---


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    # One answer for a wrong password and an unknown email: no account enumeration.
    message = "The email or password is not correct."


class InvalidToken(DomainError):
    code = "invalid_token"
    message = "The access token is not valid."


class TokenExpired(DomainError):
    code = "token_expired"
    message = "The session has expired; sign in again."


class UnknownUser(DomainError):
    code = "unknown_user"
    message = "This account has no access to ChatFlow360."


class AuthNotConfigured(DomainError):
    code = "auth_not_configured"
    message = "Sign-in is not configured on this server."


# --- What the caller may not do ---


class NotAllowed(DomainError):
    """The caller's role may not do this (an agent where an admin is needed, an admin where a super
    admin is)."""

    code = "forbidden"
    message = "Your role may not do this."


class ForbiddenField(DomainError):
    """A request that would change a field the caller may not change: refused whole, never dropped."""

    code = "forbidden_field"

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)
        super().__init__(f"Only a super admin may change {', '.join(self.fields)}.")


class OriginNotAllowed(DomainError):
    code = "origin_not_allowed"
    message = "This channel does not accept messages from this website."


class NoOrganization(DomainError):
    code = "no_organization"
    message = "This account belongs to no organisation yet."


# --- Not there (or not the caller's: another organisation's resource answers the same) ---


class OrganizationNotFound(DomainError):
    code = "organization_not_found"
    message = "No such organisation."


class UserNotFound(DomainError):
    code = "user_not_found"
    message = "No such user."


class MemberNotFound(DomainError):
    code = "member_not_found"
    message = "No such member in this organisation."


class ChannelNotFound(DomainError):
    code = "channel_not_found"
    message = "No such channel."


class ConversationNotFound(DomainError):
    code = "conversation_not_found"
    message = "No such conversation."


class KnowledgeNotFound(DomainError):
    code = "knowledge_not_found"
    message = "No such knowledge entry."


# --- The current state does not allow it ---


class UserExists(DomainError):
    code = "user_exists"
    message = "A user with this email already exists."


class AlreadyMember(DomainError):
    code = "already_member"
    message = "This user already belongs to the organisation."


class LastAdmin(DomainError):
    code = "last_admin"
    message = "An organisation keeps at least one admin: make someone else admin first."


class OwnAccount(DomainError):
    """What a super admin may do to others but not to itself (deactivate, delete, demote)."""

    code = "own_account"

    def __init__(self, what: str) -> None:
        super().__init__(f"You cannot {what} your own account; ask another super admin.")


class PlanLimitReached(DomainError):
    code = "plan_limit"

    def __init__(self, plan: str, limit: int) -> None:
        self.plan = plan
        self.limit = limit
        super().__init__(
            f"The {plan} plan includes {limit} channel{'s' if limit != 1 else ''}; "
            "upgrade the plan or delete a channel first."
        )


class ConversationClosed(DomainError):
    code = "conversation_closed"
    message = "This conversation is closed; reopen it first."


# --- Too many, too fast ---


class RateLimited(DomainError):
    """Over one of the windowed limits of chatflow.rate_limits; `retry_after_seconds` until it clears."""

    code = "rate_limited"

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"Too many requests; retry in {retry_after_seconds} s.")


class TooManyAttempts(DomainError):
    """Cognito's own throttling of sign-in attempts."""

    code = "too_many_attempts"
    message = "Too many attempts; wait a moment and try again."


# --- Something this operation needs is not available right now: retry later ---


class DatabaseUnavailable(DomainError):
    code = "database_unavailable"
    message = "The database is not reachable right now."


class AuthUnavailable(DomainError):
    code = "auth_unavailable"
    message = "Sign-in is not available right now."


class EncryptionUnavailable(DomainError):
    code = "encryption_unavailable"
    message = "API keys cannot be stored: no encryption key is configured on this server."


class ConversationChanged(DomainError):
    """A visitor's message lost a race with another write to its conversation, every retry."""

    code = "conflict_retry"
    message = "The conversation changed while the message was stored; retry."
