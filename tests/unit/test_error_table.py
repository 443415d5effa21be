"""The one table from error classes to HTTP statuses (chatflow_edge.errors), and a domain that knows
no HTTP."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from chatflow import errors as domain
from chatflow.errors import DomainError
from chatflow_edge import errors as edge
from chatflow_edge.errors import HTTP_STATUS, REFUSALS, RequestError, error_body, headers_of, proxy_response, status_of

CHATFLOW_DIR = Path(domain.__file__).resolve().parent

ERROR_CLASSES = sorted(
    {
        obj
        for module in (domain, edge)
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, REFUSALS) and obj not in REFUSALS
    },
    key=lambda cls: cls.__name__,
)

# What clients branch on, exactly as the API answered before the errors were named for what
# happened: a code here never changes, nor its status.
CONTRACT = {
    "invalid_field": 400,
    "invalid_cursor": 400,
    "invalid_file": 400,
    "invalid_url": 400,
    "weak_password": 400,
    "invalid_code": 400,
    "invalid_json": 400,
    "missing_field": 400,
    "invalid_uuid": 400,
    "message_empty": 400,
    "message_too_long": 400,
    "invalid_credentials": 401,
    "invalid_token": 401,
    "token_expired": 401,
    "unknown_user": 401,
    "auth_not_configured": 401,
    "missing_token": 401,
    "missing_credentials": 401,
    "no_connection": 401,
    "forbidden": 403,
    "forbidden_field": 403,
    "origin_not_allowed": 403,
    "no_organization": 403,
    "organization_not_found": 404,
    "user_not_found": 404,
    "member_not_found": 404,
    "invitation_not_found": 404,
    "organization_inactive": 409,
    "channel_not_found": 404,
    "conversation_not_found": 404,
    "knowledge_not_found": 404,
    "knowledge_gap_not_found": 404,
    "knowledge_website_not_found": 404,
    "webhook_not_found": 404,
    "webhook_delivery_not_found": 404,
    "api_token_not_found": 404,
    "insufficient_scope": 403,
    "invalid_identity": 401,
    "identity_required": 401,
    "user_exists": 409,
    "already_member": 409,
    "last_admin": 409,
    "own_account": 409,
    "plan_limit": 409,
    "conversation_closed": 409,
    "already_assigned": 409,
    "already_rated": 409,
    "not_closed": 409,
    "no_contact_email": 409,
    "export_too_large": 400,
    "label_exists": 409,
    "shortcut_taken": 409,
    "label_not_found": 404,
    "canned_reply_not_found": 404,
    "channel_account_taken": 409,
    "window_closed": 409,
    "template_not_found": 404,
    "graph_api_failed": 502,
    "invalid_signature": 401,
    "subscription_refused": 403,
    "file_too_large": 413,
    "payload_too_large": 413,
    "rate_limited": 429,
    "too_many_attempts": 429,
    "database_unavailable": 503,
    "auth_unavailable": 503,
    "encryption_unavailable": 503,
    "conflict_retry": 503,
    "attachment_mismatch": 400,
    "attachment_not_found": 404,
    "attachment_not_uploaded": 409,
    "attachment_too_large": 413,
    "image_not_allowed": 415,
    "attachment_type_not_allowed": 415,
    "storage_limit": 409,
    "attachments_unavailable": 503,
}


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_class_has_its_own_row(cls: type[DomainError | RequestError]) -> None:
    assert cls in HTTP_STATUS, f"{cls.__name__} has no row in chatflow_edge.errors.HTTP_STATUS"
    assert 400 <= HTTP_STATUS[cls] <= 599


def test_the_table_holds_nothing_but_error_classes() -> None:
    assert set(HTTP_STATUS) == set(ERROR_CLASSES)


def test_every_code_is_unique() -> None:
    codes = [cls.code for cls in ERROR_CLASSES]
    assert len(codes) == len(set(codes)), sorted(code for code in codes if codes.count(code) > 1)


def test_every_code_keeps_its_status() -> None:
    assert {cls.code: HTTP_STATUS[cls] for cls in ERROR_CLASSES} == CONTRACT


def test_the_domain_errors_carry_no_status_and_no_headers() -> None:
    for cls in ERROR_CLASSES:
        if issubclass(cls, DomainError):
            assert not hasattr(cls, "status"), cls.__name__
            assert not hasattr(cls, "headers"), cls.__name__


def test_the_chatflow_package_imports_nothing_of_http() -> None:
    http = ("aws_lambda_powertools.event_handler", "fastapi", "starlette", "mangum", "chatflow_edge")
    offenders = []
    for path in sorted(CHATFLOW_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(CHATFLOW_DIR)}: {n}" for n in names if n.startswith(http)]
    assert offenders == []


def test_a_subclass_without_a_row_answers_as_its_parent() -> None:
    class NoSuchPage(domain.ChannelNotFound):
        pass

    assert status_of(NoSuchPage()) == 404


def test_an_error_outside_the_table_is_a_500() -> None:
    class Unheard(DomainError):
        code = "unheard"

    assert status_of(Unheard()) == 500


def test_a_rate_limited_answer_says_when_to_retry() -> None:
    error = domain.RateLimited(7)

    assert (status_of(error), headers_of(error)) == (429, {"Retry-After": "7"})
    assert headers_of(domain.TooManyAttempts()) == {}


def test_the_body_is_the_contracts_error_shape() -> None:
    error = domain.PlanLimitReached("starter", 1)

    assert error_body(error) == {
        "error": {
            "code": "plan_limit",
            "message": "The starter plan includes 1 channel; upgrade the plan or delete a channel first.",
        }
    }
    answer = proxy_response(edge.MissingCredentials("publicKey: required."))
    assert answer["statusCode"] == 401
    assert answer["headers"] == {"Content-Type": "application/json"}
    assert json.loads(answer["body"]) == {"error": {"code": "missing_credentials", "message": "publicKey: required."}}


def test_a_raise_may_say_more_than_the_default_message() -> None:
    assert domain.ConversationNotFound().message == "No such conversation."
    assert str(domain.ConversationNotFound("Not this visitor's.")) == "Not this visitor's."
    assert (
        domain.ForbiddenField(["model", "temperature"]).message == "Only a super admin may change model, temperature."
    )
