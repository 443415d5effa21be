"""The domain's errors, each named for what happened.

Each class has a stable machine-readable `code` (clients branch on it: never change one); its
message for people is worded in the message catalogue (chatflow/catalogue) in each language we
speak, so that the edge answers in the caller's. `message` is the English one, for logs. Nothing
here knows HTTP: which status an error answers with is the edge's business (chatflow_edge.errors,
one table for every function).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from chatflow import catalogue
from chatflow.vocabulary import Language

__all__ = [
    "AlreadyAssigned",
    "AlreadyMember",
    "AlreadyRated",
    "ApiTokenNotFound",
    "AuthNotConfigured",
    "AuthUnavailable",
    "CannedReplyNotFound",
    "CataloguedError",
    "ChannelAccountTaken",
    "ChannelNotFound",
    "ConversationChanged",
    "ConversationClosed",
    "ConversationNotFound",
    "DatabaseUnavailable",
    "DomainError",
    "EncryptionUnavailable",
    "ExportTooLarge",
    "FileTooLarge",
    "ForbiddenField",
    "GraphApiFailed",
    "IdentityRequired",
    "ImageNotAllowed",
    "InsufficientScope",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidCursor",
    "InvalidFile",
    "InvalidIdentity",
    "InvalidInput",
    "InvalidSignature",
    "InvalidToken",
    "InvalidUrl",
    "KnowledgeGapNotFound",
    "KnowledgeNotFound",
    "KnowledgeWebsiteNotFound",
    "LabelExists",
    "LabelNotFound",
    "LastAdmin",
    "MemberNotFound",
    "NoContactEmail",
    "NoOrganization",
    "NotAllowed",
    "NotClosed",
    "OrganizationNotFound",
    "OriginNotAllowed",
    "OwnAccount",
    "PlanLimitReached",
    "RateLimited",
    "ShortcutTaken",
    "StorageLimitReached",
    "SubscriptionRefused",
    "TemplateNotFound",
    "TokenExpired",
    "TooManyAttempts",
    "UnknownUser",
    "UserExists",
    "UserNotFound",
    "WeakPassword",
    "WebhookDeliveryNotFound",
    "WebhookNotFound",
    "WindowClosed",
]


class CataloguedError(Exception):
    """An error with a stable `code` whose message the catalogue words in every language we speak:
    the code's entry, or its `code.variant` entry, filled with the error's `values`.

    A raise may give its own English sentence, more precise than the catalogue's (a validator's
    detail, a fixed remark): English callers and logs get it; callers in another language get the
    catalogue's entry instead, never that English. A raise whose precise reason the catalogue
    already words in its `texts` (why a knowledge file cannot be read) names that entry as
    `worded_by`, and every caller gets it in their own language."""

    code: ClassVar[str]

    def __init__(
        self, message: str | None = None, *, variant: str | None = None, worded_by: str | None = None, **values: object
    ) -> None:
        self.english = message
        self.variant = variant
        self.worded_by = worded_by
        self.values = values
        super().__init__()

    @property
    def key(self) -> str:
        """The error's entry in the catalogue's `errors`."""
        return self.code if self.variant is None else f"{self.code}.{self.variant}"

    @property
    def message(self) -> str:
        return self.message_in("en")

    def message_in(self, language: Language) -> str:
        if self.english is not None and language == "en":
            return self.english
        if self.worded_by is not None:
            return catalogue.render("texts", self.worded_by, language, **self.values)
        return catalogue.render("errors", self.key, language, **self.values)

    def __str__(self) -> str:
        return self.message


class DomainError(CataloguedError):
    """What the domain refuses, or cannot do right now."""


# --- The input cannot be used ---


class InvalidInput(DomainError):
    code = "invalid_field"


class InvalidCursor(DomainError):
    code = "invalid_cursor"


class InvalidFile(DomainError):
    code = "invalid_file"


class InvalidUrl(DomainError):
    code = "invalid_url"


class FileTooLarge(DomainError):
    code = "file_too_large"


class WeakPassword(DomainError):
    code = "weak_password"


class InvalidCode(DomainError):
    code = "invalid_code"


# --- Who the caller is: not signed in, or not as anyone we know ---


class InvalidCredentials(DomainError):
    """One answer for a wrong password and an unknown email: no account enumeration."""

    code = "invalid_credentials"


class InvalidToken(DomainError):
    code = "invalid_token"


class TokenExpired(DomainError):
    code = "token_expired"


class UnknownUser(DomainError):
    code = "unknown_user"


class AuthNotConfigured(DomainError):
    code = "auth_not_configured"


class InvalidIdentity(DomainError):
    """A visitor's identity token (chatflow.identity) that is expired, unsigned, wrongly signed or malformed."""

    code = "invalid_identity"


