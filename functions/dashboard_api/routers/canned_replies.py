"""Canned replies: an organisation's saved answers with a short code, in English and/or Spanish.
Members list and search them (the reply box's "/"); admins create, change and delete them. A short
code is unique per organisation (409 `shortcut_taken`); another organisation's answers 404."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import Field, StringConstraints

from chatflow import canned_replies
from chatflow.text import Storable
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema, error_responses

router = APIRouter(
    prefix="/organizations/{organization_id}/canned-replies", tags=["canned replies"], responses=SIGNED_IN_ERRORS
)

Shortcut = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Storable]
Content = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=canned_replies.MAX_CONTENT_CHARS),
    Storable,
]
_VARIABLES = ", ".join(canned_replies.VARIABLES)


class CannedReplyOut(Schema):
    id: UUID
    shortcut: str
    title: str
    content_en: str | None
    content_es: str | None


class CannedReplyIn(Schema):
    shortcut: Shortcut = Field(description="Typed after / in the reply box: a-z, 0-9, - and _, up to 32.")
    title: Title
    content_en: Content | None = Field(default=None, description=f"English text; may hold {_VARIABLES}.")
    content_es: Content | None = Field(default=None, description=f"Spanish text; may hold {_VARIABLES}.")


class CannedReplyUpdate(Schema):
    shortcut: Shortcut | None = None
    title: Title | None = None
    content_en: Content | None = None
    content_es: Content | None = None


@router.get("", response_model=list[CannedReplyOut])
def list_replies(
    organization_id: UUID,
    caller: CurrentCaller,
    db: Db,
    q: Annotated[
        str | None,
        Query(max_length=100, description="The start of a short code, or words of a title or text (at most 20)."),
    ] = None,
) -> list[CannedReplyOut]:
    """Members."""
    search = (q or "").strip().lstrip("/") or None
    return [
        CannedReplyOut.from_domain(r) for r in canned_replies.list_replies(db, caller, organization_id, search=search)
    ]


@router.post(
    "", response_model=CannedReplyOut, status_code=status.HTTP_201_CREATED, responses=error_responses(400, 409)
)
def create_reply(organization_id: UUID, body: CannedReplyIn, caller: CurrentCaller) -> CannedReplyOut:
    """Admins. At least one of the two texts."""
    return CannedReplyOut.from_domain(
        canned_replies.create_reply(
            caller,
            organization_id,
            shortcut=body.shortcut,
            title=body.title,
            content_en=body.content_en,
            content_es=body.content_es,
        )
    )


@router.patch("/{reply_id}", response_model=CannedReplyOut, responses=error_responses(400, 409))
def update_reply(
    organization_id: UUID, reply_id: UUID, body: CannedReplyUpdate, caller: CurrentCaller
) -> CannedReplyOut:
    """Admins: the fields sent change (a text sent as null is removed, if the other remains)."""
    return CannedReplyOut.from_domain(
        canned_replies.update_reply(
            caller, organization_id, reply_id, changes=body.model_dump(exclude_unset=True, by_alias=False)
        )
    )


@router.delete("/{reply_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_reply(organization_id: UUID, reply_id: UUID, caller: CurrentCaller) -> None:
    """Admins."""
    canned_replies.delete_reply(caller, organization_id, reply_id)
