"""Connecting WhatsApp and Messenger channels: write-only credentials stored encrypted and read back
as hints, the webhook URL and verify token to paste into Meta's console, and a connection test that
asks a fake of Meta's Graph API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.crypto import decrypt, parse_key
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from infra.local.fake_meta import Account, FakeMeta
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.support.people import People, Person
from tests.support.secret_scan import register_secret

Db = psycopg.Connection[dict[str, Any]]

ACCESS_TOKEN = "EAAG" + "x7Qk2" * 8
APP_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PAGE_TOKEN = "EAAP" + "p4ge9" * 8
WHATSAPP = {
    "phoneNumberId": "106540352242922",
    "businessAccountId": "102290129340398",
    "accessToken": ACCESS_TOKEN,
    "appSecret": APP_SECRET,
    "verifyToken": "brisa-verify-2026",
}
MESSENGER = {
    "pageId": "318407991502937",
    "pageAccessToken": PAGE_TOKEN,
    "appSecret": APP_SECRET,
    "verifyToken": "brisa-page-verify",
}


@pytest.fixture
def fake_meta(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeta]:
    for value, what in (
        (ACCESS_TOKEN, "a Meta access token"),
        (APP_SECRET, "a Meta app secret"),
        (PAGE_TOKEN, "a page token"),
    ):
        register_secret(value, what)
    fake = FakeMeta()
    monkeypatch.setenv("META_GRAPH_API_URL", fake.base_url)
    get_settings.cache_clear()
    yield fake
    fake.close()
    get_settings.cache_clear()


def _org(people: People, db: Db, plan: str = "pro") -> tuple[UUID, Person]:
    organization = create_organization(db, name="Brisa", plan=plan)  # type: ignore[arg-type]
    return organization, people.make(admin_of=[organization])


def _create(people: People, who: Person, organization_id: UUID, **fields: Any) -> Any:
    return people.post(who, f"/organizations/{organization_id}/channels", {"name": "WhatsApp", **fields})


def test_a_whatsapp_channel_is_connected_with_its_secrets_encrypted_and_shown_only_as_hints(
    people: People, db: Db
) -> None:
    brisa, admin = _org(people, db)

    answer = _create(people, admin, brisa, type="whatsapp", whatsapp=WHATSAPP)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert ACCESS_TOKEN not in answer.text
    assert APP_SECRET not in answer.text
    assert body["metaConnection"] == {
        "connected": True,
        "webhookUrl": "http://127.0.0.1:8000/api/webhooks/whatsapp",
        "phoneNumberId": "106540352242922",
        "businessAccountId": "102290129340398",
        "pageId": None,
        "accessTokenHint": "..." + ACCESS_TOKEN[-4:],
        "appSecretHint": "..." + APP_SECRET[-4:],
        "verifyToken": "brisa-verify-2026",
    }
    row = db.execute(
        "SELECT encrypted_access_token, encrypted_app_secret FROM channel_meta_connections WHERE channel_id = %s",
        (body["id"],),
    ).fetchone()
    assert row is not None
    key = parse_key(TEST_ENCRYPTION_KEY)
    assert ACCESS_TOKEN not in row["encrypted_access_token"]
    assert decrypt(row["encrypted_access_token"], key) == ACCESS_TOKEN
    assert decrypt(row["encrypted_app_secret"], key) == APP_SECRET


def test_a_channel_not_connected_yet_says_so_with_the_webhook_url_to_paste(people: People, db: Db) -> None:
    brisa, admin = _org(people, db)

    body = _create(people, admin, brisa, type="messenger").json()

    assert body["metaConnection"] == {
        "connected": False,
        "webhookUrl": "http://127.0.0.1:8000/api/webhooks/messenger",
        "phoneNumberId": None,
        "businessAccountId": None,
        "pageId": None,
        "accessTokenHint": None,
        "appSecretHint": None,
        "verifyToken": None,
    }
    assert _create(people, admin, brisa, name="Site").json()["metaConnection"] is None


def test_an_edit_keeps_the_secrets_it_does_not_repeat(people: People, db: Db) -> None:
    brisa, admin = _org(people, db)
    channel = _create(people, admin, brisa, type="whatsapp", whatsapp=WHATSAPP).json()

    answer = people.patch(
        admin, f"/organizations/{brisa}/channels/{channel['id']}", {"whatsapp": {"verifyToken": "a-new-verify"}}
    )

    assert answer.status_code == 200, answer.text
    connection = answer.json()["metaConnection"]
    assert (connection["verifyToken"], connection["accessTokenHint"]) == ("a-new-verify", "..." + ACCESS_TOKEN[-4:])


def test_a_first_connection_needs_every_field_and_names_the_missing_ones(people: People, db: Db) -> None:
    brisa, admin = _org(people, db)
    channel = _create(people, admin, brisa, type="whatsapp").json()

    answer = people.patch(
        admin, f"/organizations/{brisa}/channels/{channel['id']}", {"whatsapp": {"phoneNumberId": "1065"}}
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
    assert "accessToken" in answer.json()["error"]["message"]
    assert db.execute("SELECT count(*) AS n FROM channel_meta_connections").fetchone() == {"n": 0}


@pytest.mark.parametrize(
    ("channel_type", "fields"), [("website", {"whatsapp": WHATSAPP}), ("whatsapp", {"messenger": MESSENGER})]
)
def test_a_connection_for_another_type_of_channel_is_400(
    people: People, db: Db, channel_type: str, fields: dict[str, Any]
) -> None:
    brisa, admin = _org(people, db)

    answer = _create(people, admin, brisa, type=channel_type, **fields)

    assert answer.status_code == 400
    assert db.execute("SELECT count(*) AS n FROM channels").fetchone() == {"n": 0}


def test_a_number_connected_in_one_organisation_cannot_be_connected_in_another(people: People, db: Db) -> None:
    brisa, admin = _org(people, db)
    other, other_admin = _org(people, db)
    assert _create(people, admin, brisa, type="whatsapp", whatsapp=WHATSAPP).status_code == 201

    answer = _create(people, other_admin, other, type="whatsapp", whatsapp=WHATSAPP)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "channel_account_taken"


def test_changing_the_type_forgets_the_old_connection(people: People, db: Db) -> None:
    brisa, admin = _org(people, db)
    channel = _create(people, admin, brisa, type="whatsapp", whatsapp=WHATSAPP).json()

    body = people.patch(admin, f"/organizations/{brisa}/channels/{channel['id']}", {"type": "messenger"}).json()

    assert body["metaConnection"]["connected"] is False
    assert db.execute("SELECT count(*) AS n FROM channel_meta_connections").fetchone() == {"n": 0}


def test_an_agent_reads_the_connection_but_cannot_change_it(people: People, db: Db) -> None:
    brisa, admin = _org(people, db)
    agent = people.make(agent_of=[brisa])
    channel = _create(people, admin, brisa, type="whatsapp", whatsapp=WHATSAPP).json()

    read = people.get(agent, f"/organizations/{brisa}/channels/{channel['id']}")
    written = people.patch(agent, f"/organizations/{brisa}/channels/{channel['id']}", {"whatsapp": WHATSAPP})

    assert read.json()["metaConnection"]["verifyToken"] == "brisa-verify-2026"
    assert written.status_code == 403


def test_the_connection_test_asks_the_graph_api_with_the_stored_token(
    people: People, db: Db, fake_meta: FakeMeta
) -> None:
    brisa, admin = _org(people, db)
    fake_meta.add_account(
        "106540352242922",
        Account(token=ACCESS_TOKEN, fields={"display_phone_number": "+1 305-555-0100", "verified_name": "Brisa"}),
    )
    channel = _create(people, admin, brisa, type="whatsapp", whatsapp=WHATSAPP).json()

    answer = people.post(admin, f"/organizations/{brisa}/channels/{channel['id']}/test-connection")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ok": True, "outcome": "connected", "name": "Brisa · +1 305-555-0100", "graphStatus": 200}


def test_a_token_meta_refuses_is_reported_as_unauthorized(people: People, db: Db, fake_meta: FakeMeta) -> None:
    brisa, admin = _org(people, db)
    fake_meta.add_account(
        "318407991502937", Account(token="EAAP-another-token-entirely", fields={"name": "Brisa"}, kind="messenger")
    )
    channel = _create(people, admin, brisa, name="Page", type="messenger", messenger=MESSENGER).json()

    answer = people.post(admin, f"/organizations/{brisa}/channels/{channel['id']}/test-connection")

    assert answer.json() == {"ok": False, "outcome": "unauthorized", "name": None, "graphStatus": 401}


def test_testing_a_channel_not_connected_says_so_and_another_organisations_is_404(
    people: People, db: Db, fake_meta: FakeMeta
) -> None:
    brisa, admin = _org(people, db)
    other, other_admin = _org(people, db)
    channel = _create(people, admin, brisa, type="whatsapp").json()

    mine = people.post(admin, f"/organizations/{brisa}/channels/{channel['id']}/test-connection")
    theirs = people.post(other_admin, f"/organizations/{other}/channels/{channel['id']}/test-connection")

    assert (mine.json()["ok"], mine.json()["outcome"]) == (False, "not_connected")
    assert theirs.status_code == 404
    assert fake_meta.sent == []
