"""Attachments in the dashboard, in a real browser against the local stack (issue #19, item 1): the thread
shows the visitor's photo as a thumbnail and their file by name and size; the agent attaches a file
(presigned POST from the page to moto's S3 through the gateway's /s3) and it reaches the visitor; a file
that is not what it says is refused in the agent's language. English and Spanish, 1280 and 390 wide."""

from __future__ import annotations

import io
import json
import urllib.request
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.e2e.conftest import Stack
from tests.e2e.dashboard_support import dashboard_of, locale, sign_in

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/attachments")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 500), (220, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def _multipart(fields: dict[str, str], name: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = "----cf360attachmenttest"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _visitor_sends(stack: Stack, conversation: str, visitor: str, name: str, data: bytes, content_type: str) -> None:
    """What the widget does: a grant, the upload to the presigned URL, the confirmation."""

    def call(path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            f"{stack.api_url}/api/chat/{conversation}/attachments{path}",
            data=json.dumps({"publicKey": stack.public_key, "visitorId": visitor, **body}).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:  # the local stack
            return json.loads(response.read())

    grant = call("", {"name": name, "contentType": content_type, "size": len(data)})
    body, form_type = _multipart(grant["fields"], name, data, content_type)
    upload = urllib.request.Request(grant["url"], data=body, method="POST", headers={"content-type": form_type})
    with urllib.request.urlopen(upload, timeout=15) as response:  # the gateway's /s3, in front of moto
        assert response.status == 204
    call("/" + grant["attachmentId"], {})


def _conversation_with_files(stack: Stack, lang: str) -> tuple[str, str]:
    dashboard = dashboard_of(stack)
    visitor = str(uuid4())
    chat = dashboard.api(
        "POST",
        "/api/chat",
        body={
            "publicKey": stack.public_key,
            "visitorId": visitor,
            "message": "My machine leaks, here is a photo" if lang == "en" else "Mi máquina gotea, mando una foto",
            "lang": lang,
        },
    )
    conversation = str(chat["conversationId"])
    _visitor_sends(stack, conversation, visitor, "leak.jpg", _photo(), "image/jpeg")
    _visitor_sends(stack, conversation, visitor, "receipt.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    return conversation, visitor


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_thread_shows_attachments_and_the_agent_sends_one(browser: Browser, stack: Stack, lang: str) -> None:
    dashboard = dashboard_of(stack)
    t = locale(lang)
    conversation, visitor = _conversation_with_files(stack, lang)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=f"{lang}-US")
    page: Page = context.new_page()
    try:
        sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
        page.goto(f"{dashboard.url}/{lang}/conversations/{conversation}")

        photo = page.locator(".thread .attachment-image img")
        # The inbox's first load on a loaded machine (every test of the run shares two cores).
        expect(photo).to_have_attribute("alt", "leak.jpg", timeout=30_000)
        photo.evaluate("img => img.decode()")
        assert photo.evaluate("img => img.naturalWidth") == 320
        expect(page.locator(".thread .attachment", has_text="receipt.pdf")).to_contain_text("1 KB")

        # The agent attaches a text file: it is uploaded, checked and shown as their message.
        page.get_by_label(t["attachments.attach"], exact=True).set_input_files(
            files=[FilePayload(name="steps.txt", mimeType="text/plain", buffer=b"1. Unplug it\n2. Call us\n")]
        )
        sent = page.locator(".thread .msg-agent .attachment", has_text="steps.txt")
        expect(sent).to_be_visible()
        history = dashboard.api("GET", f"/api/chat/{conversation}?publicKey={stack.public_key}&visitorId={visitor}")
        assert history["messages"][-1]["attachment"]["name"] == "steps.txt"

        # A program named like a photo: refused, and said so in the agent's language.
        page.get_by_label(t["attachments.attach"], exact=True).set_input_files(
            files=[FilePayload(name="cat.jpg", mimeType="image/jpeg", buffer=b"MZ" + bytes(400))]
        )
        expect(page.locator(".uploads .error-text")).to_have_text(
            "The file's contents are not what its type says; it was not kept."
            if lang == "en"
            else "El contenido del archivo no corresponde a su tipo; no se guardó."
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"dashboard-thread-1280-{lang}.png")
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator(".thread .msg-agent .attachment", has_text="steps.txt").scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / f"dashboard-thread-390-{lang}.png")

        # The month's storage on the Usage page, and the AI's image input (off) in AI settings.
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900 if width == 1280 else 844})
            page.goto(f"{dashboard.url}/{lang}/usage?org={stack.organization_id}")
            expect(page.get_by_text(t["usage.attachments"], exact=True)).to_be_visible()
            page.screenshot(path=SHOTS / f"dashboard-usage-{width}-{lang}.png", full_page=True)
            page.goto(f"{dashboard.url}/{lang}/ai?org={stack.organization_id}")
            image_input = page.get_by_label(t["ai.imageInput"])
            expect(image_input).not_to_be_checked()
            image_input.scroll_into_view_if_needed()
            page.screenshot(path=SHOTS / f"dashboard-ai-image-input-{width}-{lang}.png")
    finally:
        context.close()
