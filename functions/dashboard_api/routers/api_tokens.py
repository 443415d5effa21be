"""An organisation's API tokens: org admins and super admins create them (shown once), list them with
their last use, and revoke them. A token works as `Authorization: Bearer cf360_…` on the routes whose
OpenAPI operation carries `x-api-token-scope`, with that scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import Field

from chatflow import api_tokens
from dependencies import CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Name, Schema

router = APIRouter(
    prefix="/organizations/{organization_id}/api-tokens", tags=["api tokens"], responses=SIGNED_IN_ERRORS
)

Scopes = Annotated[
    list[api_tokens.Scope],
    Field(min_length=1, max_length=len(api_tokens.SCOPES), description="What the token may do; at least one."),
]


class ApiTokenCreate(Schema):
    name: Name
    scopes: Scopes


class ApiTokenOut(Schema):
    id: UUID
    organization_id: UUID
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it (cf360_abcd).")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: api_tokens.ApiToken) -> ApiTokenOut:
        return cls(
            id=token.id,
            organization_id=token.organization_id,
            name=token.name,
            prefix=token.prefix,
            scopes=token.scopes,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class ApiTokenWithSecretOut(ApiTokenOut):
    token: str = Field(description="cf360_…: shown this once; only its hash is kept.")


@router.get("", response_model=list[ApiTokenOut])
def list_api_tokens(organization_id: UUID, caller: CurrentCaller, db: Db) -> list[ApiTokenOut]:
    """Org admin: the organisation's tokens, revoked ones included, oldest first."""
    return [ApiTokenOut.of(t) for t in api_tokens.list_tokens(db, caller, organization_id)]


@router.post("", response_model=ApiTokenWithSecretOut, status_code=status.HTTP_201_CREATED)
def create_api_token(
    organization_id: UUID, body: ApiTokenCreate, caller: CurrentCaller, db: Db
) -> ApiTokenWithSecretOut:
    """Org admin: a new token; the token itself is in this answer only."""
    created, token = api_tokens.create_token(db, caller, organization_id, name=body.name, scopes=body.scopes)
    return ApiTokenWithSecretOut(**ApiTokenOut.of(created).model_dump(), token=token)


@router.post("/{token_id}/revoke", response_model=ApiTokenOut)
def revoke_api_token(organization_id: UUID, token_id: UUID, caller: CurrentCaller, db: Db) -> ApiTokenOut:
    """Org admin: refused from the next request on (again, harmlessly, if it is)."""
    return ApiTokenOut.of(api_tokens.revoke_token(db, caller, organization_id, token_id))