class IdentityRequired(DomainError):
    """The channel accepts only visitors its business has signed (identity required), and none was given."""

    code = "identity_required"


# --- What the caller may not do ---


class NotAllowed(DomainError):
    """The caller's role may not do this (an agent where an admin is needed, an admin where a super
    admin is)."""

    code = "forbidden"


class ForbiddenField(DomainError):
    """A request that would change a field the caller may not change: refused whole, never dropped."""

    code = "forbidden_field"

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)
        super().__init__(fields=", ".join(self.fields))


class OriginNotAllowed(DomainError):
    code = "origin_not_allowed"


class NoOrganization(DomainError):
    code = "no_organization"


class InsufficientScope(DomainError):
    """An organisation API token without the scope this operation needs (the raise names it in English)."""

    code = "insufficient_scope"


# --- Not there (or not the caller's: another organisation's resource answers the same) ---


class OrganizationNotFound(DomainError):
    code = "organization_not_found"


class UserNotFound(DomainError):
    code = "user_not_found"


class MemberNotFound(DomainError):
    code = "member_not_found"


class OrganizationInactive(DomainError):
    """A super admin deactivated the organisation: its data may be read, not changed, and it spends no
    AI or embedding money until it is reactivated."""

    code = "organization_inactive"


class InvitationNotFound(DomainError):
    """No pending invitation with this token for this account (expired, accepted, or someone else's)."""

    code = "invitation_not_found"


class ChannelNotFound(DomainError):
    code = "channel_not_found"


class ConversationNotFound(DomainError):
    code = "conversation_not_found"


class KnowledgeNotFound(DomainError):
    code = "knowledge_not_found"


class KnowledgeGapNotFound(DomainError):
    code = "knowledge_gap_not_found"


class KnowledgeWebsiteNotFound(DomainError):
    code = "knowledge_website_not_found"


class WebhookNotFound(DomainError):
    code = "webhook_not_found"


class WebhookDeliveryNotFound(DomainError):
    code = "webhook_delivery_not_found"


class ApiTokenNotFound(DomainError):
    code = "api_token_not_found"


# --- The current state does not allow it ---


class UserExists(DomainError):
    code = "user_exists"


class AlreadyMember(DomainError):
    code = "already_member"


class LastAdmin(DomainError):
    code = "last_admin"


class OwnAccount(DomainError):
    """What a super admin may do to others but not to itself (deactivate, delete, demote)."""

    code = "own_account"

    # Each `what` the services pass has its own sentence in the catalogue; any other is said as
    # given in English, and generically in other languages.
    _VARIANTS: ClassVar[dict[str, str]] = {
        "deactivate": "deactivate",
        "delete": "delete",
        "remove super admin from": "demote",
    }

    def __init__(self, what: str) -> None:
        variant = self._VARIANTS.get(what)
        if variant is None:
            super().__init__(f"You cannot {what} your own account; ask another super admin.")
        else:
            super().__init__(variant=variant)


class PlanLimitReached(DomainError):
    code = "plan_limit"

    def __init__(self, plan: str, limit: int) -> None:
        self.plan = plan
        self.limit = limit
        super().__init__(variant="one" if limit == 1 else None, plan=plan, limit=limit)


class ConversationClosed(DomainError):
    code = "conversation_closed"


class AlreadyRated(DomainError):
    """A conversation is rated once; a second, different rating is refused (the same one is answered again)."""

    code = "already_rated"


class NotClosed(DomainError):
    """Rating a conversation that has not ended."""

    code = "not_closed"


