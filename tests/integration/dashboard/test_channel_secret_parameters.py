"""A channel names the query parameters of its site's URLs that carry secrets (issue #23, item 15):
beyond the platform's own list, the page URL a conversation keeps drops those too."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
import pytest

from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


def _channel(tenant: Tenant) -> str:
    return f"/organizations/{tenant.organization_id}/channels/{tenant.channel_id}"


def _kept(tenant: Tenant, db: Db, page: str) -> str | None:
    conversation = WidgetClient(tenant.public_key, uuid4()).post("Hello", pageUrl=page).body["conversationId"]
    row = db.execute("SELECT page_url FROM conversations WHERE id = %s", (conversation,)).fetchone()
    assert row is not None
    kept: str | None = row["page_url"]
    return kept


def test_the_channels_own_secret_parameters_are_not_kept(people: People, admin: Person, tenant: Tenant, db: Db) -> None:
    changed = people.patch(admin, _channel(tenant), {"secretQueryParameters": ["ref", "Customer_No"]})

    kept = _kept(tenant, db, "https://coffee.example/order?ref=A-77&item=latte&customer_no=991&token=x")

    assert changed.status_code == 200, changed.text
    assert changed.json()["secretQueryParameters"] == ["ref", "customer_no"]
    assert kept == "https://coffee.example/order?item=latte"


def test_without_its_own_list_a_channel_keeps_parameters_the_platform_does_not_name(tenant: Tenant, db: Db) -> None:
    assert _kept(tenant, db, "https://coffee.example/order?ref=A-77") == "https://coffee.example/order?ref=A-77"


@pytest.mark.parametrize(
    "names", [["has space"], ["x" * 101], [""], [f"p{i}" for i in range(51)]], ids=["space", "long", "empty", "many"]
)
def test_a_parameter_name_that_is_not_one_is_refused(
    people: People, admin: Person, tenant: Tenant, names: list[str]
) -> None:
    answer = people.patch(admin, _channel(tenant), {"secretQueryParameters": names})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
