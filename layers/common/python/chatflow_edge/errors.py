"""How a refusal answers over HTTP, in one place.

The domain raises errors named for what happened (chatflow.errors); the edge adds its own for a
request that cannot even be read (below). `HTTP_STATUS` gives each of them its status, and every
function answers through it: the widget API's resolver, the dashboard API's exception handler and
the WebSocket function's `$connect`. Every answer has the body `{"error": {"code", "message"}}`,
the message in the caller's language (chatflow_edge.language chooses it; the catalogue words it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from chatflow import catalogue
from chatflow import errors as domain
from chatflow.errors import CataloguedError, DomainError
from chatflow.languages import DEFAULT_LANGUAGE
from chatflow.vocabulary import Language

__all__ = [
    "HTTP_STATUS",
    "REFUSALS",
    "AnswerCode",
    "BodyTooLarge",
    "InvalidJson",
    "InvalidUuid",
    "MessageEmpty",
    "MessageTooLong",
    "MissingCredentials",
    "MissingField",
    "MissingToken",
    "NoConnection",
    "Refusal",
    "RequestError",
    "answer_body",
    "error_body",
    "headers_of",
    "proxy_response",
    "status_of",
]


class RequestError(CataloguedError):
    """A request refused at the edge, before the domain is asked: its body, query or credentials
    cannot be read. Same shape as a DomainError: a stable `code`, a message in the catalogue."""


class InvalidJson(RequestError):
    code = "invalid_json"


class MissingField(RequestError):
    code = "missing_field"

    def __init__(self, field: str) -> None:
        super().__init__(field=field)


class InvalidUuid(RequestError):
    code = "invalid_uuid"

    def __init__(self, field: str) -> None:
        super().__init__(field=field)


class MessageEmpty(RequestError):
    code = "message_empty"


class MessageTooLong(RequestError):
    code = "message_too_long"

    def __init__(self, max_chars: int) -> None:
        super().__init__(max_chars=max_chars)


class BodyTooLarge(RequestError):
    code = "payload_too_large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_kib=max_bytes // 1024)


class MissingToken(RequestError):
    code = "missing_token"


class MissingCredentials(RequestError):
    code = "missing_credentials"


class NoConnection(RequestError):
    code = "no_connection"


Refusal = DomainError | RequestError
REFUSALS = (DomainError, RequestError)

# THE table. A new error class gets its row here (tests/unit/test_error_table.py fails until it does).
HTTP_STATUS: Mapping[type[Refusal], int] = MappingProxyType(
    {
        # 400: the input cannot be used
        domain.InvalidInput: 400,
        domain.InvalidCursor: 400,
        domain.InvalidFile: 400,
        domain.InvalidUrl: 400,
        domain.WeakPassword: 400,
        domain.InvalidCode: 400,
        domain.AttachmentMismatch: 400,
        InvalidJson: 400,
        MissingField: 400,
        InvalidUuid: 400,
        MessageEmpty: 400,
        MessageTooLong: 400,
        # 401: not signed in, or not as anyone we know
        domain.InvalidCredentials: 401,
        domain.InvalidToken: 401,
        domain.TokenExpired: 401,
        domain.UnknownUser: 401,
        domain.AuthNotConfigured: 401,
        domain.InvalidIdentity: 401,
        domain.IdentityRequired: 401,
        domain.InvalidSignature: 401,
        MissingToken: 401,
        MissingCredentials: 401,
        NoConnection: 401,
        # 403: the caller may not
        domain.NotAllowed: 403,
        domain.ForbiddenField: 403,
        domain.OriginNotAllowed: 403,
        domain.NoOrganization: 403,
        domain.InsufficientScope: 403,
        domain.SubscriptionRefused: 403,
        # 404: not there, or another organisation's
        domain.OrganizationNotFound: 404,
        domain.UserNotFound: 404,
        domain.MemberNotFound: 404,
        domain.InvitationNotFound: 404,
        domain.ChannelNotFound: 404,
        domain.ConversationNotFound: 404,
        domain.KnowledgeNotFound: 404,
        domain.KnowledgeWebsiteNotFound: 404,
        domain.KnowledgeGapNotFound: 404,
        domain.WebhookNotFound: 404,
        domain.WebhookDeliveryNotFound: 404,
        domain.ApiTokenNotFound: 404,
        domain.LabelNotFound: 404,
        domain.CannedReplyNotFound: 404,
        domain.TemplateNotFound: 404,
        domain.AttachmentNotFound: 404,
        domain.TemplateNotFound: 404,
        # 409: the current state does not allow it
        domain.UserExists: 409,
        domain.AlreadyMember: 409,
        domain.OrganizationInactive: 409,
        domain.LastAdmin: 409,
        domain.OwnAccount: 409,
        domain.PlanLimitReached: 409,
        domain.ConversationClosed: 409,
        domain.AlreadyAssigned: 409,
        domain.AlreadyRated: 409,
        domain.NotClosed: 409,
        domain.NoContactEmail: 409,
        domain.ExportTooLarge: 400,
        domain.LabelExists: 409,
        domain.ShortcutTaken: 409,
        domain.ChannelAccountTaken: 409,
        domain.WindowClosed: 409,
        domain.AttachmentNotUploaded: 409,
        domain.StorageLimitReached: 409,
        domain.WindowClosed: 409,
        # 413: too large
        domain.FileTooLarge: 413,
        BodyTooLarge: 413,
        domain.AttachmentTooLarge: 413,
        # 415: a kind of file we do not take
        domain.AttachmentTypeNotAllowed: 415,
        domain.ImageNotAllowed: 415,
        # 429: too many, too fast
        domain.RateLimited: 429,
        domain.TooManyAttempts: 429,
        # 502: Meta's Graph API answered with an error or not at all
        domain.GraphApiFailed: 502,
        # 503: something the operation needs is unavailable; retry later
        domain.DatabaseUnavailable: 503,
        domain.AuthUnavailable: 503,
        domain.EncryptionUnavailable: 503,
        domain.ConversationChanged: 503,
        domain.AttachmentsUnavailable: 503,
    }
)


def status_of(error: Refusal) -> int:
    """The error's status: its class's row, else its nearest ancestor's; 500 for a class with no
    row at all (a bug the table's test catches first)."""
    for cls in type(error).__mro__:
        status = HTTP_STATUS.get(cls)
        if status is not None:
            return status
    return 500


def headers_of(error: Refusal) -> dict[str, str]:
    """HTTP headers the answer carries besides the error body."""
    if isinstance(error, domain.RateLimited):
        return {"Retry-After": str(error.retry_after_seconds)}
    return {}


def error_body(error: Refusal, language: Language = DEFAULT_LANGUAGE) -> dict[str, dict[str, str]]:
    return {"error": {"code": error.code, "message": error.message_in(language)}}


# What is answered in the same shape without being a refusal of ours: no such route, a bug.
AnswerCode = Literal["route_not_found", "method_not_allowed", "http_error", "internal_error"]


def answer_body(code: AnswerCode, language: Language = DEFAULT_LANGUAGE) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": catalogue.render("errors", code, language)}}


def proxy_response(error: Refusal, language: Language = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The refusal as an API Gateway Lambda proxy answer (what a function without a resolver returns)."""
    return {
        "statusCode": status_of(error),
        "headers": {"Content-Type": "application/json", **headers_of(error)},
        "body": json.dumps(error_body(error, language)),
    }
