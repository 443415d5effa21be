"""Callers for tests that ask the domain's services directly, without the dashboard API: since the
services check who may do what, every call says who is asking."""

from __future__ import annotations

from uuid import UUID

from chatflow.access import Caller

__all__ = ["admin_of", "agent_of", "super_admin"]


def super_admin(user_id: str = "super-admin") -> Caller:
    return Caller(
        user_id=user_id, email=f"{user_id}@example.com", name=user_id, is_super_admin=True, preferred_language="en"
    )


def admin_of(*organizations: UUID, user_id: str = "admin") -> Caller:
    return Caller(
        user_id=user_id,
        email=f"{user_id}@example.com",
        name=user_id,
        is_super_admin=False,
        preferred_language="en",
        memberships=dict.fromkeys(organizations, "admin"),
    )


def agent_of(*organizations: UUID, user_id: str = "agent") -> Caller:
    return Caller(
        user_id=user_id,
        email=f"{user_id}@example.com",
        name=user_id,
        is_super_admin=False,
        preferred_language="en",
        memberships=dict.fromkeys(organizations, "agent"),
    )