class NoContactEmail(DomainError):
    """A transcript asked for where the visitor left no email address."""

    code = "no_contact_email"


class ExportTooLarge(DomainError):
    """An inbox export that matches more conversations than one export holds (`limit`)."""

    code = "export_too_large"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(limit=f"{limit:,}")


class AlreadyAssigned(DomainError):
    """Another member holds the conversation (two agents taking it over at once: the second)."""

    code = "already_assigned"


class LabelExists(DomainError):
    """Label names are unique within an organisation, whatever their case."""

    code = "label_exists"


class ShortcutTaken(DomainError):
    """A canned reply's short code is unique within an organisation."""

    code = "shortcut_taken"


class LabelNotFound(DomainError):
    code = "label_not_found"


class CannedReplyNotFound(DomainError):
    code = "canned_reply_not_found"


class InvalidSignature(DomainError):
    """A provider's webhook (Meta's) whose signature no connected channel's secret made."""

    code = "invalid_signature"


class SubscriptionRefused(DomainError):
    """Meta's verification handshake with a mode or verify token no channel of that type has."""

    code = "subscription_refused"


class ChannelAccountTaken(DomainError):
    """The WhatsApp number or Messenger page is already connected to another channel."""

    code = "channel_account_taken"


class WindowClosed(DomainError):
    """Free text to a WhatsApp or Messenger customer outside Meta's window (variant: the channel)."""

    code = "window_closed"


class TemplateNotFound(DomainError):
    """No approved message template of that name and language on the conversation's channel."""

    code = "template_not_found"


class GraphApiFailed(DomainError):
    """Meta's Graph API did not give what was asked (variant: unauthorized, unreachable, error)."""

    code = "graph_api_failed"


# --- Too many, too fast ---


class RateLimited(DomainError):
    """Over one of the windowed limits of chatflow.rate_limits; `retry_after_seconds` until it clears."""

    code = "rate_limited"

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(retry_after_seconds=retry_after_seconds)


class TooManyAttempts(DomainError):
    """Cognito's own throttling of sign-in attempts."""

    code = "too_many_attempts"


# --- Something this operation needs is not available right now: retry later ---


class DatabaseUnavailable(DomainError):
    code = "database_unavailable"


class AuthUnavailable(DomainError):
    code = "auth_unavailable"


class EncryptionUnavailable(DomainError):
    code = "encryption_unavailable"


class ConversationChanged(DomainError):
    """A visitor's message lost a race with another write to its conversation, every retry."""

    code = "conflict_retry"


# --- Attachments (chatflow.attachments) ---


class AttachmentNotFound(DomainError):
    """No such attachment in this conversation (another conversation's answers the same)."""

    code = "attachment_not_found"


class AttachmentTypeNotAllowed(DomainError):
    """Only images (JPEG, PNG, WebP, GIF), PDF and plain text may be attached."""

    code = "attachment_type_not_allowed"


class AttachmentTooLarge(DomainError):
    code = "attachment_too_large"

    def __init__(self, max_mb: int) -> None:
        super().__init__(max_mb=max_mb)


class ImageNotAllowed(DomainError):
    """A logo or a photo must be a PNG, JPEG or WebP image, within the size given (its bytes decide)."""

    code = "image_not_allowed"

    def __init__(self, max_mb: int) -> None:
        super().__init__(max_mb=max_mb)


class AttachmentMismatch(DomainError):
    """The uploaded bytes are not a file of the declared type (whatever its name says): the object is deleted."""

    code = "attachment_mismatch"


class AttachmentNotUploaded(DomainError):
    """A confirmation of an upload whose file is not (yet) in storage."""

    code = "attachment_not_uploaded"


class StorageLimitReached(DomainError):
    """The organisation's attachments this month would pass its plan's storage."""

    code = "storage_limit"

    def __init__(self, plan: str, limit_gb: int) -> None:
        self.plan = plan
        super().__init__(plan=plan, limit_gb=limit_gb)


class AttachmentsUnavailable(DomainError):
    """No attachment storage is configured here (ATTACHMENTS_BUCKET)."""

    code = "attachments_unavailable"
