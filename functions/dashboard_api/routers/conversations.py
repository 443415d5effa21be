"""The inbox: conversations of the caller's organisations, one with its messages, an agent's reply,
take over, release, close, reopen. Agents, org admins and super admins; another organisation's
conversation answers 404 like a missing one."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from chatflow import inbox
from chatflow.access import Caller
from chatflow.errors import InvalidInput
from chatflow.inbox import presence, profile
from chatflow.inbox.views import ConversationSummaryOut, MessageOut
from chatflow.text import Storable
from chatflow.vocabulary import ChannelType, Language, ResponderMode
from chatflow.vocabulary import ConversationStatus as Status
from dependencies import CurrentCaller, Db, accepts_api_token
from schemas import SIGNED_IN_ERRORS, Page, Schema, error_responses

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=SIGNED_IN_ERRORS)


MAX_AGENT_MESSAGE_CHARS = 5_000


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_or_instant(value: object) -> object:
    """`2026-03-05` is a whole day; anything longer is an instant. Only ISO 8601, as documented:
    pydantic alone would read a bare number as a Unix timestamp."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not _ISO_DAY.match(text):
        raise ValueError("expected a day (YYYY-MM-DD) or an ISO 8601 instant")
    return date.fromisoformat(text) if len(text) == len("YYYY-MM-DD") else text


# Dates a filter may name: anything beyond is no conversation's, and at the calendar's ends the
# arithmetic of an inclusive `to` (the day after, an instant's next microsecond) overflows.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def _within_bounds(value: datetime | date) -> datetime | date:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"expected a date from {EARLIEST_DAY} to {LATEST_DAY}")
    return value


DayOrInstant = Annotated[datetime | date, BeforeValidator(_day_or_instant), AfterValidator(_within_bounds)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AgentText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_AGENT_MESSAGE_CHARS),
    Storable,
]


class ReplyWindowOut(Schema):
    """WhatsApp and Messenger: whether free text may go to the customer now (Meta's window)."""

    channel: Literal["whatsapp", "messenger"]
    open: bool = Field(description="Within 24 hours of the customer's last message.")
    last_customer_message_at: datetime | None
    closes_at: datetime | None = Field(description="The end of the 24 hours.")
    human_agent_until: datetime | None = Field(
        description="Messenger: a person's reply goes out (tagged HUMAN_AGENT) until then; else null."
    )


class ConversationOut(ConversationSummaryOut):
    visitor_metadata: dict[str, Any]
    closed_at: datetime | None
    messages: list[MessageOut]
    reply_window: ReplyWindowOut | None = Field(
        default=None, description="WhatsApp and Messenger conversations only; past it, free text is 409 window_closed."
    )

    @classmethod
    def of_detail(cls, d: inbox.ConversationDetail) -> ConversationOut:
        return cls(
            **ConversationSummaryOut.from_domain(d.summary).model_dump(),
            visitor_metadata=d.visitor_metadata,
            closed_at=d.closed_at,
            messages=[MessageOut.from_domain(m) for m in d.messages],
            reply_window=ReplyWindowOut.from_domain(d.reply_window) if d.reply_window else None,
        )


class AgentMessageIn(Schema):
    content: AgentText


TemplateName = Annotated[str, StringConstraints(min_length=1, max_length=512), Storable]
TemplateLanguage = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?$")]
TemplateValue = Annotated[str, StringConstraints(max_length=1024), Storable]


class TemplateMessageIn(Schema):
    name: TemplateName
    language: TemplateLanguage = Field(description="Meta's code of the template's language: en_US, es, es_MX, …")
    variables: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,64}$")], TemplateValue] = Field(
        default_factory=dict, max_length=50, description='Each variable\'s value by its key: {"1": "Ana"}.'
    )


# A member's id (Cognito's `sub`): one line of at most 128 characters.
MemberId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), Storable]


class AssigneeIn(Schema):
    assignee_id: MemberId | None = Field(description="A member of the conversation's organisation; null: nobody.")


class ViewCountsOut(Schema):
    mine: int = Field(description="Held by the caller, not closed.")
    unassigned: int = Field(description="Held by nobody, not closed.")
    waiting: int = Field(description="Handed to a person, nobody has answered yet.")
    all: int = Field(description="Every conversation that is not closed.")


View = Literal["mine", "unassigned", "waiting", "all"]


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _from(value: datetime | date | None) -> datetime | None:
    """Inclusive: a day from its first instant (UTC), an instant from itself."""
    if value is None or isinstance(value, datetime):
        return _as_utc(value) if value else None
    return datetime.combine(value, time.min, tzinfo=UTC)


