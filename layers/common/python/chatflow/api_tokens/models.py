"""An organisation's API token, and the scopes a token may hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

__all__ = ["SCOPES", "TOKEN_PREFIX", "ApiToken", "Scope"]

Scope = Literal[
    "conversations:read", "conversations:write", "knowledge:read", "knowledge:write", "contacts:read", "reports:read"
]
SCOPES: tuple[Scope, ...] = (
    "conversations:read",
    "conversations:write",
    "knowledge:read",
    "knowledge:write",
    "contacts:read",
    "reports:read",
)
TOKEN_PREFIX = "cf360_"  # noqa: S105  # a prefix, not a secret


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: UUID
    organization_id: UUID
    name: str
    prefix: str
    scopes: list[str]
    bot_user_id: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
