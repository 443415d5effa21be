"""The AI preview costs money, so it is limited (issue #23, item 8): admins only, a rate limit per
user, a bound on what one request may send, and its tokens counted in the month's usage as preview
(never as a visitor's conversation or message)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from chatflow.organizations import create_organization
from tests.support.people import People

Db = psycopg.Connection[dict[str, Any]]


def _preview(people: People, who: Any, org: Any, body: dict[str, Any] | None = None) -> Any:
    return people.post(who, f"/organizations/{org}/ai-settings/preview", body or {"message": "Hi"})


def test_an_agent_may_not_preview(people: People, db: Db) -> None:
    org = create_organization(db, name="Acme")
    agent = people.make(agent_of=[org])

    answer = _preview(people, agent, org)

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_the_preview_is_rate_limited_per_user(people: People, db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_PREVIEW_PER_MINUTE", "2")
    get_settings.cache_clear()
    org = create_organization(db, name="Acme")
    admin = people.make(admin_of=[org])

    statuses = [_preview(people, admin, org).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_one_request_may_not_send_more_than_the_bound(people: People, db: Db) -> None:
    org = create_organization(db, name="Acme")
    admin = people.make(admin_of=[org])
    history = [{"role": "visitor", "content": "x" * 2_000} for _ in range(20)]

    answer = _preview(people, admin, org, {"message": "Hi", "history": history})

    assert answer.status_code == 400


def test_its_tokens_are_counted_as_preview_usage(people: People, db: Db) -> None:
    org = create_organization(db, name="Acme")
    admin = people.make(admin_of=[org])

    tokens = _preview(people, admin, org).json()["tokensUsed"]

    [month] = people.get(admin, f"/organizations/{org}/usage", months=1).json()["months"]
    assert (month["previewMessages"], month["previewTokens"]) == (1, tokens)
    assert (month["conversations"], month["messages"], month["tokens"]) == (0, 0, 0)
