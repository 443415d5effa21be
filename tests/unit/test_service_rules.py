"""Who may do what is decided inside the services (the dashboard's routers only pass the caller in),
before anything touches the database."""

from __future__ import annotations

from typing import cast
from uuid import UUID, uuid4

import pytest

from chatflow import ai_settings, organizations, users
from chatflow.ai_settings import AISettingsChanges
from chatflow.db import Connection
from chatflow.errors import ForbiddenField, NotAllowed, OrganizationNotFound, OwnAccount
from chatflow.settings import Settings
from tests.support.callers import admin_of, agent_of, super_admin

ACME = uuid4()
SETTINGS = cast(Settings, object())  # never read: every case here stops before, or at, the database


class Touched(Exception):
    """The service went past its rule and reached the database."""


class _Untouchable:
    def __getattr__(self, name: str) -> object:
        raise Touched(name)


DB = cast(Connection, _Untouchable())


def _update_ai_settings(caller_kind: str, changes: AISettingsChanges, organization_id: UUID = ACME) -> None:
    caller = {"super_admin": super_admin(), "admin": admin_of(ACME), "agent": agent_of(ACME)}[caller_kind]
    ai_settings.update_ai_settings(DB, caller, SETTINGS, organization_id, changes)


def test_an_org_admin_may_not_change_a_technical_ai_setting() -> None:
    with pytest.raises(ForbiddenField) as refused:
        _update_ai_settings("admin", AISettingsChanges(system_prompt="Be brief.", model="gpt-4o", temperature=0.0))

    assert refused.value.code == "forbidden_field"
    assert refused.value.message == "Only a super admin may change model, temperature."


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (AISettingsChanges(provider="openai"), "provider"),
        (AISettingsChanges(max_tokens=100), "maxTokens"),
        (AISettingsChanges(set_api_key=True, api_key="sk-" + "x" * 30), "apiKey"),
        (AISettingsChanges(set_api_key=True, api_key=None), "apiKey"),  # clearing the key is a change too
    ],
)
def test_each_technical_field_is_named_as_the_api_names_it(changes: AISettingsChanges, named: str) -> None:
    with pytest.raises(ForbiddenField, match=f"change {named}\\.$"):
        _update_ai_settings("admin", changes)


def test_an_org_admin_may_change_the_business_ai_settings() -> None:
    with pytest.raises(Touched):
        _update_ai_settings("admin", AISettingsChanges(system_prompt="Be brief.", handoff_keywords=["human"]))


def test_a_super_admin_may_change_the_technical_ai_settings() -> None:
    with pytest.raises(Touched):
        _update_ai_settings("super_admin", AISettingsChanges(model="gpt-4o", set_api_key=True, api_key=None))


def test_an_agent_may_not_change_ai_settings_and_a_stranger_sees_no_organisation() -> None:
    with pytest.raises(NotAllowed):
        _update_ai_settings("agent", AISettingsChanges(system_prompt="Be brief."))
    with pytest.raises(OrganizationNotFound):
        _update_ai_settings("admin", AISettingsChanges(system_prompt="Be brief."), organization_id=uuid4())


def test_only_a_super_admin_makes_a_member_super_admin() -> None:
    with pytest.raises(ForbiddenField, match=r"^Only a super admin may change isSuperAdmin\.$"):
        organizations.update_member(DB, admin_of(ACME), ACME, "someone", is_super_admin=True)
    with pytest.raises(Touched):
        organizations.update_member(DB, super_admin(), ACME, "someone", is_super_admin=True)


def test_a_super_admin_never_demotes_deactivates_or_deletes_its_own_account() -> None:
    me = super_admin("me")

    with pytest.raises(OwnAccount, match="remove super admin from your own account"):
        users.update_user(DB, me, "me", is_super_admin=False)
    with pytest.raises(OwnAccount, match="deactivate your own account"):
        users.set_user_active(DB, me, SETTINGS, "me", active=False)
    with pytest.raises(OwnAccount, match="delete your own account"):
        users.delete_user(DB, me, SETTINGS, "me")
    with pytest.raises(Touched):
        users.update_user(DB, me, "someone else", is_super_admin=False)


def test_an_organisations_admin_may_read_it_but_not_change_it() -> None:
    with pytest.raises(Touched):
        organizations.get_organization(DB, admin_of(ACME), ACME)
    with pytest.raises(NotAllowed):
        organizations.update_organization(DB, admin_of(ACME), ACME, name="Acme", plan=None, active=None)
    with pytest.raises(OrganizationNotFound):  # another organisation's answers as if it did not exist
        organizations.update_organization(DB, admin_of(ACME), uuid4(), name="Acme", plan=None, active=None)
