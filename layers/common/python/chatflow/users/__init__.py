"""Users of the dashboard: rows keyed by their Cognito `sub`.

A user exists twice, as a Cognito user (its password, its sign-in) and as a row here (its name,
language, roles). Super admins manage every user, but never deactivate, delete or demote their own
account; anyone changes their own profile. Nobody but a super admin makes anyone a super admin.
"""

from chatflow.users.avatar import my_avatar_url, remove_my_avatar, request_my_avatar_upload, set_my_avatar
from chatflow.users.models import Invited, Membership, User, UserDetail
from chatflow.users.repository import find_user_by_email, link_cognito_user, write_user
from chatflow.users.service import (
    create_user,
    delete_user,
    end_sessions,
    get_user_detail,
    invite_user,
    list_users,
    reissue_invitation,
    set_user_active,
    update_profile,
    update_user,
)

__all__ = [
    "Invited",
    "Membership",
    "User",
    "UserDetail",
    "create_user",
    "delete_user",
    "end_sessions",
    "find_user_by_email",
    "get_user_detail",
    "invite_user",
    "link_cognito_user",
    "list_users",
    "my_avatar_url",
    "reissue_invitation",
    "remove_my_avatar",
    "request_my_avatar_upload",
    "set_my_avatar",
    "set_user_active",
    "update_profile",
    "update_user",
    "write_user",
]
