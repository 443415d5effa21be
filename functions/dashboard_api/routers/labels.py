"""Labels: an organisation's coloured names for conversations. Members list them and put them on
conversations or take them off; admins create, change and delete them. Names are unique per
organisation whatever their case (409 `label_exists`); another organisation's answers 404."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import Field, StringConstraints

from chatflow import labels
from chatflow.text import Storable
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema, error_responses

router = APIRouter(tags=["labels"], responses=SIGNED_IN_ERRORS)

LabelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Storable]
LabelColor = Literal[labels.LABEL_COLORS]  # type: ignore[valid-type]


class LabelOut(Schema):
    id: UUID
    name: str
    color: str


class LabelIn(Schema):
    name: LabelName
    color: LabelColor = Field(description="One of the palette's colours.")


class LabelUpdate(Schema):
    name: LabelName | None = None
    color: LabelColor | None = None


@router.get("/organizations/{organization_id}/labels", response_model=list[LabelOut])
def list_labels(organization_id: UUID, caller: CurrentCaller, db: Db) -> list[LabelOut]:
    """Members: the organisation's labels, by name."""
    return [LabelOut.from_domain(x) for x in labels.list_labels(db, caller, organization_id)]


@router.post(
    "/organizations/{organization_id}/labels",
    response_model=LabelOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 409),
)
def create_label(organization_id: UUID, body: LabelIn, caller: CurrentCaller) -> LabelOut:
    """Admins."""
    return LabelOut.from_domain(labels.create_label(caller, organization_id, name=body.name, color=body.color))


@router.patch(
    "/organizations/{organization_id}/labels/{label_id}", response_model=LabelOut, responses=error_responses(400, 409)
)
def update_label(organization_id: UUID, label_id: UUID, body: LabelUpdate, caller: CurrentCaller) -> LabelOut:
    """Admins: rename or recolour; the cards wearing it follow live."""
    return LabelOut.from_domain(
        labels.update_label(caller, organization_id, label_id, name=body.name, color=body.color)
    )


@router.delete("/organizations/{organization_id}/labels/{label_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_label(organization_id: UUID, label_id: UUID, caller: CurrentCaller) -> None:
    """Admins: gone from every conversation too."""
    labels.delete_label(caller, organization_id, label_id)


@router.put("/conversations/{conversation_id}/labels/{label_id}", response_model=list[LabelOut])
def add_label(conversation_id: UUID, label_id: UUID, caller: CurrentCaller) -> list[LabelOut]:
    """Members: the label on the conversation (again, harmlessly); its labels after it. 404 for a
    label of another organisation than the conversation's."""
    return [LabelOut.from_domain(x) for x in labels.add_label(caller, conversation_id, label_id)]


@router.delete("/conversations/{conversation_id}/labels/{label_id}", response_model=list[LabelOut])
def remove_label(conversation_id: UUID, label_id: UUID, caller: CurrentCaller) -> list[LabelOut]:
    """Members: the label off the conversation; its labels after it."""
    return [LabelOut.from_domain(x) for x in labels.remove_label(caller, conversation_id, label_id)]
