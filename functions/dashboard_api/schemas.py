"""What every request and response model of the dashboard API shares: the base (chatflow.schema:
camelCase on the wire, snake_case in Python), names, pages and errors."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, Field, StringConstraints

from chatflow.names import MAX_NAME_CHARS, check_name
from chatflow.schema import Schema
from chatflow.text import Storable

__all__ = ["SIGNED_IN_ERRORS", "Email", "Error", "ErrorDetail", "Name", "Page", "Schema", "error_responses"]


def _lower(value: str) -> str:
    return value.lower()


# Deliberately looser than pydantic's EmailStr, which refuses special-use domains such as .local and
# .test that the local stack and the tests sign in with; Cognito and SES check addresses further.
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(_lower),
]

# A person's, organisation's or channel's name: one line of a restricted set (chatflow.names).
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_CHARS),
    Storable,
    AfterValidator(check_name),
]


Item = TypeVar("Item")


class Page(Schema, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None


class ErrorDetail(Schema):
    code: str = Field(description="Machine-readable, e.g. organization_not_found or plan_limit.")
    message: str = Field(description="For people, in English.")


class Error(Schema):
    """Every failure of the API has this shape, whatever its status."""

    error: ErrorDetail


_ERROR_DESCRIPTIONS = {
    400: "Invalid request: a field, the JSON or a cursor",
    401: "No access token, or one that is not valid (or the sign-in failed)",
    403: "The caller's role may not do this, or may not change one of the fields sent",
    404: "No such resource, or one of an organisation the caller does not belong to",
    409: "The request conflicts with the current state (plan limit, last admin, closed conversation, …)",
    413: "The upload is too large",
    415: "A kind of file this operation does not take",
    429: "Too many requests; wait as long as Retry-After says",
    502: "Meta's Graph API answered with an error or not at all",
    503: "A service this operation needs (database, Cognito, encryption key) is unavailable; retry later",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these statuses, each with the Error body, so that the document
    lists every status a client must handle."""
    return {status: {"model": Error, "description": _ERROR_DESCRIPTIONS[status]} for status in statuses}


# What any route with a signed-in caller may answer besides its own: no or a bad token, a role that
# may not, a resource outside the caller's organisations, the database out of reach.
SIGNED_IN_ERRORS = error_responses(401, 403, 404, 503)


class PictureUploadIn(Schema):
    """A logo or a photo about to be uploaded (chatflow.media): what the presigned POST will allow."""

    content_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="image/png, image/jpeg or image/webp (415 otherwise)."
    )
    size: int = Field(ge=1, description="Bytes; at most 2 MB (415 beyond).")


class PictureUploadOut(Schema):
    url: str = Field(description="POST `fields`, then the file as the last part named `file` (multipart).")
    fields: dict[str, str]
    upload_key: str = Field(description="Send it back to publish the picture once the POST succeeded.")
    max_bytes: int


class PictureIn(Schema):
    upload_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