def _before(value: datetime | date | None) -> datetime | None:
    """Inclusive `to`, as the first instant after it: a day up to its end, an instant up to itself."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _as_utc(value) + timedelta(microseconds=1)
    return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)


@router.get("", response_model=Page[ConversationSummaryOut], **accepts_api_token("conversations:read"))
def list_conversations(
    caller: CurrentCaller,
    db: Db,
    organization_id: Annotated[UUID | None, Query(alias="organizationId")] = None,
    channel_id: Annotated[UUID | None, Query(alias="channelId")] = None,
    visitor_id: Annotated[
        UUID | None,
        Query(alias="visitorId", description="One visitor's conversations: a verified user's, from every device."),
    ] = None,
    statuses: Annotated[list[Status] | None, Query(alias="status", description="Repeatable.")] = None,
    responder_mode: Annotated[ResponderMode | None, Query(alias="responderMode")] = None,
    language: Language | None = None,
    q: Annotated[
        SearchText | None,
        Query(
            description="Text in any message or the visitor's name or email, case and accents ignored (cafe finds "
            "Café); or a visitor id."
        ),
    ] = None,
    active_from: Annotated[
        DayOrInstant | None, Query(alias="from", description="Last activity from: a UTC day or an instant.")
    ] = None,
    active_to: Annotated[
        DayOrInstant | None, Query(alias="to", description="Last activity up to (inclusive): a UTC day or an instant.")
    ] = None,
    view: Annotated[
        View,
        Query(
            description="mine: held by the caller; unassigned: held by nobody; waiting: for a person; all. "
            "Every view but all leaves closed conversations out."
        ),
    ] = "all",
    label_id: Annotated[UUID | None, Query(alias="labelId", description="Wearing this label.")] = None,
    channel_type: Annotated[
        ChannelType | None, Query(alias="channelType", description="Of channels of this type.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=500, description="nextCursor of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=inbox.MAX_PAGE_SIZE)] = 25,
) -> Page[ConversationSummaryOut]:
    """Conversations of the caller's organisations (every organisation for a super admin), newest
    activity first, a page at a time."""
    filters = inbox_filter(
        caller,
        organization_id=organization_id,
        channel_id=channel_id,
        channel_type=channel_type,
        visitor_id=visitor_id,
        statuses=statuses,
        responder_mode=responder_mode,
        language=language,
        q=q,
        active_from=active_from,
        active_to=active_to,
        view=view,
        label_id=label_id,
    )
    page = inbox.list_conversations(db, caller, filters, cursor=cursor, limit=limit)
    return Page[ConversationSummaryOut](
        items=[ConversationSummaryOut.from_domain(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.get("/counts", response_model=ViewCountsOut)
def count_views(
    caller: CurrentCaller, db: Db, organization_id: Annotated[UUID | None, Query(alias="organizationId")] = None
) -> ViewCountsOut:
    """How many conversations each inbox view holds now: the numbers beside the views, the waiting
    count on the navigation and in the tab's title. The dashboard reads them again on every live update."""
    return ViewCountsOut.from_domain(inbox.count_views(db, caller, organization_id))


@router.get("/{conversation_id}", response_model=ConversationOut, **accepts_api_token("conversations:read"))
def get_conversation(conversation_id: UUID, caller: CurrentCaller, db: Db) -> ConversationOut:
    """One conversation with every message (oldest first) and what the widget knew of the visitor."""
    return ConversationOut.of_detail(inbox.get_conversation(db, caller, conversation_id))


@router.post(
    "/{conversation_id}/messages",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409),
    **accepts_api_token("conversations:write"),
)
def send_agent_message(conversation_id: UUID, body: AgentMessageIn, caller: CurrentCaller) -> MessageOut:
    """Answer the visitor as the caller. A person answers from now on (the AI stays silent), a
    waiting conversation is answered, and it is assigned to the caller if it was nobody's.
    409 `conversation_closed` on a closed conversation; on WhatsApp and Messenger, 409
    `window_closed` past Meta's window (see `replyWindow`: send a template instead)."""
    return MessageOut.from_domain(inbox.send_agent_message(caller, conversation_id, body.content))


@router.post(
    "/{conversation_id}/template-messages",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 404, 409),
    **accepts_api_token("conversations:write"),
)
def send_template_message(conversation_id: UUID, body: TemplateMessageIn, caller: CurrentCaller) -> MessageOut:
    """WhatsApp: send one of the channel's approved templates (synced from Meta) with its variables
    filled in, at any time, also past the customer's 24 hours; the thread keeps its text. 404
    `template_not_found` for a template that is not approved or not synced; 400 `invalid_field`
    for a missing or unusable variable, or a conversation that is not on WhatsApp."""
    return MessageOut.from_domain(
        inbox.send_template_message(
            caller, conversation_id, name=body.name, language=body.language, variables=body.variables
        )
    )


@router.post(
    "/{conversation_id}/takeover",
    response_model=ConversationOut,
    responses=error_responses(409),
    **accepts_api_token("conversations:write"),
)
def take_over(conversation_id: UUID, caller: CurrentCaller) -> ConversationOut:
    """The caller answers from now on, and holds the conversation; the visitor reads "An agent
    joined". If the AI was answering, the organisation's admins are emailed. 409 `already_assigned`
    when another member holds it (of two agents taking over at once, the second)."""
    return ConversationOut.of_detail(inbox.take_over_conversation(caller, conversation_id))


