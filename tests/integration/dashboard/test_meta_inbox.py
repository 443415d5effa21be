"""WhatsApp and Messenger in the agents' inbox (#20, items 5 and 6): Meta's 24-hour window (free text
refused with 409 window_closed past it, in the caller's language; Meta's own 131047 handled), message
templates synced from a fake of the Graph API over real HTTP and sent with their variables,
Messenger's HUMAN_AGENT tag for people only, the channel badge, the contact, the channel-type
filter, the delivery state of our messages, and the whole workspace on a WhatsApp conversation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.meta import MetaCredentials
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from infra.local.fake_meta import Account, Failure, FakeMeta
from tests.support.callers import super_admin
from tests.support.meta_webhooks import MetaSender, messenger_text, whatsapp_status, whatsapp_text
from tests.support.people import People, Person
from tests.support.secret_scan import register_secret
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

PHONE = "106540352242922"
BUSINESS = "102290129340398"
PAGE = "318407991502937"
TOKEN = "EAAG" + "w1nd0" * 8
SECRET = "9a8b7c6d5e4f30211203f4e5d6c7b8a9"
CUSTOMER = "13055551234"
PSID = "6000123456789"

ORDER_READY = {
    "name": "order_ready",
    "language": "en_US",
    "status": "APPROVED",
    "category": "UTILITY",
    "parameter_format": "POSITIONAL",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
        {
            "type": "BODY",
            "text": "Hi {{1}}, your order is ready for pickup at {{2}}.",
            "example": {"body_text": [["Ana", "5 pm"]]},
        },
        {"type": "FOOTER", "text": "Brisa Spa"},
    ],
}
PEDIDO_LISTO = {
    "name": "pedido_listo",
    "language": "es",
    "status": "APPROVED",
    "category": "UTILITY",
    "parameter_format": "NAMED",
    "components": [
        {
            "type": "BODY",
            "text": "Hola {{nombre}}, tu pedido está listo.",
            "example": {"body_text_named_params": [{"param_name": "nombre", "example": "Ana"}]},
        }
    ],
}
PROMO_IMAGE = {
    "name": "promo_image",
    "language": "en_US",
    "status": "APPROVED",
    "category": "MARKETING",
    "components": [{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "New this week!"}],
}
BODY_HI = {"type": "BODY", "text": "Hi"}
PENDING = {
    "name": "waiting_review",
    "language": "en_US",
    "status": "PENDING",
    "category": "UTILITY",
    "components": [{"type": "BODY", "text": "Soon."}],
}


@pytest.fixture
def fake_meta(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeta]:
    register_secret(TOKEN, "a Meta access token")
    register_secret(SECRET, "a Meta app secret")
    fake = FakeMeta()
    fake.add_account(PHONE, Account(token=TOKEN, fields={"verified_name": "Brisa"}))
    fake.add_account(PAGE, Account(token=TOKEN, fields={"name": "Brisa"}, kind="messenger"))
    fake.add_account(
        BUSINESS, Account(token=TOKEN, fields={}, templates=[ORDER_READY, PEDIDO_LISTO, PROMO_IMAGE, PENDING])
    )
    monkeypatch.setenv("META_GRAPH_API_URL", fake.base_url)
    monkeypatch.setenv("DISPATCH_RETRY_BASE_SECONDS", "0")
    get_settings.cache_clear()
    yield fake
    fake.close()
    get_settings.cache_clear()


def _channel(db: Db, organization: UUID, kind: str, account_id: str) -> UUID:
    channel = create_channel(
        db,
        super_admin(),
        organization,
        name=f"Brisa {kind}",
        channel_type=kind,  # type: ignore[arg-type]
        meta_credentials=MetaCredentials(
            kind=kind,  # type: ignore[arg-type]
            account_id=account_id,
            business_account_id=BUSINESS if kind == "whatsapp" else None,
            access_token=TOKEN,
            app_secret=SECRET,
            verify_token=f"brisa-{kind}-verify",
        ),
    )
    return channel.id


@pytest.fixture
def brisa(db: Db, fake_meta: FakeMeta) -> UUID:
    return create_organization(db, name="Brisa", plan="growth", system_prompt="We are Brisa, a spa in Miami.")


@pytest.fixture
def whatsapp(db: Db, brisa: UUID) -> UUID:
    return _channel(db, brisa, "whatsapp", PHONE)


def _customer_writes(text: str = "Is my order ready?", *, wamid: str = "wamid.IN1") -> None:
    reply = MetaSender("whatsapp", SECRET).post(whatsapp_text(PHONE, CUSTOMER, text, wamid=wamid, name="Ana Pérez"))
    assert reply.status == 200


def _conversation(db: Db, channel_id: UUID) -> UUID:
    row = db.execute("SELECT id FROM conversations WHERE channel_id = %s", (channel_id,)).fetchone()
    assert row is not None
    conversation_id: UUID = row["id"]
    return conversation_id


def _hours_ago(db: Db, channel_id: UUID, hours: float) -> None:
    """As if the customer had last written that long ago."""
    db.execute(
        """UPDATE messages SET created_at = now() - make_interval(secs => %s) WHERE role = 'visitor'
           AND conversation_id IN (SELECT id FROM conversations WHERE channel_id = %s)""",
        (hours * 3600, channel_id),
    )


def _agent(people: People, organization: UUID) -> Person:
    return people.make(agent_of=[organization])


def _post_in(people: People, who: Person, language: str, path: str, body: Any = None) -> Any:
    """As the dashboard posts for an operator reading it in `language`."""
    headers = {**who.headers, "Accept-Language": language}
    return people.client.post(f"/api/dashboard{path}", headers=headers, json=body)


def test_inside_the_window_an_agents_reply_goes_out_as_text_and_the_thread_shows_its_delivery(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    agent = _agent(people, brisa)

    sent = people.post(agent, f"/conversations/{conversation}/messages", {"content": "Yes, it is ready!"})
    MetaSender("whatsapp", SECRET).post(whatsapp_status(PHONE, "wamid.FAKE000002", "read", CUSTOMER))

    assert sent.status_code == 201
    assert fake_meta.sent_to(PHONE)[-1].body["text"]["body"] == "Yes, it is ready!"
    detail = people.get(agent, f"/conversations/{conversation}").json()
    assert detail["replyWindow"]["channel"] == "whatsapp"
    assert detail["replyWindow"]["open"] is True
    mine = next(m for m in detail["messages"] if m["id"] == sent.json()["id"])
    assert mine["delivery"]["status"] == "read"
    assert mine["delivery"]["failureReason"] is None


def test_past_24_hours_free_text_is_refused_with_409_window_closed_in_the_callers_language(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    _hours_ago(db, whatsapp, 25)
    sent_before = len(fake_meta.sent_to(PHONE))
    english = agent = _agent(people, brisa)

    refused = _post_in(people, agent, "en", f"/conversations/{conversation}/messages", {"content": "Still there?"})
    rechazado = _post_in(people, agent, "es", f"/conversations/{conversation}/messages", {"content": "¿Sigues ahí?"})

    assert refused.status_code == rechazado.status_code == 409
    assert refused.json()["error"]["code"] == rechazado.json()["error"]["code"] == "window_closed"
    assert "24 hours" in refused.json()["error"]["message"]
    assert "24 horas" in rechazado.json()["error"]["message"]
    assert db.execute("SELECT count(*) AS n FROM messages WHERE role = 'agent'").fetchone() == {"n": 0}
    assert len(fake_meta.sent_to(PHONE)) == sent_before
    window = people.get(english, f"/conversations/{conversation}").json()["replyWindow"]
    assert window["open"] is False
    assert window["closesAt"] is not None


def test_past_24_hours_an_agents_file_is_refused_too_before_anything_is_granted(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    _hours_ago(db, whatsapp, 25)
    agent = _agent(people, brisa)
    file = {"name": "receipt.pdf", "contentType": "application/pdf", "size": 120}

    refused = _post_in(people, agent, "en", f"/conversations/{conversation}/attachments", file)
    rechazado = _post_in(people, agent, "es", f"/conversations/{conversation}/attachments", file)

    assert refused.status_code == rechazado.status_code == 409
    assert refused.json()["error"]["code"] == rechazado.json()["error"]["code"] == "window_closed"
    assert "24 horas" in rechazado.json()["error"]["message"]
    assert db.execute("SELECT count(*) AS n FROM attachments").fetchone() == {"n": 0}


def test_templates_are_synced_from_the_graph_api_with_their_variables_and_languages(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    agent = _agent(people, brisa)

    before = people.get(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates").json()
    synced = people.post(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")

    assert before == {"syncedAt": None, "items": []}
    assert synced.status_code == 200
    items = {(t["name"], t["language"]): t for t in synced.json()["items"]}
    assert set(items) == {
        ("order_ready", "en_US"),
        ("pedido_listo", "es"),
        ("promo_image", "en_US"),
        ("waiting_review", "en_US"),
    }
    order = items[("order_ready", "en_US")]
    assert order["header"] == "Order {{1}}"
    assert order["variables"] == [
        {"component": "header", "key": "1", "example": None},
        {"component": "body", "key": "1", "example": "Ana"},
        {"component": "body", "key": "2", "example": "5 pm"},
    ]
    assert order["offered"] is True
    assert items[("pedido_listo", "es")]["variables"] == [{"component": "body", "key": "nombre", "example": "Ana"}]
    assert items[("promo_image", "en_US")]["offered"] is False  # a media header: nothing to give it here
    assert items[("waiting_review", "en_US")]["offered"] is False  # not approved yet
    stored = people.get(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates").json()
    assert stored["syncedAt"] is not None
    assert len(stored["items"]) == 4


def test_a_sync_reads_every_page_and_replaces_what_was_stored(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    agent = _agent(people, brisa)
    people.post(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")
    many = [
        {
            "name": f"notice_{i:03d}",
            "language": "en_US",
            "status": "APPROVED",
            "components": [{"type": "BODY", "text": "Hi"}],
        }
        for i in range(130)
    ]
    fake_meta.add_account(BUSINESS, Account(token=TOKEN, fields={}, templates=many))

    synced = people.post(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates/sync").json()

    assert [t["name"] for t in synced["items"]] == [f"notice_{i:03d}" for i in range(130)]


def test_a_token_meta_refuses_makes_the_sync_502_and_keeps_the_stored_templates(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    agent = _agent(people, brisa)
    people.post(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")
    fake_meta.add_account(BUSINESS, Account(token="EAAG-another-token-altogether", fields={}))

    failed = _post_in(people, agent, "es", f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")

    assert failed.status_code == 502
    assert failed.json()["error"]["code"] == "graph_api_failed"
    assert "token" in failed.json()["error"]["message"]
    assert len(people.get(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates").json()["items"]) == 4


def test_past_24_hours_an_approved_template_goes_out_with_its_variables_filled_in(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    _hours_ago(db, whatsapp, 30)
    agent = _agent(people, brisa)
    people.post(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")

    sent = people.post(
        agent,
        f"/conversations/{conversation}/template-messages",
        {"name": "order_ready", "language": "en_US", "variables": {"1": "Ana", "2": "6 pm"}},
    )

    assert sent.status_code == 201
    assert sent.json()["content"] == "Order Ana\n\nHi Ana, your order is ready for pickup at 6 pm.\n\nBrisa Spa"
    assert sent.json()["template"] == "order_ready · en_US"
    assert fake_meta.sent_to(PHONE)[-1].body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "template",
        "template": {
            "name": "order_ready",
            "language": {"code": "en_US"},
            "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "Ana"}]},
                {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "6 pm"}]},
            ],
        },
    }
    detail = people.get(agent, f"/conversations/{conversation}").json()
    assert detail["messages"][-1]["delivery"]["status"] == "sent"


def test_a_named_template_sends_its_parameters_by_name(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes("¿Está listo mi pedido?")
    conversation = _conversation(db, whatsapp)
    agent = _agent(people, brisa)
    people.post(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")

    sent = people.post(
        agent,
        f"/conversations/{conversation}/template-messages",
        {"name": "pedido_listo", "language": "es", "variables": {"nombre": "Ana"}},
    )

    assert sent.json()["content"] == "Hola Ana, tu pedido está listo."
    assert fake_meta.sent_to(PHONE)[-1].body["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "parameter_name": "nombre", "text": "Ana"}]}
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "order_ready", "language": "en_US", "variables": {"1": "Ana"}}, 400, "invalid_field"),
        ({"name": "order_ready", "language": "en_US", "variables": {"1": "Ana", "2": "   "}}, 400, "invalid_field"),
        (
            {"name": "order_ready", "language": "en_US", "variables": {"1": "A", "2": "B", "9": "C"}},
            400,
            "invalid_field",
        ),
        ({"name": "order_ready", "language": "es", "variables": {"1": "A", "2": "B"}}, 404, "template_not_found"),
        ({"name": "waiting_review", "language": "en_US"}, 404, "template_not_found"),
        ({"name": "promo_image", "language": "en_US"}, 404, "template_not_found"),
        ({"name": "order_ready", "language": "en US"}, 400, "invalid_field"),
    ],
)
def test_a_template_that_cannot_be_sent_as_asked_is_refused_and_nothing_goes_out(
    people: People,
    db: Db,
    fake_meta: FakeMeta,
    whatsapp: UUID,
    brisa: UUID,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    agent = _agent(people, brisa)
    people.post(agent, f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")
    sent_before = len(fake_meta.sent_to(PHONE))

    refused = people.post(agent, f"/conversations/{conversation}/template-messages", body)

    assert (refused.status_code, refused.json()["error"]["code"]) == (status, code)
    assert len(fake_meta.sent_to(PHONE)) == sent_before


def test_metas_131047_puts_the_message_in_the_failed_state_with_the_window_as_its_reason(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    agent = _agent(people, brisa)
    fake_meta.fail_next(Failure(status=400, code=131047, message="Re-engagement message"))

    sent = people.post(agent, f"/conversations/{conversation}/messages", {"content": "Are you there?"})

    mine = next(
        m
        for m in people.get(agent, f"/conversations/{conversation}").json()["messages"]
        if m["id"] == sent.json()["id"]
    )
    assert mine["delivery"] == {
        "status": "failed",
        "failureReason": "window_closed",
        "errorCode": 131047,
        "errorMessage": "Re-engagement message",
        "updatedAt": mine["delivery"]["updatedAt"],
    }


def test_a_notice_past_the_window_is_not_sent_and_says_why(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    _hours_ago(db, whatsapp, 26)
    agent = _agent(people, brisa)
    sent_before = len(fake_meta.sent_to(PHONE))

    taken = people.post(agent, f"/conversations/{conversation}/takeover")

    notice = taken.json()["messages"][-1]
    assert notice["role"] == "system"
    detail = people.get(agent, f"/conversations/{conversation}").json()
    assert detail["messages"][-1]["delivery"]["failureReason"] == "window_closed"
    assert len(fake_meta.sent_to(PHONE)) == sent_before


def test_on_messenger_a_persons_reply_past_24_hours_is_tagged_human_agent(
    people: People, db: Db, fake_meta: FakeMeta, brisa: UUID
) -> None:
    page = _channel(db, brisa, "messenger", PAGE)
    MetaSender("messenger", SECRET).post(messenger_text(PAGE, PSID, "Hello", mid="m_IN1"))
    [answer] = fake_meta.sent_to(PAGE)  # the AI's, within the 24 hours
    conversation = _conversation(db, page)
    _hours_ago(db, page, 48)
    agent = _agent(people, brisa)

    sent = people.post(agent, f"/conversations/{conversation}/messages", {"content": "Sorry for the wait!"})

    assert sent.status_code == 201
    assert answer.body["messaging_type"] == "RESPONSE"
    assert "tag" not in answer.body
    reply = fake_meta.sent_to(PAGE)[-1].body
    assert reply["messaging_type"] == "MESSAGE_TAG"
    assert reply["tag"] == "HUMAN_AGENT"
    assert reply["message"] == {"text": "Sorry for the wait!"}
    window = people.get(agent, f"/conversations/{conversation}").json()["replyWindow"]
    assert (window["open"], window["humanAgentUntil"] is not None) == (False, True)


def test_on_messenger_past_24_hours_no_ai_answer_goes_out_tagged(
    people: People, db: Db, fake_meta: FakeMeta, brisa: UUID
) -> None:
    page = _channel(db, brisa, "messenger", PAGE)
    MetaSender("messenger", SECRET).post(messenger_text(PAGE, PSID, "Hello", mid="m_IN1"))
    conversation = _conversation(db, page)
    agent = _agent(people, brisa)
    people.post(agent, f"/conversations/{conversation}/takeover")
    MetaSender("messenger", SECRET).post(messenger_text(PAGE, PSID, "What are your hours?", mid="m_IN2"))
    _hours_ago(db, page, 30)
    sent_before = len(fake_meta.sent_to(PAGE))

    people.post(agent, f"/conversations/{conversation}/release")  # the AI answers the unanswered question

    assert all(s.body.get("tag") is None for s in fake_meta.sent_to(PAGE))
    assert len(fake_meta.sent_to(PAGE)) == sent_before
    ai = db.execute(
        """SELECT d.failure_reason FROM meta_deliveries d JOIN messages m ON m.id = d.message_id
           WHERE m.role = 'ai' ORDER BY m.seq DESC LIMIT 1"""
    ).fetchone()
    assert ai == {"failure_reason": "window_closed"}


def test_a_messenger_contact_is_named_from_their_graph_api_profile(
    people: People, db: Db, fake_meta: FakeMeta, brisa: UUID
) -> None:
    _channel(db, brisa, "messenger", PAGE)
    fake_meta.add_account(PSID, Account(token=TOKEN, fields={"first_name": "Lucía", "last_name": "Gómez"}))

    MetaSender("messenger", SECRET).post(messenger_text(PAGE, PSID, "Hola", mid="m_IN1"))

    [listed] = people.get(_agent(people, brisa), "/conversations", channelType="messenger").json()["items"]
    assert listed["contact"] == {"id": PSID, "name": "Lucía Gómez", "phone": None}


def test_on_messenger_past_7_days_a_persons_reply_is_refused_too(
    people: People, db: Db, fake_meta: FakeMeta, brisa: UUID
) -> None:
    page = _channel(db, brisa, "messenger", PAGE)
    MetaSender("messenger", SECRET).post(messenger_text(PAGE, PSID, "Hola", mid="m_IN1"))
    conversation = _conversation(db, page)
    _hours_ago(db, page, 8 * 24)
    agent = _agent(people, brisa)

    refused = _post_in(people, agent, "es", f"/conversations/{conversation}/messages", {"content": "¿Hola?"})

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "window_closed"
    assert "7 días" in refused.json()["error"]["message"]


def test_the_list_shows_each_conversations_channel_and_contact_and_filters_by_channel_type(
    people: People, db: Db, fake_meta: FakeMeta, fake_openai: Any, whatsapp: UUID, brisa: UUID
) -> None:
    website = create_channel(db, super_admin(), brisa, name="Brisa site", channel_type="website")
    assert WidgetClient(website.public_key, uuid4()).post("Hello from the website").status == 200
    _customer_writes()
    agent = _agent(people, brisa)

    everything = people.get(agent, "/conversations").json()["items"]
    only_whatsapp = people.get(agent, "/conversations", channelType="whatsapp").json()["items"]
    only_website = people.get(agent, "/conversations", channelType="website").json()["items"]
    wrong = people.get(agent, "/conversations", channelType="telegram")

    assert sorted(c["channelType"] for c in everything) == ["website", "whatsapp"]
    [wa] = only_whatsapp
    assert wa["contact"] == {"id": CUSTOMER, "name": "Ana Pérez", "phone": "+" + CUSTOMER}
    [site] = only_website
    assert site["contact"] is None
    assert wrong.status_code == 400


def test_another_organisations_templates_and_conversations_stay_out_of_reach(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)
    people.post(_agent(people, brisa), f"/organizations/{brisa}/channels/{whatsapp}/templates/sync")
    other = create_organization(db, name="Other", plan="pro")
    stranger = people.make(admin_of=[other])
    body = {"name": "order_ready", "language": "en_US", "variables": {"1": "A", "2": "B"}}

    assert people.get(stranger, f"/organizations/{brisa}/channels/{whatsapp}/templates").status_code == 404
    assert people.get(stranger, f"/organizations/{other}/channels/{whatsapp}/templates").status_code == 404
    assert people.post(stranger, f"/organizations/{other}/channels/{whatsapp}/templates/sync").status_code == 404
    assert people.post(stranger, f"/conversations/{conversation}/template-messages", body).status_code == 404
    assert people.get(stranger, "/conversations", channelType="whatsapp").json()["items"] == []


def test_the_whole_workspace_works_on_a_whatsapp_conversation(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    _customer_writes("I want to talk to a person")
    conversation = _conversation(db, whatsapp)
    admin = people.make(admin_of=[brisa])
    agent = _agent(people, brisa)
    label = people.post(admin, f"/organizations/{brisa}/labels", {"name": "VIP", "color": "#ef4444"}).json()
    canned = people.post(
        admin,
        f"/organizations/{brisa}/canned-replies",
        {"shortcut": "ready", "title": "Order ready", "contentEn": "Your order is ready for pickup."},
    ).json()

    assigned = people.put(admin, f"/conversations/{conversation}/assignee", {"assigneeId": agent.id})
    labelled = people.put(agent, f"/conversations/{conversation}/labels/{label['id']}")
    noted = people.post(agent, f"/conversations/{conversation}/notes", {"content": "Check the **order** first"})
    replied = people.post(agent, f"/conversations/{conversation}/messages", {"content": canned["contentEn"]})

    assert assigned.status_code == 200
    assert assigned.json()["assignedUser"]["id"] == agent.id
    assert [x["name"] for x in labelled.json()] == ["VIP"]
    assert noted.status_code == 201
    assert replied.status_code == 201
    bodies = [s.body.get("text", {}).get("body") for s in fake_meta.sent_to(PHONE)]
    assert "Your order is ready for pickup." in bodies
    assert not any("order** first" in (b or "") for b in bodies)  # a note never leaves
    mine = people.get(agent, "/conversations", view="mine", labelId=label["id"], channelType="whatsapp").json()
    assert [c["id"] for c in mine["items"]] == [str(conversation)]
    notes = people.get(agent, f"/conversations/{conversation}/notes").json()
    assert [n["content"] for n in notes] == ["Check the **order** first"]


def test_templates_on_a_website_channel_or_conversation_are_400_and_never_a_server_error(
    people: People, db: Db, fake_meta: FakeMeta, fake_openai: Any, brisa: UUID
) -> None:
    website = create_channel(db, super_admin(), brisa, name="Brisa site", channel_type="website")
    conversation = WidgetClient(website.public_key, uuid4()).post("Hello").body["conversationId"]
    agent = _agent(people, brisa)
    body = {"name": "order_ready", "language": "en_US", "variables": {"1": "A"}}

    sync = people.post(agent, f"/organizations/{brisa}/channels/{website.id}/templates/sync")
    send = people.post(agent, f"/conversations/{conversation}/template-messages", body)
    listed = people.get(agent, f"/organizations/{brisa}/channels/{website.id}/templates")

    assert (sync.status_code, sync.json()["error"]["code"]) == (400, "invalid_field")
    assert (send.status_code, send.json()["error"]["code"]) == (400, "invalid_field")
    assert listed.json() == {"syncedAt": None, "items": []}
    detail = people.get(agent, f"/conversations/{conversation}").json()
    assert (detail["channelType"], detail["replyWindow"], detail["contact"]) == ("website", None, None)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "order_ready", "language": "en_US", "variables": {f"v{i}": "x" for i in range(51)}},
        {"name": "order_ready", "language": "en_US", "variables": {"bad key": "x"}},
        {"name": "order_ready", "language": "en_US", "variables": {"1": "x" * 1025}},
        {"name": "", "language": "en_US"},
        {"name": "order_ready"},
        "not an object",
    ],
)
def test_a_malformed_template_message_is_400(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID, body: Any
) -> None:
    _customer_writes()
    conversation = _conversation(db, whatsapp)

    refused = people.post(_agent(people, brisa), f"/conversations/{conversation}/template-messages", body)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_field"


def test_a_handoff_on_whatsapp_tells_the_admins_puts_it_in_waiting_and_silences_the_ai(
    people: People, db: Db, fake_meta: FakeMeta, whatsapp: UUID, brisa: UUID
) -> None:
    from moto.ses.models import ses_backends

    from chatflow.aws import _client

    # A client cached by an earlier test of this worker, made before moto's credentials were set, would
    # send nothing (NoCredentialsError): this test reads what SES was given.
    _client.cache_clear()
    admin = people.make(admin_of=[brisa])

    _customer_writes("Quiero hablar con una persona", wamid="wamid.H1")
    _customer_writes("¿Hola?", wamid="wamid.H2")

    waiting = people.get(admin, "/conversations", view="waiting", channelType="whatsapp").json()["items"]
    assert [c["contact"]["name"] for c in waiting] == ["Ana Pérez"]
    roles = [m["role"] for m in people.get(admin, f"/conversations/{waiting[0]['id']}").json()["messages"]]
    assert roles == ["visitor", "system", "visitor"]  # the handoff notice, and no AI answer after it
    mails = [
        message
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if admin.email in message.destinations.get("ToAddresses", [])
    ]
    assert len(mails) == 1
    sent = [s.body["text"]["body"] for s in fake_meta.sent_to(PHONE)]
    assert len(sent) == 1  # the handoff notice went to the customer; nothing answered "¿Hola?"


def test_messengers_delivery_and_read_receipts_show_under_the_pages_messages(
    people: People, db: Db, fake_meta: FakeMeta, brisa: UUID
) -> None:
    page = _channel(db, brisa, "messenger", PAGE)
    sender = MetaSender("messenger", SECRET)
    sender.post(messenger_text(PAGE, PSID, "Hello", mid="m_IN1"))  # the AI answers: m_FAKE000001
    conversation = _conversation(db, page)
    agent = _agent(people, brisa)

    def delivery() -> str:
        messages = people.get(agent, f"/conversations/{conversation}").json()["messages"]
        return str(next(m for m in messages if m["role"] == "ai")["delivery"]["status"])

    sent = delivery()
    receipt = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1764750001000}
    delivered_receipt = {**receipt, "delivery": {"mids": ["m_FAKE000001"]}}
    sender.post({"object": "page", "entry": [{"id": PAGE, "messaging": [delivered_receipt]}]})
    delivered = delivery()
    read_at = int((time.time() + 5) * 1000)
    sender.post({"object": "page", "entry": [{"id": PAGE, "messaging": [{**receipt, "read": {"watermark": read_at}}]}]})

    assert (sent, delivered, delivery()) == ("sent", "delivered", "read")
