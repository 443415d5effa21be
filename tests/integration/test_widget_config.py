"""GET /api/channels/{publicKey}/config: what a channel's widget is told at start. Public like the
chat, the same 404 and origin rules, cacheable with an ETag, rate limited per client address."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
import pytest

from chatflow import channels, rate_limits
from chatflow.organizations import create_organization
from tests.integration.conftest import Tenant
from tests.support.callers import super_admin
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

DEFAULT_WELCOME = {
    "en": "How can we help you today? Write your question below to start a conversation.",
    "es": "¿En qué podemos ayudarte hoy? Escribe tu pregunta abajo para empezar una conversación.",
}


def _change(tenant: Tenant, db: Db, **fields: Any) -> None:
    channels.update_channel(
        db, super_admin(), tenant.organization_id, tenant.channel_id, channels.ChannelChanges(**fields)
    )


def _operator(db: Db, organization_id: Any, *, connected: bool = True, active: bool = True, member: bool = True) -> str:
    user_id = f"op-{uuid4().hex[:8]}"
    db.execute(
        "INSERT INTO users (id, email, name, active) VALUES (%s, %s, 'Ana', %s)",
        (user_id, f"{user_id}@example.com", active),
    )
    if member:
        db.execute(
            "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, 'agent')",
            (organization_id, user_id),
        )
    if connected:
        db.execute(
            "INSERT INTO ws_connections (connection_id, kind, user_id) VALUES (%s, 'dashboard', %s)",
            (f"conn-{user_id}", user_id),
        )
    return user_id


def test_a_new_channel_answers_the_defaults_and_the_organisations_name(visitor: WidgetClient) -> None:
    answer = visitor.config()

    assert answer.status == 200
    assert answer.body == {
        "defaultLanguage": "en",
        "languageFixed": False,
        "color": "#2f92ad",
        "position": "right",
        "businessName": "Acme Coffee",
        "welcome": DEFAULT_WELCOME,
        "humanAvailable": False,
        "avatarUrl": None,  # no logo uploaded: the widget shows the name's initials
        "businessHours": None,
        "satisfaction": {"enabled": True, "scale": "five"},
    }


def test_the_default_welcome_texts_are_the_widgets_own(visitor: WidgetClient) -> None:
    # The widget shows its built-in greeting when the config cannot be read: the same words.
    from infra.functions import ROOT

    script = (ROOT / "widget" / "chatflow360-chat.js").read_text(encoding="utf-8")  # the chat, past the launcher

    assert channels.DEFAULT_WELCOME == DEFAULT_WELCOME
    for text in DEFAULT_WELCOME.values():
        assert f'"{text}"' in script


def test_the_channels_language_and_look_are_what_the_dashboard_set(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    _change(
        tenant,
        db,
        default_language="es",
        language_fixed=True,
        color="#E91E63",
        position="left",
        set_business_name=True,
        business_name="Café Acme",
        set_welcome=True,
        welcome_en=None,
        welcome_es="  ¡Hola! ¿Qué tal tu café?  ",
    )

    body = visitor.config().body

    assert (body["defaultLanguage"], body["languageFixed"], body["color"], body["position"]) == (
        "es",
        True,
        "#e91e63",
        "left",
    )
    assert body["businessName"] == "Café Acme"
    assert body["welcome"] == {"en": DEFAULT_WELCOME["en"], "es": "¡Hola! ¿Qué tal tu café?"}


def test_it_says_nothing_internal(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    _change(tenant, db, allowed_origins=["https://shop.example.com"], set_system_prompt=True, system_prompt="Secret")

    answer = visitor.config()

    for internal in (str(tenant.organization_id), str(tenant.channel_id), "Secret", "shop.example.com"):
        assert internal not in str(answer.body)
    assert str(tenant.channel_id) not in str(answer.headers)


def test_a_person_is_available_when_an_operator_of_the_organisation_has_the_dashboard_open(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    assert visitor.config().body["humanAvailable"] is False

    _operator(db, tenant.organization_id)

    assert visitor.config().body["humanAvailable"] is True


def test_no_person_is_available_when_the_channel_does_not_hand_off(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    _operator(db, tenant.organization_id)
    _change(tenant, db, handoff_enabled=False)

    assert visitor.config().body["humanAvailable"] is False


@pytest.mark.parametrize("who", ["member of another organisation", "inactive member", "super admin", "disconnected"])
def test_only_a_connected_active_member_makes_a_person_available(
    visitor: WidgetClient, tenant: Tenant, db: Db, who: str
) -> None:
    if who == "member of another organisation":
        _operator(db, create_organization(db, name="Other"))
    elif who == "inactive member":
        _operator(db, tenant.organization_id, active=False)
    elif who == "super admin":
        user_id = _operator(db, tenant.organization_id, member=False)
        db.execute("UPDATE users SET is_super_admin = true WHERE id = %s", (user_id,))
    else:
        _operator(db, tenant.organization_id, connected=False)

    assert visitor.config().body["humanAvailable"] is False


def test_a_dashboard_socket_on_another_organisation_does_not_count(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    user_id = _operator(db, tenant.organization_id, connected=False)
    other = create_organization(db, name="Other")
    db.execute(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, 'agent')", (other, user_id)
    )
    db.execute(
        "INSERT INTO ws_connections (connection_id, kind, user_id, organization_id) "
        "VALUES ('c-other', 'dashboard', %s, %s)",
        (user_id, other),
    )

    assert visitor.config().body["humanAvailable"] is False


def test_an_unknown_public_key_is_404(visitor: WidgetClient) -> None:
    answer = visitor.config(uuid4())

    assert (answer.status, answer.error_code) == (404, "channel_not_found")


@pytest.mark.parametrize("table", ["channels", "organizations"])
def test_an_inactive_channel_or_organisation_is_404_like_an_unknown_one(
    visitor: WidgetClient, tenant: Tenant, db: Db, table: str
) -> None:
    row_id = tenant.channel_id if table == "channels" else tenant.organization_id
    db.execute(f"UPDATE {table} SET active = false WHERE id = %s", (row_id,))

    answer = visitor.config()

    assert (answer.status, answer.error_code) == (404, "channel_not_found")
    assert "ETag" not in answer.headers


def test_a_public_key_that_is_not_a_uuid_is_400(visitor: WidgetClient) -> None:
    answer = visitor.config("not-a-key")

    assert (answer.status, answer.error_code) == (400, "invalid_uuid")
    assert "publicKey" in answer.body["error"]["message"]


def test_cors_is_open_and_the_answer_varies_by_origin(visitor: WidgetClient) -> None:
    answer = visitor.config(headers={"Origin": "https://any.example.com"})

    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Vary"] == "Origin"


def test_a_channel_with_allowed_origins_answers_those_sites_only(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    _change(tenant, db, allowed_origins=["https://coffee.example"])

    allowed = visitor.config(headers={"Origin": "https://coffee.example"})
    refused = visitor.config(headers={"Origin": "https://elsewhere.example"})

    assert allowed.status == 200
    assert (refused.status, refused.error_code) == (403, "origin_not_allowed")


def test_a_request_without_an_origin_is_not_a_browsers_and_passes(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    _change(tenant, db, allowed_origins=["https://coffee.example"])
    from tests.support.events import LambdaContextStub, rest_event

    event = rest_event(
        "GET",
        f"/api/channels/{tenant.public_key}/config",
        resource="/api/channels/{publicKey}/config",
        path_parameters={"publicKey": str(tenant.public_key)},
    )
    del event["headers"]["Origin"], event["multiValueHeaders"]["Origin"]
    from infra.functions import load_handler

    assert load_handler("widget_config")(event, LambdaContextStub())["statusCode"] == 200


def test_the_browser_may_keep_it_a_minute_and_revalidate_with_its_etag(visitor: WidgetClient) -> None:
    first = visitor.config()
    etag = first.headers["ETag"]

    again = visitor.config(headers={"If-None-Match": etag})
    weak = visitor.config(headers={"If-None-Match": f'"other", W/{etag}'})

    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert etag[0] == etag[-1] == '"'
    assert (again.status, again.body) == (304, None)
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert weak.status == 304


def test_a_change_in_the_dashboard_changes_the_etag(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    etag = visitor.config().headers["ETag"]
    _change(tenant, db, color="#123456")

    answer = visitor.config(headers={"If-None-Match": etag})

    assert answer.status == 200
    assert answer.body["color"] == "#123456"
    assert answer.headers["ETag"] != etag


def test_over_the_limit_of_a_client_address_it_is_429_counted_apart_from_history(
    visitor: WidgetClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_CHAT_GET_PER_MINUTE", "3")
    get_settings.cache_clear()
    conversation = visitor.post("Hello").body["conversationId"]

    answers = [visitor.another_visitor().config() for _ in range(4)]

    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert answers[3].error_code == "rate_limited"
    assert 1 <= int(answers[3].headers["Retry-After"]) <= rate_limits.WINDOW_SECONDS
    assert visitor.history(conversation).status == 200  # the history's own count
    assert visitor.from_ip("198.51.100.7").config().status == 200  # another address
