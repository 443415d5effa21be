"""Reports: what the AI resolves, what it costs, how fast people answer, for a period of the
organisation's own days against the period before; the rows behind them as CSV; the price table
that turns tokens into money. Members read; so do API tokens with reports:read."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field, StringConstraints

from chatflow import reports
from chatflow.vocabulary import Language
from dependencies import CurrentCaller, Db, accepts_api_token
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(tags=["reports"], responses=SIGNED_IN_ERRORS)


class Percentiles(Schema):
    p50: float | None
    p90: float | None = None


class SatisfactionOut(Schema):
    """The visitors' ratings of the period's conversations (CSAT): 1-5, a thumb up counted as 5."""

    ratings: int = 0
    average: float | None = Field(default=None, description="Mean rating, 1..5; null without ratings.")
    satisfaction_rate: float | None = Field(
        default=None, description="0..1 of the ratings that were 4 or 5 stars (or a thumb up); null without any."
    )

    @classmethod
    def of(cls, ratings: int, rating_sum: int, satisfied: int) -> SatisfactionOut:
        return cls(
            ratings=ratings,
            average=rating_sum / ratings if ratings else None,
            satisfaction_rate=satisfied / ratings if ratings else None,
        )


class PeriodOut(Schema):
    first_day: dt.date
    last_day: dt.date
    conversations: int = Field(
        description="Conversations that started in the period (each is billed against the plan)."
    )
    ai_resolutions: int = Field(
        description="Closed with no person involved, and the visitor did not open another within 7 days of the close."
    )
    ai_resolution_rate: float | None = Field(description="0..1 of the period's conversations; null without any.")
    handoffs: int
    handoff_rate: float | None = Field(description="0..1 of the period's conversations; null without any.")
    first_response_seconds: Percentiles = Field(description="From the handoff to the first message of a person.")
    time_to_close_seconds: Percentiles = Field(description="From the first message to the close.")
    ai_answers: int
    ai_tokens: int
    ai_cost: float = Field(description="US dollars: each conversation's tokens at its model's price.")
    ai_cost_per_conversation: float | None
    ai_cost_per_resolution: float | None
    csat: SatisfactionOut = Field(
        default_factory=SatisfactionOut, description="Every rating of the period's conversations."
    )
    csat_ai: SatisfactionOut = Field(
        default_factory=SatisfactionOut, description="Ratings of conversations whose last answer was the AI's."
    )
    csat_agents: SatisfactionOut = Field(
        default_factory=SatisfactionOut, description="Ratings of conversations whose last answer was an agent's."
    )


class HandoffReasonOut(Schema):
    source: str = Field(description="keyword, ai (the AI decided: see reason), button, agent (took over), unrecorded.")
    reason: str | None = Field(
        description="The AI's reason: visitor_asked, cannot_answer, frustrated, sensitive, other."
    )
    conversations: int


class LanguageOut(Schema):
    language: Language
    conversations: int
    ai_resolution_rate: float | None
    handoff_rate: float | None
    csat: SatisfactionOut = Field(default_factory=SatisfactionOut, description="Every rating of this language's.")
    csat_ai: SatisfactionOut = Field(
        default_factory=SatisfactionOut, description="Ratings of this language's conversations the AI answered last."
    )
    csat_agents: SatisfactionOut = Field(
        default_factory=SatisfactionOut, description="Ratings of this language's conversations an agent answered last."
    )


class AgentOut(Schema):
    user_id: str
    name: str | None
    conversations: int = Field(description="Conversations of the period assigned to them.")
    first_response_seconds: Percentiles
    csat: SatisfactionOut = Field(
        default_factory=SatisfactionOut,
        description="Ratings of their conversations whose last answer was an agent's.",
    )


class ModelUseOut(Schema):
    model: str
    ai_answers: int
    tokens: int
    cost: float
    usd_per_million_tokens: float | None = Field(description="Null: the model has no price yet (counted as free).")


class HeatmapCellOut(Schema):
    weekday: int = Field(ge=1, le=7, description="1 Monday … 7 Sunday, in the organisation's time zone.")
    hour: int = Field(ge=0, le=23)
    conversations: int


class DayOut(Schema):
    date: dt.date
    conversations: int
    handoffs: int
    ai_resolutions: int


class WaitingOut(Schema):
    conversations: int = Field(description="Handed to a person and not answered by one yet, now.")
    longest_seconds: float | None


class ReportOut(Schema):
    organization_id: UUID | None
    time_zone: str | None = Field(
        description="The organisation's: days and hours are its. Null for several organisations, each on its own days."
    )
    channel_id: UUID | None
    language: Language | None
    current: PeriodOut
    previous: PeriodOut = Field(description="The as many days just before.")
    handoff_reasons: list[HandoffReasonOut]
    by_language: list[LanguageOut]
    by_agent: list[AgentOut]
    by_model: list[ModelUseOut]
    heatmap: list[HeatmapCellOut]
    daily: list[DayOut] = Field(description="Every day of the period, quiet days as zeros.")
    waiting_now: WaitingOut


class ModelPriceOut(Schema):
    model: str
    usd_per_million_tokens: float = Field(description="Blended: input and output prices at 3 to 1.")
    list_price: float | None = Field(description="The list price the product knows for it.")
    updated_at: dt.datetime | None = Field(description="When a super admin set it; null: the list price.")


class ModelPriceUpdate(Schema):
    usd_per_million_tokens: float = Field(ge=0, le=10_000)


ModelName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:/-]+$")]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _period(figures: dict[str, Any] | None, first: dt.date, last: dt.date) -> PeriodOut:
    f = figures or {}
    conversations, resolutions, handoffs = f.get("conversations", 0), f.get("aiResolutions", 0), f.get("handoffs", 0)
    cost = float(f.get("aiCost") or 0)
    ai = [int(f.get(key) or 0) for key in ("ratingsAi", "ratingSumAi", "satisfiedAi")]
    agents = [int(f.get(key) or 0) for key in ("ratingsAgent", "ratingSumAgent", "satisfiedAgent")]
    return PeriodOut(
        first_day=first,
        last_day=last,
        conversations=conversations,
        ai_resolutions=resolutions,
        ai_resolution_rate=_share(resolutions, conversations),
        handoffs=handoffs,
        handoff_rate=_share(handoffs, conversations),
        first_response_seconds=Percentiles(p50=f.get("firstResponseP50"), p90=f.get("firstResponseP90")),
        time_to_close_seconds=Percentiles(p50=f.get("closeP50")),
        ai_answers=int(f.get("aiAnswers") or 0),
        ai_tokens=int(f.get("aiTokens") or 0),
        ai_cost=cost,
        ai_cost_per_conversation=cost / conversations if conversations else None,
        ai_cost_per_resolution=cost / resolutions if resolutions else None,
        csat=SatisfactionOut.of(*(a + b for a, b in zip(ai, agents, strict=True))),
        csat_ai=SatisfactionOut.of(*ai),
        csat_agents=SatisfactionOut.of(*agents),
    )


OrganizationId = Annotated[
    UUID | None, Query(alias="organizationId", description="Omitted: every organisation of the caller.")
]
First = Annotated[dt.date, Query(alias="from", description="The period's first day, in the organisation's time zone.")]
Last = Annotated[dt.date, Query(alias="to", description="Its last day (at most 366 days after from).")]
ChannelId = Annotated[UUID | None, Query(alias="channelId")]
LanguageFilter = Annotated[Language | None, Query(description="Only conversations in this language.")]


def _report_query(
    first: First,
    last: Last,
    organization_id: OrganizationId = None,
    channel_id: ChannelId = None,
    language: LanguageFilter = None,
) -> reports.ReportQuery:
    return reports.ReportQuery(
        organization_id=organization_id, first=first, last=last, channel_id=channel_id, language=language
    )


ReportParams = Annotated[reports.ReportQuery, Depends(_report_query)]


@router.get("/reports", response_model=ReportOut, **accepts_api_token("reports:read"))
def get_report(caller: CurrentCaller, db: Db, query: ReportParams) -> ReportOut:
    """The period's figures beside the previous period's, the handoff reasons, by language, agent,
    model, weekday × hour and day, and the conversations waiting for a person now."""
    report = reports.report(db, caller, query)
    f = report.figures
    first, last = query.first, query.last
    days = (last - first).days + 1
    periods = f.get("periods") or {}
    by_day = {d["date"]: d for d in f["daily"]}
    return ReportOut(
        organization_id=query.organization_id,
        time_zone=report.time_zone,
        channel_id=query.channel_id,
        language=query.language,
        current=_period(periods.get("current"), first, last),
        previous=_period(periods.get("previous"), first - dt.timedelta(days=days), first - dt.timedelta(days=1)),
        handoff_reasons=[HandoffReasonOut(**r) for r in f["handoffReasons"]],
        by_language=[
            LanguageOut(
                language=row["language"],
                conversations=row["conversations"],
                ai_resolution_rate=_share(row["aiResolutions"], row["conversations"]),
                handoff_rate=_share(row["handoffs"], row["conversations"]),
                csat=SatisfactionOut.of(
                    row["ratingsAi"] + row["ratingsAgent"],
                    row["ratingSumAi"] + row["ratingSumAgent"],
                    row["satisfiedAi"] + row["satisfiedAgent"],
                ),
                csat_ai=SatisfactionOut.of(row["ratingsAi"], row["ratingSumAi"], row["satisfiedAi"]),
                csat_agents=SatisfactionOut.of(row["ratingsAgent"], row["ratingSumAgent"], row["satisfiedAgent"]),
            )
            for row in f["byLanguage"]
        ],
        by_agent=[
            AgentOut(
                user_id=row["userId"],
                name=row["name"],
                conversations=row["conversations"],
                first_response_seconds=Percentiles(p50=row["firstResponseP50"]),
                csat=SatisfactionOut.of(
                    int(row.get("ratings") or 0), int(row.get("ratingSum") or 0), int(row.get("satisfied") or 0)
                ),
            )
            for row in f["byAgent"]
        ],
        by_model=[
            ModelUseOut(
                model=row["model"],
                ai_answers=row["aiAnswers"],
                tokens=row["tokens"],
                cost=float(row["cost"] or 0),
                usd_per_million_tokens=row["usdPerMillionTokens"],
            )
            for row in f["byModel"]
        ],
        heatmap=[HeatmapCellOut(**cell) for cell in f["heatmap"]],
        daily=[
            DayOut(
                date=day,
                conversations=by_day.get(day.isoformat(), {}).get("conversations", 0),
                handoffs=by_day.get(day.isoformat(), {}).get("handoffs", 0),
                ai_resolutions=by_day.get(day.isoformat(), {}).get("aiResolutions", 0),
            )
            for day in (first + dt.timedelta(days=n) for n in range(days))
        ],
        waiting_now=WaitingOut(
            conversations=f["waitingNow"]["conversations"], longest_seconds=f["waitingNow"]["longestSeconds"]
        ),
    )


_CSV_COLUMNS = (
    "id", "started", "channel", "language", "status", "handoff_source", "handoff_reason", "first_response",
    "to_close", "resolved", "assignee", "ai_answers", "ai_tokens", "ai_model", "ai_cost",
)  # fmt: skip


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts with these as a formula: channel and agent names are the
    # tenants' own text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get(
    "/reports/conversations.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per conversation of the period."}},
    **accepts_api_token("reports:read"),
)
def export_report_rows(caller: CurrentCaller, db: Db, query: ReportParams) -> Response:
    """The rows behind the figures: each conversation of the period with what it came to (times in
    seconds, its start in the organisation's time zone, cost in US dollars)."""
    rows = reports.conversation_rows(db, caller, query)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in _CSV_COLUMNS])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="conversations-{query.first}-{query.last}.csv"'},
    )


