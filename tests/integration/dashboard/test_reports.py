"""GET /reports: a seeded November of a Miami business (America/New_York) with known outcomes, each
figure checked against the value worked out by hand (the percentiles of durations to within the
histogram's RESOLUTION, 2.5 %: they are read from bucket counts); the rows as CSV; who may read them; the price
table. The conversations' figures are kept by the count_for_reports listener, run here on each
seeded message and conversation as functions/dispatch runs it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.listeners import count_for_reports
from chatflow.organizations import create_organization
from chatflow.outbox import ConversationCreated, MessageCreated
from chatflow.reports import LIST_PRICES, refresh_marked_days
from chatflow.reports.histogram import RESOLUTION
from tests.support.callers import super_admin
from tests.support.people import People, Person

Db = psycopg.Connection[dict[str, Any]]
MIAMI = ZoneInfo("America/New_York")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def _local(day: int, hour: int, minute: int = 0, *, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=MIAMI)


class Business:
    def __init__(self, db: Db, organization_id: UUID, channel_id: UUID) -> None:
        self.db, self.organization_id, self.channel_id = db, organization_id, channel_id

    def conversation(
        self,
        started: dt.datetime,
        *,
        language: str = "en",
        visitor: UUID | None = None,
        ai_tokens: tuple[int, ...] = (),
        handoff: tuple[str, str | None, int] | None = None,  # source, reason, seconds after the start
        agent_reply_after: int | None = None,  # seconds after the handoff
        assignee: str | None = None,
        closed_after: int | None = None,  # seconds after the start
    ) -> UUID:
        handed_off_at = started + dt.timedelta(seconds=handoff[2]) if handoff else None
        closed_at = started + dt.timedelta(seconds=closed_after) if closed_after is not None else None
        row = self.db.execute(
            """
            INSERT INTO conversations (channel_id, organization_id, visitor_id, status, responder_mode, language,
                                       created_at, last_message_at, closed_at, handed_off_at, handoff_source,
                                       handoff_reason, assigned_user_id)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id
            """,
            (
                self.channel_id,
                self.organization_id,
                visitor or uuid4(),
                "closed" if closed_at else ("pending" if handoff else "open"),
                "human" if handoff else "ai",
                language,
                started,
                started,
                closed_at,
                handed_off_at,
                handoff[0] if handoff else None,
                handoff[1] if handoff else None,
                assignee,
            ),
        ).fetchone()
        assert row is not None
        conversation_id: UUID = row["id"]
        events: list[Any] = [
            ConversationCreated(
                organization_id=self.organization_id, conversation_id=conversation_id, channel_id=self.channel_id
            )
        ]
        messages: list[tuple[str, dt.datetime, int, str | None]] = [("visitor", started, 0, None)]
        messages += [
            ("ai", started + dt.timedelta(seconds=5 + n), tokens, "gpt-4o-mini") for n, tokens in enumerate(ai_tokens)
        ]
        if handed_off_at and agent_reply_after is not None:
            messages.append(("agent", handed_off_at + dt.timedelta(seconds=agent_reply_after), 0, None))
            messages.append(("agent", handed_off_at + dt.timedelta(seconds=agent_reply_after + 30), 0, None))
        for role, at, tokens, model in messages:
            message = self.db.execute(
                "INSERT INTO messages (conversation_id, organization_id, role, content, tokens_used, model, created_at)"
                " VALUES (%s, %s, %s, 'text', %s, %s, %s) RETURNING id",
                (conversation_id, self.organization_id, role, tokens, model, at),
            ).fetchone()
            assert message is not None
            events.append(
                MessageCreated(
                    organization_id=self.organization_id, conversation_id=conversation_id, message_id=message["id"]
                )
            )
        count_for_reports.run(self.db, events)
        return conversation_id


@pytest.fixture
def business(db: Db) -> Business:
    organization_id = create_organization(db, name="Café Calle Ocho", plan="pro")
    channel = create_channel(db, super_admin(), organization_id, name='=HYPERLINK("http://evil")')
    return Business(db, organization_id, channel.id)


@pytest.fixture
def november(people: People, db: Db, business: Business) -> tuple[Business, Person, str]:
    """A: resolved by the AI. B: closed by the AI, but its visitor came back 3 days later (C). C: keyword
    handoff, Ana answers in 120 s. D: the AI hands off (cannot_answer), Ana answers in 600 s. E: the
    visitor's button at 23:30 on 30 November, unanswered. Before: one resolved in October. After: one
    at 00:30 on 1 December."""
    ana = people.make(agent_of=[business.organization_id])
    ana_id = db.execute("SELECT id FROM users WHERE email = %s", (ana.email,)).fetchone()["id"]  # type: ignore[index]
    db.execute("UPDATE users SET name = 'Ana' WHERE id = %s", (ana_id,))
    returning = uuid4()
    business.conversation(_local(2, 9), ai_tokens=(100, 50), closed_after=600)  # A
    business.conversation(_local(5, 10), language="es", visitor=returning, ai_tokens=(200,), closed_after=1200)  # B
    business.conversation(
        _local(8, 10), language="es", visitor=returning, handoff=("keyword", None, 60), agent_reply_after=120,
        assignee=ana_id, closed_after=3600,
    )  # C  # fmt: skip
    business.conversation(
        _local(12, 15), handoff=("ai", "cannot_answer", 30), agent_reply_after=600, assignee=ana_id
    )  # D
    business.conversation(_local(30, 23, 30), handoff=("button", None, 10))  # E
    business.conversation(_local(15, 12, month=10), ai_tokens=(80,), closed_after=300)  # October
    business.conversation(_local(1, 0, 30, month=12), ai_tokens=(10,))  # December
    admin = people.make(admin_of=[business.organization_id])
    return business, admin, ana_id


def _report(people: People, who: Person, organization_id: UUID, **params: str) -> dict[str, Any]:
    answer = people.get(who, "/reports", organizationId=str(organization_id), **{**NOVEMBER, **params})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_period_counts_resolutions_handoffs_response_and_close_times(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november

    current = _report(people, admin, business.organization_id)["current"]

    assert {k: current[k] for k in ("conversations", "aiResolutions", "handoffs", "aiAnswers", "aiTokens")} == {
        "conversations": 5, "aiResolutions": 1, "handoffs": 3, "aiAnswers": 3, "aiTokens": 350
    }  # fmt: skip
    assert (current["aiResolutionRate"], current["handoffRate"]) == (0.2, 0.6)
    # First responses 120 s and 600 s; closes after 600, 1200 and 3600 s (percentile_cont's values).
    assert current["firstResponseSeconds"] == {
        "p50": pytest.approx(360.0, rel=RESOLUTION), "p90": pytest.approx(552.0, rel=RESOLUTION)
    }  # fmt: skip
    assert current["timeToCloseSeconds"]["p50"] == pytest.approx(1200.0, rel=RESOLUTION)
    assert current["aiCost"] == pytest.approx(350 * LIST_PRICES["gpt-4o-mini"] / 1e6)
    assert current["aiCostPerResolution"] == pytest.approx(current["aiCost"])
    assert current["aiCostPerConversation"] == pytest.approx(current["aiCost"] / 5)


def test_the_previous_period_is_as_many_days_just_before(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november

    previous = _report(people, admin, business.organization_id)["previous"]

    assert (previous["firstDay"], previous["lastDay"]) == ("2026-10-02", "2026-10-31")
    assert (previous["conversations"], previous["aiResolutions"], previous["aiTokens"]) == (1, 1, 80)


def test_handoff_reasons_languages_agents_and_models(people: People, november: tuple[Business, Person, str]) -> None:
    business, admin, ana_id = november

    report = _report(people, admin, business.organization_id)

    assert sorted((r["source"], r["reason"], r["conversations"]) for r in report["handoffReasons"]) == [
        ("ai", "cannot_answer", 1), ("button", None, 1), ("keyword", None, 1)
    ]  # fmt: skip
    no_ratings = {"ratings": 0, "average": None, "satisfactionRate": None}
    assert report["byLanguage"] == [
        {
            "language": "en",
            "conversations": 3,
            "aiResolutionRate": pytest.approx(1 / 3),
            "handoffRate": pytest.approx(2 / 3),
            "csat": no_ratings,
            "csatAi": no_ratings,
            "csatAgents": no_ratings,
        },
        {
            "language": "es",
            "conversations": 2,
            "aiResolutionRate": 0.0,
            "handoffRate": 0.5,
            "csat": no_ratings,
            "csatAi": no_ratings,
            "csatAgents": no_ratings,
        },
    ]
    assert report["byAgent"] == [
        {
            "userId": ana_id,
            "name": "Ana",
            "conversations": 2,
            "firstResponseSeconds": {"p50": pytest.approx(360.0, rel=RESOLUTION), "p90": None},
            "csat": {"ratings": 0, "average": None, "satisfactionRate": None},
        }
    ]
    assert [(m["model"], m["aiAnswers"], m["tokens"]) for m in report["byModel"]] == [("gpt-4o-mini", 3, 350)]


def test_days_and_hours_are_the_organisations_so_2330_on_the_30th_is_november(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november

    report = _report(people, admin, business.organization_id)

    assert report["timeZone"] == "America/New_York"
    assert len(report["daily"]) == 30
    assert report["daily"][-1] == {"date": "2026-11-30", "conversations": 1, "handoffs": 1, "aiResolutions": 0}
    assert {"weekday": 1, "hour": 23, "conversations": 1} in report["heatmap"]
    assert sum(cell["conversations"] for cell in report["heatmap"]) == 5


def test_waiting_now_is_the_handed_off_conversation_nobody_answered(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november

    waiting = _report(people, admin, business.organization_id)["waitingNow"]

    assert waiting["conversations"] == 1
    assert waiting["longestSeconds"] > 0


def test_filters_by_language_and_channel(people: People, db: Db, november: tuple[Business, Person, str]) -> None:
    business, admin, _ = november
    other = create_channel(db, super_admin(), business.organization_id, name="Otro")

    spanish = _report(people, admin, business.organization_id, language="es")["current"]
    other_channel = _report(people, admin, business.organization_id, channelId=str(other.id))["current"]

    assert (spanish["conversations"], spanish["handoffs"]) == (2, 1)
    assert other_channel["conversations"] == 0


def test_an_event_delivered_twice_counts_once(db: Db, business: Business) -> None:
    conversation_id = business.conversation(_local(3, 9), ai_tokens=(70,))
    message_ids = [
        r["id"] for r in db.execute("SELECT id FROM messages WHERE conversation_id = %s", (conversation_id,))
    ]

    count_for_reports.run(
        db,
        [
            MessageCreated(organization_id=business.organization_id, conversation_id=conversation_id, message_id=m)
            for m in message_ids
        ],
    )

    row = db.execute("SELECT ai_answers, ai_tokens FROM conversations WHERE id = %s", (conversation_id,)).fetchone()
    assert row == {"ai_answers": 1, "ai_tokens": 70}


def test_the_rows_export_as_csv_with_tenant_text_defused(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november

    answer = people.client.get(
        "/api/dashboard/reports/conversations.csv",
        params={"organizationId": str(business.organization_id), **NOVEMBER},
        headers=admin.headers,
    )

    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert answer.headers["content-type"].startswith("text/csv")
    assert len(rows) == 5
    assert {row["channel"] for row in rows} == {'\'=HYPERLINK("http://evil")'}
    assert sorted(row["resolved"] for row in rows) == ["False", "False", "False", "False", "True"]


def test_an_agent_reads_their_organisations_reports_only(
    people: People, db: Db, november: tuple[Business, Person, str]
) -> None:
    business, _, _ = november
    elsewhere = create_organization(db, name="Otra", plan="starter")
    agent = people.make(agent_of=[business.organization_id])

    own = people.get(agent, "/reports", organizationId=str(business.organization_id), **NOVEMBER)
    other = people.get(agent, "/reports", organizationId=str(elsewhere), **NOVEMBER)
    everything = people.get(agent, "/reports", **NOVEMBER)

    assert (own.status_code, other.status_code) == (200, 404)
    # Every organisation of the caller, each on its own days.
    assert (everything.json()["timeZone"], everything.json()["current"]["conversations"]) == (None, 5)


def test_a_period_that_ends_before_it_starts_or_spans_over_a_year_is_refused(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november
    org = str(business.organization_id)

    backwards = people.get(admin, "/reports", organizationId=org, **{"from": "2026-11-30", "to": "2026-11-01"})
    too_long = people.get(admin, "/reports", organizationId=org, **{"from": "2025-01-01", "to": "2026-11-30"})

    assert (backwards.status_code, backwards.json()["error"]["code"]) == (400, "invalid_field")
    assert (too_long.status_code, too_long.json()["error"]["code"]) == (400, "invalid_field")


def test_prices_start_at_list_prices_and_a_super_admin_changes_one(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november
    root = people.make(super_admin=True)

    refused = people.put(admin, "/model-prices/gpt-4o-mini", {"usdPerMillionTokens": 1.0})
    changed = people.put(root, "/model-prices/gpt-4o-mini", {"usdPerMillionTokens": 1.0})
    report = _report(people, admin, business.organization_id)

    assert refused.status_code == 403
    price = next(p for p in changed.json() if p["model"] == "gpt-4o-mini")
    assert (price["usdPerMillionTokens"], price["listPrice"]) == (1.0, LIST_PRICES["gpt-4o-mini"])
    assert report["current"]["aiCost"] == pytest.approx(350 / 1e6)


def test_list_prices_read_as_typed_with_the_four_decimals_a_price_is_stored_with(
    people: People, november: tuple[Business, Person, str]
) -> None:
    _, admin, _ = november

    listed = {p["model"]: p["listPrice"] for p in people.get(admin, "/model-prices").json()}

    assert listed["gpt-4o-mini"] == 0.2625  # (3 x 0.15 + 0.60) / 4, not 0.26249999999999996
    assert all(len(repr(price).partition(".")[2]) <= 4 for price in listed.values())


def test_an_api_token_reads_reports_with_reports_read_only(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november
    org = business.organization_id

    def token(scope: str) -> str:
        made = people.post(admin, f"/organizations/{org}/api-tokens", {"name": "BI export", "scopes": [scope]})
        return str(made.json()["token"])

    def read(bearer: str) -> Any:
        return people.client.get(
            "/api/dashboard/reports",
            params={"organizationId": str(org), **NOVEMBER},
            headers={"Authorization": f"Bearer {bearer}"},
        )

    allowed, refused = read(token("reports:read")), read(token("contacts:read"))

    assert (allowed.status_code, allowed.json()["current"]["conversations"]) == (200, 5)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "insufficient_scope")


def _percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over the values themselves."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-10-01", "2026-12-31"),  # three whole months: month rows only
        ("2026-10-15", "2026-12-01"),  # days, a whole month, a day
        ("2026-11-02", "2026-11-30"),  # days only
    ],
)
def test_the_figures_equal_what_the_conversations_rows_add_up_to(
    people: People, november: tuple[Business, Person, str], first: str, last: str
) -> None:
    business, admin, _ = november
    period = {"from": first, "to": last}

    report = _report(people, admin, business.organization_id, **period)
    exported = people.client.get(
        "/api/dashboard/reports/conversations.csv",
        params={"organizationId": str(business.organization_id), **period},
        headers=admin.headers,
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))

    current = report["current"]
    assert current["conversations"] == len(rows) == sum(day["conversations"] for day in report["daily"])
    assert current["aiResolutions"] == sum(row["resolved"] == "True" for row in rows)
    assert current["handoffs"] == sum(bool(row["handoff_source"]) for row in rows)
    assert current["aiTokens"] == sum(int(row["ai_tokens"]) for row in rows)
    assert sum(cell["conversations"] for cell in report["heatmap"]) == len(rows)
    assert sum(lang["conversations"] for lang in report["byLanguage"]) == len(rows)
    responses = [float(row["first_response"]) for row in rows if row["first_response"]]
    closes = [float(row["to_close"]) for row in rows if row["to_close"]]
    for got, exact in (
        (current["firstResponseSeconds"]["p50"], _percentile_cont(responses, 0.5)),
        (current["firstResponseSeconds"]["p90"], _percentile_cont(responses, 0.9)),
        (current["timeToCloseSeconds"]["p50"], _percentile_cont(closes, 0.5)),
    ):
        assert got == (None if exact is None else pytest.approx(exact, rel=RESOLUTION))


def test_an_admin_sets_the_time_zone_and_the_days_are_counted_there(
    people: People, db: Db, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november
    org = business.organization_id
    madrid = ZoneInfo("Europe/Madrid")
    # 23:30 in Madrid on 30 November (17:30 in New York); E, 23:30 in New York on the 30th, is 05:30
    # on 1 December in Madrid.
    business.conversation(dt.datetime(2026, 11, 30, 23, 30, tzinfo=madrid))

    changed = people.put(admin, f"/organizations/{org}/time-zone", {"timeZone": "Europe/Madrid"})
    report = _report(people, admin, org)

    assert (changed.status_code, changed.json()) == (200, {"timeZone": "Europe/Madrid"})
    assert people.get(admin, f"/organizations/{org}/time-zone").json() == {"timeZone": "Europe/Madrid"}
    assert report["timeZone"] == "Europe/Madrid"
    assert report["daily"][-1]["conversations"] == 1  # the Madrid one, not E
    assert report["current"]["conversations"] == 5  # A-D and the Madrid one
    assert {"weekday": 1, "hour": 23, "conversations": 1} in report["heatmap"]
    entry = db.execute(
        "SELECT details FROM audit_log WHERE organization_id = %s AND action = 'organization.time_zone_changed'", (org,)
    ).fetchone()
    assert entry is not None
    assert entry["details"] == {"from": "America/New_York", "to": "Europe/Madrid"}


def test_only_an_admin_may_set_the_time_zone_and_only_to_an_iana_zone(
    people: People, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november
    org = business.organization_id
    agent = people.make(agent_of=[org])

    by_agent = people.put(agent, f"/organizations/{org}/time-zone", {"timeZone": "Europe/Madrid"})
    unknown = people.put(admin, f"/organizations/{org}/time-zone", {"timeZone": "Mars/Olympus_Mons"})
    read_by_agent = people.get(agent, f"/organizations/{org}/time-zone")

    assert by_agent.status_code == 403
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "invalid_field")
    assert read_by_agent.json() == {"timeZone": "America/New_York"}


def test_the_scheduled_sweep_remakes_the_marked_days_so_a_report_has_none_left(
    people: People, db: Db, november: tuple[Business, Person, str]
) -> None:
    business, admin, _ = november
    db.execute(
        "INSERT INTO report_dirty_days (organization_id, day)"
        " SELECT %s, d::date FROM generate_series(date '2026-08-01', date '2026-11-30', interval '1 day') d"
        " ON CONFLICT DO NOTHING",
        (business.organization_id,),
    )

    remade = refresh_marked_days()

    assert remade >= 122  # four months of days, a month per transaction
    assert db.execute("SELECT count(*) AS n FROM report_dirty_days").fetchone() == {"n": 0}
    current = _report(people, admin, business.organization_id)["current"]
    assert (current["conversations"], current["aiResolutions"], current["handoffs"]) == (5, 1, 3)
