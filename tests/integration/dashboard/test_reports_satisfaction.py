"""Satisfaction in the reports (issue #19, item 3): the visitors' ratings counted apart for the
conversations whose last answer was the AI's and those whose last answer was an agent's, and per
agent; a rating remakes its day's rollups (the count_for_reports listener marks it)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _today() -> str:
    return dt.datetime.now(ZoneInfo("America/New_York")).date().isoformat()


def _rated(visitor: WidgetClient, rating: int, *, agent: Person | None = None, people: People | None = None) -> None:
    if agent is None:
        conversation = visitor.post("Do you sell decaf?").body["conversationId"]
        visitor.close(conversation)
    else:
        assert people is not None
        conversation = visitor.post("I want to talk to a human").body["conversationId"]
        people.post(agent, f"/conversations/{conversation}/takeover")
        people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hi, Ana here."})
        people.post(agent, f"/conversations/{conversation}/close")
    assert visitor.rate(conversation, rating).status == 200


def test_the_ais_and_the_agents_satisfaction_are_counted_apart_and_per_agent(
    people: People, tenant: Tenant, visitor: WidgetClient, db: Db
) -> None:
    ana = people.make(agent_of=[tenant.organization_id])
    admin = people.make(admin_of=[tenant.organization_id])
    _rated(visitor, 5)
    _rated(visitor.another_visitor(), 2)
    _rated(visitor.another_visitor(), 4, agent=ana, people=people)

    report = people.get(
        admin, "/reports", organizationId=str(tenant.organization_id), **{"from": _today(), "to": _today()}
    ).json()

    assert report["current"]["csat"] == {"ratings": 3, "average": pytest.approx(11 / 3), "satisfactionRate": 2 / 3}
    assert report["current"]["csatAi"] == {"ratings": 2, "average": 3.5, "satisfactionRate": 0.5}
    assert report["current"]["csatAgents"] == {"ratings": 1, "average": 4.0, "satisfactionRate": 1.0}
    assert [(a["userId"], a["csat"]["ratings"], a["csat"]["satisfactionRate"]) for a in report["byAgent"]] == [
        (ana.id, 1, 1.0)
    ]


def test_a_period_without_ratings_says_none(people: People, tenant: Tenant, visitor: WidgetClient) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    visitor.post("Hello")

    report = people.get(
        admin, "/reports", organizationId=str(tenant.organization_id), **{"from": _today(), "to": _today()}
    ).json()

    assert report["current"]["csatAi"] == {"ratings": 0, "average": None, "satisfactionRate": None}


def test_satisfaction_is_split_by_language_too(people: People, tenant: Tenant, visitor: WidgetClient) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    _rated(visitor, 5)
    spanish = visitor.another_visitor()
    conversation = spanish.post("¿Tienen café descafeinado?", lang="es").body["conversationId"]
    spanish.close(conversation)
    assert spanish.rate(conversation, 1).status == 200

    report = people.get(
        admin, "/reports", organizationId=str(tenant.organization_id), **{"from": _today(), "to": _today()}
    ).json()

    by_language = {row["language"]: row for row in report["byLanguage"]}
    assert by_language["en"]["csatAi"] == {"ratings": 1, "average": 5.0, "satisfactionRate": 1.0}
    assert by_language["es"]["csatAi"] == {"ratings": 1, "average": 1.0, "satisfactionRate": 0.0}
    assert by_language["es"]["csatAgents"]["ratings"] == 0
    assert by_language["es"]["csat"] == by_language["es"]["csatAi"]