class TimeZoneIn(Schema):
    time_zone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = Field(
        description="An IANA time zone.", examples=["America/Mexico_City"]
    )


class TimeZoneOut(Schema):
    time_zone: str = Field(description="The IANA time zone whose days and hours the reports count in.")


@router.get("/organizations/{organization_id}/time-zone", response_model=TimeZoneOut)
def get_time_zone(organization_id: UUID, caller: CurrentCaller, db: Db) -> TimeZoneOut:
    """The organisation's time zone: a report's days, hours and weekdays are its."""
    return TimeZoneOut(time_zone=reports.time_zone(db, caller, organization_id))


@router.put("/organizations/{organization_id}/time-zone", response_model=TimeZoneOut)
def set_time_zone(organization_id: UUID, body: TimeZoneIn, caller: CurrentCaller, db: Db) -> TimeZoneOut:
    """Org admin: the organisation's time zone (400 `invalid_field` naming `timeZone` for one that is
    not IANA's). Every conversation counts on its day there from the next report on; recorded in the
    audit log."""
    return TimeZoneOut(time_zone=reports.set_time_zone(db, caller, organization_id, body.time_zone))


@router.get("/model-prices", response_model=list[ModelPriceOut])
def list_model_prices(caller: CurrentCaller, db: Db) -> list[ModelPriceOut]:
    """What the AI's tokens are counted at, per model."""
    return [ModelPriceOut.from_domain(p) for p in reports.model_prices(db, caller)]


@router.put("/model-prices/{model}", response_model=list[ModelPriceOut])
def set_model_price(model: ModelName, body: ModelPriceUpdate, caller: CurrentCaller, db: Db) -> list[ModelPriceOut]:
    """Super admins: a model's blended price per million tokens (added when new)."""
    return [
        ModelPriceOut.from_domain(p) for p in reports.set_model_price(db, caller, model, body.usd_per_million_tokens)
    ]
