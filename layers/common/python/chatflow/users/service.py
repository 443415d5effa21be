"""The rules of users: who may manage them, and how the Cognito user and the row stay together.

Creating, deactivating and deleting touch both sides: the side that can be undone goes first, and a
failure of the second undoes it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import string
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from chatflow import audit
from chatflow.access import Caller
from chatflow.auth import cognito
from chatflow.db import Connection
from chatflow.errors import DomainError, InvalidCredentials, InvalidCursor, OwnAccount
from chatflow.notifications import send
from chatflow.notifications.invite import invitation_email
from chatflow.notifications.links import dashboard_link
from chatflow.realtime.closing import close_user_connections
from chatflow.settings import Settings
from chatflow.users import repository as repo
from chatflow.users.models import Invited, User, UserDetail
from chatflow.vocabulary import MemberRole

__all__ = [
    "create_user",
    "delete_user",
    "end_sessions",
    "get_user_detail",
    "invite_user",
    "list_users",
    "set_user_active",
    "update_profile",
    "update_user",
]

_logger = logging.getLogger(__name__)


def update_profile(conn: Connection, caller: Caller, *, name: str | None, preferred_language: str | None) -> User:
    """The caller's own name or preferred language."""
    return repo.write_profile(conn, caller.user_id, name=name, preferred_language=preferred_language)


def get_user_detail(conn: Connection, caller: Caller, user_id: str) -> UserDetail:
    """Super admin: a user with its organisations."""
    caller.require_super_admin()
    return repo.load_detail(conn, user_id)


