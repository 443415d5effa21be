"""Pictures (issue #24, item 6): a website channel's logo and an operator's photo, uploaded straight to
storage, checked by their bytes, squared without their metadata, served publicly from /media, and shown
by the widget (the logo in its config, the photo beside the agent's messages, live and in the history)."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

import httpx
import pytest
from PIL import Image

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from tests.integration.conftest import Tenant
from tests.support.attachments_s3 import LocalS3, upload
from tests.support.callers import super_admin
from tests.support.people import People, Person
from tests.support.realtime import serve_gateway
from tests.support.widget import WidgetClient

Db = Any


@pytest.fixture
def shop(db: Db, people: People, s3: LocalS3) -> tuple[UUID, UUID, UUID, Person]:
    """(organisation, channel, its public key, an admin of it)."""
    organization_id = create_organization(db, name="Café Luna")
    channel = create_channel(db, super_admin(), organization_id, name="Website")
    return organization_id, channel.id, channel.public_key, people.make(admin_of=[organization_id])


def _photo(
    size: tuple[int, int] = (640, 480),
    fmt: str = "JPEG",
    *,
    gps: bool = False,
    colour: tuple[int, int, int] = (200, 120, 40),
) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {2: (25.0, 46.0, 0.0), 4: (80.0, 11.0, 0.0)}  # GPSInfo: Miami
        exif[0x010F] = "PhoneMaker"
    image.save(out, format=fmt, exif=exif.tobytes() if gps else b"")
    return out.getvalue()


def _upload_logo(people: People, admin: Person, organization_id: UUID, channel_id: UUID, data: bytes, kind: str) -> Any:
    base = f"/organizations/{organization_id}/channels/{channel_id}/logo"
    grant = people.post(admin, f"{base}/upload", {"contentType": kind, "size": len(data)})
    assert grant.status_code == 201, grant.text
    assert upload(grant.json(), data, kind).status_code in (200, 204)
    return people.put(admin, base, {"uploadKey": grant.json()["uploadKey"]})


def test_an_admins_logo_is_squared_without_metadata_and_shown_by_the_widget(
    people: People, shop: tuple[UUID, UUID, UUID, Person], s3: LocalS3
) -> None:
    organization_id, channel_id, public_key, admin = shop

    answer = _upload_logo(people, admin, organization_id, channel_id, _photo(gps=True), "image/jpeg")

    assert answer.status_code == 200, answer.text
    logo_url = answer.json()["logoUrl"]
    config = WidgetClient(public_key, UUID(int=1)).config()
    assert config.body["avatarUrl"] == logo_url
    key = logo_url.split("/", 3)[3]
    served = httpx.get(f"{s3.front_url}/{key}", timeout=10)
    assert served.status_code == 200
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    picture = Image.open(io.BytesIO(served.content))
    assert (picture.format, picture.size) == ("WEBP", (256, 256))
    assert not picture.getexif()
    assert not [k for k in s3.keys if k.startswith(f"uploads/media/logos/{channel_id}/")]  # the upload is gone


def test_a_new_logo_replaces_the_old_one_and_removing_it_brings_back_initials(
    people: People, shop: tuple[UUID, UUID, UUID, Person], s3: LocalS3
) -> None:
    organization_id, channel_id, public_key, admin = shop
    first = _upload_logo(people, admin, organization_id, channel_id, _photo(), "image/jpeg").json()["logoUrl"]
    second = _upload_logo(
        people, admin, organization_id, channel_id, _photo((300, 900), "PNG", colour=(20, 90, 160)), "image/png"
    )

    removed = people.delete(admin, f"/organizations/{organization_id}/channels/{channel_id}/logo")

    assert second.json()["logoUrl"] != first
    assert removed.status_code == 200
    assert removed.json()["logoUrl"] is None
    assert WidgetClient(public_key, UUID(int=1)).config().body["avatarUrl"] is None
    assert not [k for k in s3.keys if k.startswith(f"media/logos/{channel_id}/")]


def test_a_file_that_is_not_a_picture_is_refused_by_its_bytes_in_the_callers_language(
    people: People, shop: tuple[UUID, UUID, UUID, Person], s3: LocalS3
) -> None:
    organization_id, channel_id, _, admin = shop
    data = b"%PDF-1.7 not a picture"
    base = f"/api/dashboard/organizations/{organization_id}/channels/{channel_id}/logo"
    spanish = {**admin.headers, "Accept-Language": "es"}  # what the SPA sends in Spanish
    grant = people.client.post(f"{base}/upload", json={"contentType": "image/png", "size": len(data)}, headers=spanish)
    upload(grant.json(), data, "image/png")

    answer = people.client.put(base, json={"uploadKey": grant.json()["uploadKey"]}, headers=spanish)

    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "image_not_allowed"
    assert "PNG, JPEG o WebP" in answer.json()["error"]["message"]
    assert not [k for k in s3.keys if str(channel_id) in k]


def test_a_gif_or_a_picture_over_2_mb_gets_no_upload(people: People, shop: tuple[UUID, UUID, UUID, Person]) -> None:
    organization_id, channel_id, _, admin = shop
    base = f"/organizations/{organization_id}/channels/{channel_id}/logo/upload"

    gif = people.post(admin, base, {"contentType": "image/gif", "size": 1000})
    big = people.post(admin, base, {"contentType": "image/png", "size": 3 * 1024 * 1024})

    assert (gif.status_code, big.status_code) == (415, 415)


def test_an_agent_cannot_change_the_logo_nor_publish_another_channels_upload(
    people: People, db: Db, shop: tuple[UUID, UUID, UUID, Person], s3: LocalS3
) -> None:
    organization_id, channel_id, _, admin = shop
    agent = people.make(agent_of=[organization_id])
    other = create_channel(db, super_admin(), create_organization(db, name="Other", plan="pro"), name="Elsewhere")
    grant = people.post(
        admin, f"/organizations/{organization_id}/channels/{channel_id}/logo/upload",
        {"contentType": "image/png", "size": 100},
    ).json()  # fmt: skip

    by_agent = people.post(
        agent, f"/organizations/{organization_id}/channels/{channel_id}/logo/upload",
        {"contentType": "image/png", "size": 100},
    )  # fmt: skip
    stolen = people.put(
        people.make(admin_of=[other.organization_id]),
        f"/organizations/{other.organization_id}/channels/{other.id}/logo",
        {"uploadKey": grant["uploadKey"]},
    )

    assert by_agent.status_code == 403
    assert stolen.status_code == 400


def test_an_agents_photo_is_shown_beside_their_messages_live_and_in_the_history(
    people: People, tenant: Tenant, visitor: WidgetClient, s3: LocalS3
) -> None:
    from chatflow.settings import get_settings

    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    data = _photo(colour=(10, 160, 90))
    grant = people.post(agent, "/me/avatar/upload", {"contentType": "image/jpeg", "size": len(data)}).json()
    upload(grant, data, "image/jpeg")
    photo = people.put(agent, "/me/avatar", {"uploadKey": grant["uploadKey"]}).json()["avatarUrl"]

    with serve_gateway(workers=1, scheduled=()) as gateway:
        get_settings.cache_clear()  # WEBSOCKET_MANAGEMENT_URL now points at this gateway
        with gateway.connect(
            publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=conversation
        ) as widget:
            people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hola"})
            live = next(e for e in widget.events(2) if e["type"] == "message.created" and e["data"]["role"] == "agent")

    history = visitor.history(conversation).body["messages"]
    assert photo
    assert photo == people.get(agent, "/me").json()["user"]["avatarUrl"]
    assert live["data"]["authorAvatarUrl"] == photo
    assert [m.get("authorAvatarUrl") for m in history if m["role"] == "agent"] == [photo]
    assert all("authorAvatarUrl" not in m for m in history if m["role"] != "agent")


def test_without_a_photo_the_agents_messages_carry_none(
    people: People, tenant: Tenant, visitor: WidgetClient, s3: LocalS3
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hola"})
    removed = people.delete(agent, "/me/avatar")

    history = visitor.history(conversation).body["messages"]

    assert removed.json() == {"avatarUrl": None}
    assert all("authorAvatarUrl" not in m for m in history)
