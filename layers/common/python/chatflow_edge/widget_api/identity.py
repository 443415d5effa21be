"""The widget API's part of verified visitor identity (chatflow.visitor_identity): the token a call
may carry (`userJwt`), and what an identified call changes: the visitor it speaks as, and what its
conversation keeps of them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

from chatflow.visitor_identity import Identified
from chatflow.visitor_identity.models import MAX_TOKEN_CHARS
from chatflow_edge.widget_api.models import ChatRequest

__all__ = ["ChatWithIdentityRequest", "IdentifyRequest", "with_identity"]

UserJwt = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TOKEN_CHARS)]


class _In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="ignore", frozen=True)


class ChatWithIdentityRequest(ChatRequest):
    """`POST /api/chat`: the chat's request and the signed user's token beside it, validated at once
    (the token's errors after the chat's own, as their fields come)."""

    user_jwt: UserJwt | None = None


class IdentifyRequest(_In):
    """`POST /api/chat/identify`."""

    public_key: UUID
    user_jwt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TOKEN_CHARS)]


def with_identity(metadata: dict[str, Any], identified: Identified | None) -> dict[str, Any]:
    """The visitor metadata a conversation keeps, with the verified identity when there is one."""
    if identified is None:
        return metadata
    return {**metadata, "identity": identified.identity.metadata()}
