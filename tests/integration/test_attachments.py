"""A visitor's attachments through the widget API, against moto's S3 behind the gateway's S3 front:
a presigned POST, the upload, the confirmation's checks, what the conversation then shows, and who
may fetch it."""

from __future__ import annotations

import io
import time
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
from PIL import Image

from tests.integration.conftest import Tenant
from tests.support.attachments_s3 import LocalS3, upload, widget_attachment_call
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def conversation(visitor: WidgetClient, s3: LocalS3) -> UUID:
    answer = visitor.post("Hello, my coffee machine is broken")
    assert answer.status == 200, answer.body
    return UUID(answer.body["conversationId"])


def jpeg_with_gps(width: int = 640, height: int = 480) -> bytes:
    """A photo as a phone takes it: EXIF with a camera, a GPS position and an orientation."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (40.0, 26.0, 46.0)
    gps[3] = "W"
    gps[4] = (79.0, 58.0, 56.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 128, 255, 128)).save(out, format="PNG")
    return out.getvalue()


def stored_key(db: Db, attachment_id: str) -> str:
    row = db.execute("SELECT object_key FROM attachments WHERE id = %s", (attachment_id,)).fetchone()
    assert row is not None
    key: str = row["object_key"]
    return key


def send(
    visitor: WidgetClient, conversation: UUID, data: bytes, content_type: str, name: str
) -> tuple[Any, httpx.Response, Any]:
    """Grant, upload, confirm: each answer."""
    grant = widget_attachment_call(
        visitor, conversation, {"name": name, "contentType": content_type, "size": len(data)}
    )
    assert grant.status == 201, grant.body
    uploaded = upload(grant.body, data, content_type, name)
    confirmed = widget_attachment_call(visitor, conversation, {}, grant.body["attachmentId"])
    return grant, uploaded, confirmed


def test_a_grant_is_a_presigned_post_for_one_key_in_the_visitors_conversation(
    visitor: WidgetClient, conversation: UUID, tenant: Tenant
) -> None:
    answer = widget_attachment_call(
        visitor, conversation, {"name": "photo.jpg", "contentType": "image/jpeg", "size": 1234}
    )

    assert answer.status == 201
    fields = answer.body["fields"]
    # Uploads land apart from what is served: a presigned POST can never overwrite a checked file.
    assert fields["key"] == f"uploads/{tenant.organization_id}/{conversation}/{answer.body['attachmentId']}"
    assert fields["Content-Type"] == "image/jpeg"
    assert answer.body["url"].endswith("/s3/chatflow-attachments-test")
    assert answer.body["maxBytes"] == 1234


def test_a_photo_is_stored_without_its_exif_and_gps_and_shown_with_a_thumbnail(
    visitor: WidgetClient, conversation: UUID, s3: LocalS3, db: Db
) -> None:
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original  # the EXIF block is there to strip

    grant, uploaded, confirmed = send(visitor, conversation, original, "image/jpeg", "photo.jpg")

    assert uploaded.status_code == 204
    assert confirmed.status == 201, confirmed.body
    message = confirmed.body["message"]
    assert message["role"] == "visitor"
    assert message["content"] == "photo.jpg"
    attachment = message["attachment"]
    assert attachment["contentType"] == "image/jpeg"
    assert (attachment["width"], attachment["height"]) == (640, 480)
    stored = s3.object(stored_key(db, grant.body["attachmentId"]))
    assert grant.body["fields"]["key"] not in s3.keys  # the raw upload is gone
    assert b"PhoneMaker" not in stored
    assert b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
    thumbnail = httpx.get(attachment["thumbnailUrl"])
    assert thumbnail.status_code == 200
    with Image.open(io.BytesIO(thumbnail.content)) as thumb:
        assert max(thumb.size) <= 320
    full = httpx.get(attachment["url"])
    assert full.status_code == 200
    assert full.content == stored


def test_the_history_shows_the_attachment_with_fresh_urls(visitor: WidgetClient, conversation: UUID) -> None:
    send(visitor, conversation, b"Order 1234\nSerial ABC-99\n", "text/plain", "receipt.txt")

    history = visitor.history(conversation)

    file_message = history.body["messages"][-1]
    assert file_message["content"] == "receipt.txt"
    assert file_message["attachment"]["name"] == "receipt.txt"
    assert file_message["attachment"]["size"] == len(b"Order 1234\nSerial ABC-99\n")
    assert file_message["attachment"]["thumbnailUrl"] is None
    downloaded = httpx.get(file_message["attachment"]["url"])
    assert downloaded.content == b"Order 1234\nSerial ABC-99\n"
    assert "attachment" in downloaded.headers["content-disposition"]
    assert "attachment" not in history.body["messages"][0]  # a message without a file has no key at all


def test_a_file_whose_bytes_are_not_its_declared_type_is_refused_and_deleted(
    visitor: WidgetClient, conversation: UUID, s3: LocalS3, db: Db
) -> None:
    # A program named like a photo: the policy lets it in (it pins the declared type, not the bytes).
    grant, uploaded, confirmed = send(visitor, conversation, b"MZ\x90\x00\x03" + bytes(200), "image/jpeg", "cat.jpg")

    assert uploaded.status_code == 204
    assert confirmed.status == 400
    assert confirmed.error_code == "attachment_mismatch"
    assert grant.body["fields"]["key"] not in s3.keys
    assert db.execute(
        "SELECT count(*) AS n FROM attachments WHERE id = %s", (grant.body["attachmentId"],)
    ).fetchone() == {"n": 0}


def test_a_png_declared_as_a_jpeg_is_refused(visitor: WidgetClient, conversation: UUID, s3: LocalS3) -> None:
    grant, _uploaded, confirmed = send(visitor, conversation, png(), "image/jpeg", "photo.jpg")

    assert confirmed.error_code == "attachment_mismatch"
    assert grant.body["fields"]["key"] not in s3.keys


def test_the_policy_refuses_a_file_larger_than_declared(visitor: WidgetClient, conversation: UUID, s3: LocalS3) -> None:
    grant = widget_attachment_call(visitor, conversation, {"name": "a.txt", "contentType": "text/plain", "size": 10})

    uploaded = upload(grant.body, b"x" * 11, "text/plain")

    assert uploaded.status_code == 400
    assert b"EntityTooLarge" in uploaded.content
    assert grant.body["fields"]["key"] not in s3.keys


def test_the_policy_refuses_another_content_type(visitor: WidgetClient, conversation: UUID, s3: LocalS3) -> None:
    grant = widget_attachment_call(
        visitor, conversation, {"name": "a.pdf", "contentType": "application/pdf", "size": 9}
    )
    fields = {**grant.body["fields"], "Content-Type": "text/html"}

    uploaded = upload({**grant.body, "fields": fields}, b"%PDF-1.4\n", "text/html")

    assert uploaded.status_code == 403
    assert grant.body["fields"]["key"] not in s3.keys


def test_a_file_over_10_mb_is_refused_before_any_upload(visitor: WidgetClient, conversation: UUID) -> None:
    answer = widget_attachment_call(
        visitor, conversation, {"name": "big.pdf", "contentType": "application/pdf", "size": 10 * 1024 * 1024 + 1}
    )

    assert answer.status == 413
    assert answer.error_code == "attachment_too_large"
    assert "10 MB" in answer.body["error"]["message"]


def test_an_oversize_object_that_got_past_the_policy_is_refused_by_the_check(
    visitor: WidgetClient, conversation: UUID, s3: LocalS3
) -> None:
    # Straight into moto, which enforces no policy: the check after upload is the last line.
    grant = widget_attachment_call(visitor, conversation, {"name": "a.txt", "contentType": "text/plain", "size": 10})
    s3.client().put_object(Bucket="chatflow-attachments-test", Key=grant.body["fields"]["key"], Body=b"y" * 5000)

    confirmed = widget_attachment_call(visitor, conversation, {}, grant.body["attachmentId"])

    assert confirmed.status == 413
    assert grant.body["fields"]["key"] not in s3.keys


def test_a_type_that_is_not_allowed_is_refused_in_the_visitors_language(
    visitor: WidgetClient, conversation: UUID
) -> None:
    answer = widget_attachment_call(
        visitor, conversation, {"name": "page.html", "contentType": "text/html", "size": 100, "lang": "es"}
    )

    assert answer.status == 415
    assert answer.error_code == "attachment_type_not_allowed"


def test_confirming_before_uploading_is_a_409(visitor: WidgetClient, conversation: UUID) -> None:
    grant = widget_attachment_call(visitor, conversation, {"name": "a.txt", "contentType": "text/plain", "size": 3})

    confirmed = widget_attachment_call(visitor, conversation, {}, grant.body["attachmentId"])

    assert confirmed.status == 409
    assert confirmed.error_code == "attachment_not_uploaded"


def test_confirming_twice_answers_the_same_message(visitor: WidgetClient, conversation: UUID) -> None:
    grant, _uploaded, first = send(visitor, conversation, b"hello\n", "text/plain", "a.txt")

    again = widget_attachment_call(visitor, conversation, {}, grant.body["attachmentId"])

    assert again.body["message"]["id"] == first.body["message"]["id"]


def test_another_visitor_cannot_confirm_or_see_the_attachment(visitor: WidgetClient, conversation: UUID) -> None:
    grant, _uploaded, _confirmed = send(visitor, conversation, b"private\n", "text/plain", "a.txt")
    stranger = visitor.another_visitor()

    confirm = widget_attachment_call(stranger, conversation, {}, grant.body["attachmentId"])
    ask = widget_attachment_call(stranger, conversation, {"name": "b.txt", "contentType": "text/plain", "size": 3})

    assert confirm.status == 404
    assert ask.status == 404
    assert stranger.history(conversation).status == 404


def test_an_attachment_of_another_conversation_is_not_found(visitor: WidgetClient, conversation: UUID) -> None:
    grant, _uploaded, _confirmed = send(visitor, conversation, b"mine\n", "text/plain", "a.txt")
    second = visitor.another_visitor()
    second_conversation = UUID(second.post("Hi").body["conversationId"])

    answer = widget_attachment_call(second, second_conversation, {}, grant.body["attachmentId"])

    assert answer.status == 404
    assert answer.error_code == "attachment_not_found"


def test_a_guessed_or_altered_url_is_refused(visitor: WidgetClient, conversation: UUID, tenant: Tenant) -> None:
    grant, _uploaded, confirmed = send(visitor, conversation, b"secret\n", "text/plain", "a.txt")
    url = confirmed.body["message"]["attachment"]["url"]
    guessed = url.replace(grant.body["attachmentId"], str(uuid4()))
    unsigned = url.split("?")[0]

    assert httpx.get(guessed).status_code == 403
    assert httpx.get(unsigned).status_code == 403


def test_an_expired_url_is_refused(visitor: WidgetClient, conversation: UUID, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTACHMENTS_URL_SECONDS", "10")
    from chatflow.settings import get_settings

    get_settings.cache_clear()
    _grant, _uploaded, confirmed = send(visitor, conversation, b"soon gone\n", "text/plain", "a.txt")
    url = confirmed.body["message"]["attachment"]["url"]
    assert httpx.get(url).status_code == 200

    time.sleep(11)

    refused = httpx.get(url)
    assert refused.status_code == 403
    assert b"Request has expired" in refused.content


def test_the_ai_reads_that_an_image_was_sent_not_its_content(
    visitor: WidgetClient, conversation: UUID, fake_openai: Any
) -> None:
    send(visitor, conversation, jpeg_with_gps(), "image/jpeg", "photo.jpg")

    visitor.post("Can you see it?", conversationId=conversation)

    sent = fake_openai.requests[-1]["messages"]
    assert any(m["content"] == "The visitor sent an image: photo.jpg" for m in sent)


def test_where_the_organisation_turned_image_input_on_the_model_sees_the_image(
    visitor: WidgetClient, conversation: UUID, fake_openai: Any, db: Db, tenant: Tenant
) -> None:
    db.execute(
        "UPDATE ai_settings SET image_input = true, model = 'gpt-4o-mini' WHERE organization_id = %s",
        (tenant.organization_id,),
    )
    send(visitor, conversation, jpeg_with_gps(), "image/jpeg", "photo.jpg")

    visitor.post("What is broken here?", conversationId=conversation)

    turn = next(m for m in fake_openai.requests[-1]["messages"] if isinstance(m["content"], list))
    text, image = turn["content"]
    assert turn["role"] == "user"
    assert text == {"type": "text", "text": "The visitor sent an image: photo.jpg"}
    assert image["image_url"]["detail"] == "low"
    fetched = httpx.get(image["image_url"]["url"])  # a presigned GET of the re-encoded photo
    assert fetched.status_code == 200
    assert b"PhoneMaker" not in fetched.content


def test_a_model_that_takes_no_images_reads_the_line_even_with_image_input_on(
    visitor: WidgetClient, conversation: UUID, fake_openai: Any, db: Db, tenant: Tenant
) -> None:
    db.execute(
        "UPDATE ai_settings SET image_input = true, model = 'gpt-3.5-turbo' WHERE organization_id = %s",
        (tenant.organization_id,),
    )
    send(visitor, conversation, jpeg_with_gps(), "image/jpeg", "photo.jpg")

    visitor.post("Can you see it?", conversationId=conversation)

    sent = fake_openai.requests[-1]["messages"]
    assert all(isinstance(m["content"], str) for m in sent)
    assert any(m["content"] == "The visitor sent an image: photo.jpg" for m in sent)


def test_a_visitor_who_deletes_their_conversation_deletes_its_files(
    visitor: WidgetClient, conversation: UUID, s3: LocalS3, db: Db
) -> None:
    from infra.functions import load_handler
    from tests.support.events import LambdaContextStub, rest_event

    grant, _uploaded, _confirmed = send(visitor, conversation, jpeg_with_gps(), "image/jpeg", "photo.jpg")
    key = stored_key(db, grant.body["attachmentId"])
    assert key in s3.keys

    event = rest_event(
        "DELETE",
        f"/api/chat/{conversation}",
        resource="/api/chat/{conversationId}",
        raw_body=f'{{"visitorId": "{visitor.visitor_id}"}}',
        path_parameters={"conversationId": str(conversation)},
        source_ip=visitor.source_ip,
    )
    assert load_handler("close")(event, LambdaContextStub())["statusCode"] == 200

    assert key not in s3.keys
    assert key.replace("/file", "/thumbnail.webp") not in s3.keys
    assert db.execute(
        "SELECT count(*) AS n FROM attachments WHERE conversation_id = %s", (conversation,)
    ).fetchone() == {"n": 0}


def test_conversations_past_their_retention_go_with_their_files(
    visitor: WidgetClient, conversation: UUID, s3: LocalS3, db: Db, tenant: Tenant
) -> None:
    from chatflow.retention import delete_expired_conversations

    grant, _uploaded, _confirmed = send(visitor, conversation, b"old receipt\n", "text/plain", "old.txt")
    key = stored_key(db, grant.body["attachmentId"])
    db.execute("UPDATE organizations SET retention_days = 30 WHERE id = %s", (tenant.organization_id,))
    db.execute("UPDATE conversations SET last_message_at = now() - interval '31 days' WHERE id = %s", (conversation,))

    assert key in s3.keys
    assert delete_expired_conversations() >= 1

    assert key not in s3.keys


def test_an_upload_never_confirmed_is_swept_after_an_hour(
    visitor: WidgetClient, conversation: UUID, s3: LocalS3, db: Db
) -> None:
    from chatflow.attachments.erasure import delete_abandoned_uploads

    grant = widget_attachment_call(visitor, conversation, {"name": "a.txt", "contentType": "text/plain", "size": 5})
    upload(grant.body, b"hello", "text/plain")
    fresh = widget_attachment_call(visitor, conversation, {"name": "b.txt", "contentType": "text/plain", "size": 5})
    db.execute(
        "UPDATE attachments SET created_at = now() - interval '61 minutes' WHERE id = %s", (grant.body["attachmentId"],)
    )

    assert delete_abandoned_uploads() == 1

    assert grant.body["fields"]["key"] not in s3.keys
    left = db.execute("SELECT id FROM attachments WHERE conversation_id = %s", (conversation,)).fetchall()
    assert [str(r["id"]) for r in left] == [fresh.body["attachmentId"]]


def test_a_presigned_post_reused_after_the_check_cannot_replace_the_checked_file(
    visitor: WidgetClient, conversation: UUID, s3: LocalS3, db: Db
) -> None:
    grant, _uploaded, confirmed = send(visitor, conversation, jpeg_with_gps(), "image/jpeg", "photo.jpg")
    served = s3.object(stored_key(db, grant.body["attachmentId"]))

    again = upload(grant.body, jpeg_with_gps(), "image/jpeg")  # still within its five minutes

    assert again.status_code == 204  # S3 takes it, where nothing reads it (the lifecycle expires it)
    assert s3.object(stored_key(db, grant.body["attachmentId"])) == served
    assert httpx.get(confirmed.body["message"]["attachment"]["url"]).content == served