def _encode_cursor(email: str) -> str:
    return base64.urlsafe_b64encode(email.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (ValueError, binascii.Error) as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidCursor() from exc


def list_users(
    conn: Connection, caller: Caller, *, search: str | None, cursor: str | None, limit: int
) -> tuple[list[UserDetail], str | None]:
    """Super admin: users by email, `limit` at a time; `search` matches part of the email or name, any
    case. Returns the page and the cursor of the next one (None on the last page)."""
    caller.require_super_admin()
    found = repo.list_details(
        conn,
        search=search or None,
        after_email=_decode_cursor(cursor) if cursor else None,
        limit=limit + 1,  # one more than the page tells whether another follows
    )
    page = found[:limit]
    next_cursor = _encode_cursor(page[-1].email.lower()) if len(found) > limit else None
    return page, next_cursor


def _not_oneself(caller: Caller, user_id: str, what: str) -> None:
    if user_id == caller.user_id:
        raise OwnAccount(what)


def update_user(
    conn: Connection,
    caller: Caller,
    user_id: str,
    *,
    name: str | None = None,
    preferred_language: str | None = None,
    is_super_admin: bool | None = None,
) -> None:
    """Super admin: change a user's name, language or super-admin standing (None leaves it); never
    take super admin from one's own account."""
    caller.require_super_admin()
    if is_super_admin is False:
        _not_oneself(caller, user_id, "remove super admin from")
    repo.write_user(conn, user_id, name=name, preferred_language=preferred_language, is_super_admin=is_super_admin)


_SYMBOLS = "!#%*+-=?@_"
_ALPHABETS = (string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOLS)


def _temporary_password(length: int = 20) -> str:
    """Random, with at least one character of each class the pool's password policy requires."""
    every = "".join(_ALPHABETS)
    chars = [secrets.choice(alphabet) for alphabet in _ALPHABETS]
    chars += [secrets.choice(every) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _forget_cognito_user(settings: Settings, email: str) -> None:
    """Best effort: the Cognito half of a user whose database half was not written."""
    try:
        cognito.delete_user(settings, email=email)
    except DomainError:
        _logger.exception("a Cognito user was created but could not be deleted after the database refused it")


def invite_user(
    conn: Connection,
    caller: Caller,
    settings: Settings,
    *,
    email: str,
    name: str,
    preferred_language: str,
    is_super_admin: bool = False,
    memberships: Sequence[tuple[UUID, MemberRole]] = (),
) -> Invited:
    """Super admin: a new user, with optional memberships, invited by email (create_user)."""
    caller.require_super_admin()
    return create_user(
        conn,
        settings,
        email=email,
        name=name,
        preferred_language=preferred_language,
        is_super_admin=is_super_admin,
        memberships=memberships,
    )


def create_user(
    conn: Connection,
    settings: Settings,
    *,
    email: str,
    name: str,
    preferred_language: str,
    is_super_admin: bool = False,
    memberships: Sequence[tuple[UUID, MemberRole]] = (),
    join: tuple[str, MemberRole, str, int] | None = None,
) -> Invited:
    """Create the user in Cognito (with a temporary password) and here, then email the invitation.
    No rule of its own: for services that have checked their caller (invite_user,
    organizations.invite_member).

    Cognito first: if it refuses, nothing has been written. If the database then refuses (the email is
    already taken, an organisation vanished), the Cognito user is deleted again. The invitation is sent
    last and never makes the call fail; `invitation_sent` says whether SES took it. `join` (organisation
    name, role, link, days) invites it into an organisation it joins by accepting at the link."""
    email = cognito.normalize_email(email)
    name = name.strip() or email.split("@")[0]
    organizations = repo.organization_names(conn, [organization_id for organization_id, _ in memberships])
    temporary_password = _temporary_password()
    sub = cognito.create_user(settings, email=email, name=name, temporary_password=temporary_password)
    try:
        repo.insert_user(
            conn,
            user_id=sub,
            email=email,
            name=name,
            is_super_admin=is_super_admin,
            preferred_language=preferred_language,
            memberships=memberships,
        )
    except BaseException:
        _forget_cognito_user(settings, email)
        raise
    organization, role = (
        (organizations[memberships[0][0]], memberships[0][1]) if len(memberships) == 1 else (None, None)
    )
    join_url, join_days = None, 7
    if join is not None:
        organization, role, join_url, join_days = join
    sent = _email_invitation(
        settings,
        to=email,
        name=name,
        language=preferred_language,
        temporary_password=temporary_password,
        organization=organization,
        role=role,
        join_url=join_url,
        join_days=join_days,
    )
    return Invited(user_id=sub, invitation_sent=sent)


def _email_invitation(
    settings: Settings,
    *,
    to: str,
    name: str,
    language: str,
    temporary_password: str,
    organization: str | None,
    role: MemberRole | None,
    join_url: str | None,
    join_days: int,
) -> bool:
    return send(
        settings,
        invitation_email(
            to=to,
            name=name,
            language=language,
            temporary_password=temporary_password,
            sign_in_url=dashboard_link(settings, language, "login"),
            organization=organization,
            role=role,
            join_url=join_url,
            join_days=join_days,
        ),
    )


def reissue_invitation(
    conn: Connection, settings: Settings, *, email: str, join: tuple[str, MemberRole, str, int]
) -> bool | None:
    """The account of `email`, invited and never signed in, gets a new temporary password (the old
    one stops working) and its invitation again, with `join` (organisation name, role, link, days);
    whether SES took it. None when no such account waits for one: it only needs the link."""
    user = repo.find_user_by_email(conn, email)
    if user is None or repo.has_signed_in(conn, user.id):
        return None
    temporary_password = _temporary_password()
    cognito.set_temporary_password(settings, email=user.email, temporary_password=temporary_password)
    organization, role, join_url, join_days = join
    return _email_invitation(
        settings,
        to=user.email,
        name=user.name,
        language=user.preferred_language,
        temporary_password=temporary_password,
        organization=organization,
        role=role,
        join_url=join_url,
        join_days=join_days,
    )


def _tolerate_missing_cognito_user(call: Callable[..., None], settings: Settings, **params: Any) -> None:
    """Runs a Cognito admin call; a user Cognito does not know (a pool recreated on a laptop, a user
    deleted there by hand) is not an error: the database row is what grants access.
    chatflow.auth.cognito reports Cognito's UserNotFoundException as InvalidCredentials."""
    try:
        call(settings, **params)
    except InvalidCredentials:
        _logger.warning("the Cognito user of a dashboard user was not found; the database was updated alone")


def set_user_active(conn: Connection, caller: Caller, settings: Settings, user_id: str, *, active: bool) -> None:
    """Super admin: deactivate (never one's own account) or reactivate a user: the row first, inside
    the caller's transaction, then Cognito; if Cognito refuses, the caller's transaction rolls the row
    back. A deactivated user's tokens stop working at once (every request loads the caller and checks
    `active`)."""
    caller.require_super_admin()
    if not active:
        _not_oneself(caller, user_id, "deactivate")
    email = repo.set_active(conn, user_id, active=active)
    _tolerate_missing_cognito_user(cognito.set_user_enabled, settings, email=email, enabled=active)
    audit.record(
        conn,
        action="user.activated" if active else "user.deactivated",
        organization_id=None,
        actor=caller,
        target=user_id,
    )
    if not active:
        end_sessions(conn, settings, user_id)


def end_sessions(conn: Connection, settings: Settings, user_id: str) -> None:
    """The user's access ends now: every access token issued so far is refused from the next request
    on (chatflow.access.load_caller), and its live sockets are closed. Signing out and deactivation."""
    repo.revoke_tokens(conn, user_id)
    close_user_connections(conn, settings, user_id)


def delete_user(conn: Connection, caller: Caller, settings: Settings, user_id: str) -> None:
    """Super admin: delete a user (never one's own account) on both sides: the row (and its
    memberships) inside the caller's transaction, then the Cognito user; if Cognito refuses, the
    caller's transaction rolls the row back. Messages the user wrote stay, without an author."""
    caller.require_super_admin()
    _not_oneself(caller, user_id, "delete")
    email = repo.delete(conn, user_id)
    _tolerate_missing_cognito_user(cognito.delete_user, settings, email=email)
