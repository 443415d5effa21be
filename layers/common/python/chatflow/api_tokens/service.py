"""Organisation API tokens: org admins create them (a name, scopes; the token is shown once and only
its SHA-256 is kept), list them with their last use, and revoke them. A request with
`Authorization: Bearer cf360_…` is authenticated here as the token's caller: a member of its
organisation only, speaking as its "bot" user, on the routes of the dashboard API that accept
tokens, each with the scope it needs (the route says which; 403 insufficient_scope otherwise), and
counted against its own rate limit.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from uuid import UUID, uuid4

from chatflow import rate_limits
from chatflow.access import Caller
from chatflow.api_tokens import repository as repo
from chatflow.api_tokens.models import SCOPES, TOKEN_PREFIX, ApiToken
from chatflow.db import Connection, connection
from chatflow.errors import ApiTokenNotFound, InsufficientScope, InvalidInput, InvalidToken, OrganizationNotFound
from chatflow.settings import Settings
from chatflow.vocabulary import MemberRole

__all__ = ["authenticate", "check_scopes", "create_token", "is_api_token", "list_tokens", "revoke_token"]

_logger = logging.getLogger(__name__)


def is_api_token(bearer: str) -> bool:
    return bearer.startswith(TOKEN_PREFIX)


def _require_admin(conn: Connection, caller: Caller, organization_id: UUID) -> None:
    """An admin of the organisation (or a super admin), and an organisation that exists."""
    caller.require_admin(organization_id)
    if conn.execute("SELECT FROM organizations WHERE id = %s", (organization_id,)).fetchone() is None:
        raise OrganizationNotFound()


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def check_scopes(scopes: Sequence[str]) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidInput(f"scopes: unknown scope {unknown[0]!r}", variant="field", field="scopes")
    if not scopes:
        raise InvalidInput("scopes: at least one scope", variant="field", field="scopes")
    return [s for s in SCOPES if s in scopes]


def create_token(
    conn: Connection, caller: Caller, organization_id: UUID, *, name: str, scopes: Sequence[str]
) -> tuple[ApiToken, str]:
    """Org admin: a new token; the token itself is in this answer only."""
    _require_admin(conn, caller, organization_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = repo.insert_token(
        conn,
        token_id=uuid4(),
        organization_id=organization_id,
        name=name,
        token_hash=_hash(token),
        prefix=token[: len(TOKEN_PREFIX) + 4],
        scopes=check_scopes(scopes),
        created_by=caller.user_id,
    )
    _logger.info("api token created", extra={"token_id": str(created.id)})
    return created, token


def list_tokens(conn: Connection, caller: Caller, organization_id: UUID) -> list[ApiToken]:
    _require_admin(conn, caller, organization_id)
    return repo.select_tokens(conn, organization_id)


def revoke_token(conn: Connection, caller: Caller, organization_id: UUID, token_id: UUID) -> ApiToken:
    """Org admin: refused from the next request on."""
    _require_admin(conn, caller, organization_id)
    revoked = repo.revoke_token(conn, organization_id, token_id)
    if revoked is None:
        raise ApiTokenNotFound()
    _logger.info("api token revoked", extra={"token_id": str(token_id)})
    return revoked


def authenticate(token: str, *, scope: str | None, settings: Settings) -> Caller:
    """The caller a token speaks as, for a route that needs `scope` (None: a route that accepts no
    token). InvalidToken for an unknown or revoked token, InsufficientScope for a missing scope,
    RateLimited past the token's own limit. One round trip (two with the limit)."""
    with connection() as conn:
        row = repo.use_token(conn, _hash(token))
        if row is None:
            raise InvalidToken()
        if scope is None:
            raise InsufficientScope("This route does not accept API tokens.")
        if scope not in row["scopes"]:
            raise InsufficientScope(f"This API token does not have the scope {scope}.")
        rate_limits.enforce(
            "api_token", limit=settings.rate_limit_api_token_per_minute, keys=[str(row["id"])], conn=conn
        )
    # Knowledge is written by admins only; every other route a token reaches is an agent's.
    role: MemberRole = "admin" if "knowledge:write" in row["scopes"] else "agent"
    return Caller(
        user_id=row["bot_user_id"],
        email="",
        name=row["name"],
        is_super_admin=False,
        preferred_language="en",
        memberships={row["organization_id"]: role},
        # A token of a deactivated organisation reads (to export) and writes nothing, as its members.
        inactive_organizations=frozenset() if row["organization_active"] else frozenset({row["organization_id"]}),
    )