@router.post(
    "/{conversation_id}/release",
    response_model=ConversationOut,
    responses=error_responses(409),
    **accepts_api_token("conversations:write"),
)
def release(conversation_id: UUID, caller: CurrentCaller) -> ConversationOut:
    """Give the conversation back to the AI; the visitor is told."""
    return ConversationOut.of_detail(inbox.release_conversation(caller, conversation_id))


@router.post("/{conversation_id}/close", response_model=ConversationOut, **accepts_api_token("conversations:write"))
def close(conversation_id: UUID, caller: CurrentCaller) -> ConversationOut:
    return ConversationOut.of_detail(inbox.close_conversation(caller, conversation_id))


@router.post("/{conversation_id}/reopen", response_model=ConversationOut)
def reopen(conversation_id: UUID, caller: CurrentCaller) -> ConversationOut:
    return ConversationOut.of_detail(inbox.reopen_conversation(caller, conversation_id))


@router.put(
    "/{conversation_id}/assignee",
    response_model=ConversationOut,
    responses=error_responses(400, 409),
    **accepts_api_token("conversations:write"),
)
def assign(conversation_id: UUID, body: AssigneeIn, caller: CurrentCaller) -> ConversationOut:
    """Assign, reassign or unassign (null). Admins may do any of it; an agent takes an unassigned
    conversation or gives theirs away, and gets 409 `already_assigned` on one a colleague holds.
    400 `invalid_field` when the assignee is no member of the conversation's organisation."""
    return ConversationOut.of_detail(inbox.assign_conversation(caller, conversation_id, body.assignee_id))


@router.post("/{conversation_id}/read", status_code=status.HTTP_204_NO_CONTENT)
def mark_read(conversation_id: UUID, caller: CurrentCaller) -> None:
    """The caller has the conversation open with its last messages in view: the visitor's widget
    shows "seen" under their messages. Nothing happens when nothing arrived since the last read."""
    presence.agent_read(caller, conversation_id)


class EarlierConversationOut(Schema):
    id: UUID
    status: Status
    created_at: datetime
    last_message_at: datetime


class VisitorProfileOut(Schema):
    visitor_id: UUID
    browser: str | None = Field(description="Read from the user agent by ua-parser.")
    os: str | None
    device: str | None = Field(description="A phone's or tablet's make and model; null for a computer.")
    languages: str | None = Field(description="The browser's Accept-Language.")
    time_zone: str | None = Field(description="IANA time zone the widget reported: the visitor's local time.")
    name: str | None
    email: str | None
    verified: bool = Field(description="Name and email signed by the business: not editable.")
    page_url: str | None
    pages: list[str] = Field(description="The pages the visitor went through in this conversation, oldest first.")
    earlier: list[EarlierConversationOut] = Field(description="Their other conversations on this channel.")


VisitorName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), Storable]
VisitorEmail = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), Storable]


class VisitorProfileIn(Schema):
    name: VisitorName | None = None
    email: VisitorEmail | None = None


@router.get("/{conversation_id}/visitor", response_model=VisitorProfileOut)
def get_visitor(conversation_id: UUID, caller: CurrentCaller, db: Db) -> VisitorProfileOut:
    """Who the visitor is, as far as we know: browser, system, device, languages, time zone, pages,
    name and email, earlier conversations. No IP address is stored."""
    return VisitorProfileOut.from_domain(profile.load_profile(db, caller, conversation_id))


@router.patch("/{conversation_id}/visitor", response_model=VisitorProfileOut, responses=error_responses(400))
def update_visitor(conversation_id: UUID, body: VisitorProfileIn, caller: CurrentCaller) -> VisitorProfileOut:
    """An agent writes the visitor's name and email (empty clears one). 400 for a verified visitor's."""
    return VisitorProfileOut.from_domain(
        profile.update_profile(caller, conversation_id, name=body.name or None, email=body.email or None)
    )


def inbox_filter(
    caller: Caller,
    *,
    organization_id: UUID | None,
    channel_id: UUID | None,
    channel_type: ChannelType | None,
    visitor_id: UUID | None,
    statuses: list[Status] | None,
    responder_mode: ResponderMode | None,
    language: Language | None,
    q: str | None,
    active_from: DayOrInstant | None,
    active_to: DayOrInstant | None,
    view: View | None,
    label_id: UUID | None,
) -> inbox.InboxFilter:
    """The inbox's filters from the list's query parameters: the list and its export read the same."""
    if q is not None and visitor_id is None:
        # A visitor id pasted into the search finds that visitor's conversations.
        with contextlib.suppress(ValueError):
            visitor_id, q = UUID(q), None
    filters = inbox.InboxFilter(
        organization_id=organization_id,
        channel_id=channel_id,
        visitor_id=visitor_id,
        statuses=tuple(dict.fromkeys(statuses or [])),
        responder_mode=responder_mode,
        language=language,
        text=q,
        active_from=_from(active_from),
        active_before=_before(active_to),
        assignee_id=caller.user_id if view == "mine" else None,
        unassigned=view == "unassigned",
        waiting=view == "waiting",
        label_id=label_id,
        channel_type=channel_type,
    )
    if filters.active_from and filters.active_before and filters.active_from >= filters.active_before:
        raise InvalidInput("from: must not be after to")
    return filters
