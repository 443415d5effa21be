"""A visitor's attachments in a real browser (issue #19, item 1): the attach button, paste and drag and
drop, a presigned POST from the page straight to moto's S3 through the gateway's /s3, progress, the
thumbnail shown, the stored bytes without EXIF, and a refusal worded in the visitor's language."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import FilePayload, expect

from tests.e2e.conftest import Browsing, Stack, Widget

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/attachments")


def _photo() -> bytes:
    image = Image.new("RGB", (900, 600), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (40.0, 26.0, 46.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _start(browsing: Browsing, stack: Stack, lang: str = "en") -> Widget:
    page = browsing.page
    page.goto(stack.demo(lang=lang) if lang != "en" else stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send("Hola, mi cafetera está rota" if lang == "es" else "Hello, my coffee machine is broken")
    # The first answer of a run may wait for a cold function on a machine the whole suite shares.
    expect(widget.messages("ai")).to_have_count(1, timeout=30_000)
    return widget


def test_a_visitor_attaches_a_photo_that_shows_as_a_thumbnail_without_its_exif(
    browsing: Browsing, stack: Stack
) -> None:
    widget = _start(browsing, stack)
    attach = widget.host.locator("button.at")
    expect(attach).to_be_visible()
    expect(attach).to_have_attribute("aria-label", "Attach a file")

    with browsing.page.expect_file_chooser() as chooser:
        attach.click()
    chooser.value.set_files(files=[FilePayload(name="photo.jpg", mimeType="image/jpeg", buffer=_photo())])

    thumbnail = widget.log.locator(".m.visitor .b img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("alt", "photo.jpg")
    thumbnail.evaluate("img => img.decode()")
    assert thumbnail.evaluate("img => img.naturalWidth") == 320
    href = widget.log.locator(".m.visitor a").get_attribute("href") or ""
    assert href.startswith(stack.api_url + "/s3/")  # a presigned GET, through the gateway to moto
    stored = httpx.get(href).content
    assert b"PhoneMaker" not in stored
    assert b"Exif" not in stored
    SHOTS.mkdir(parents=True, exist_ok=True)
    browsing.page.screenshot(path=SHOTS / "widget-photo-1280-en.png")


def test_a_file_pasted_or_dropped_is_sent_with_its_name_and_size(browsing: Browsing, stack: Stack) -> None:
    widget = _start(browsing, stack)

    widget.input.evaluate(
        """(el) => {
            const data = new DataTransfer();
            data.items.add(new File(["Order 1234\\n"], "receipt.txt", { type: "text/plain" }));
            el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
        }"""
    )
    widget.panel.evaluate(
        """(panel) => {
            const data = new DataTransfer();
            data.items.add(new File(["%PDF-1.4\\n%%EOF\\n"], "manual.pdf", { type: "application/pdf" }));
            panel.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
        }"""
    )

    files = widget.log.locator(".m.visitor .b a")
    expect(files.filter(has_text="receipt.txt · 1 KB")).to_have_count(1)
    expect(files.filter(has_text="manual.pdf · 1 KB")).to_have_count(1)


def test_a_file_whose_bytes_are_not_its_type_is_refused_in_spanish(browsing: Browsing, stack: Stack) -> None:
    widget = _start(browsing, stack, lang="es")
    expect(widget.host.locator("button.at")).to_have_attribute("aria-label", "Adjuntar un archivo")

    with browsing.page.expect_file_chooser() as chooser:
        widget.host.locator("button.at").click()
    chooser.value.set_files(files=[FilePayload(name="foto.jpg", mimeType="image/jpeg", buffer=b"MZ" + bytes(300))])

    failed = widget.log.locator(".m.visitor.failed .meta")
    expect(failed).to_have_text("El contenido del archivo no corresponde a su tipo; no se guardó.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    browsing.page.screenshot(path=SHOTS / "widget-refused-1280-es.png")


def test_a_type_that_is_not_taken_is_refused_with_a_clear_message(browsing: Browsing, stack: Stack) -> None:
    widget = _start(browsing, stack)

    with browsing.page.expect_file_chooser() as chooser:
        widget.host.locator("button.at").click()
    chooser.value.set_files(files=[FilePayload(name="page.html", mimeType="text/html", buffer=b"<p>hi</p>")])

    expect(widget.log.locator(".m.visitor.failed .meta")).to_contain_text("Only images (JPEG, PNG, WebP, GIF), PDF")


def test_on_a_phone_the_attachment_shows_in_the_thread(browsing: Browsing, stack: Stack) -> None:
    page = browsing.new_page(viewport={"width": 390, "height": 844}, locale="es-ES")
    browsing.page = page
    widget = _start(browsing, stack, lang="es")

    with page.expect_file_chooser() as chooser:
        widget.host.locator("button.at").click()
    chooser.value.set_files(files=[FilePayload(name="foto.jpg", mimeType="image/jpeg", buffer=_photo())])

    expect(widget.log.locator(".m.visitor .b img")).to_have_count(1)
    widget.log.locator(".m.visitor .b img").evaluate("img => img.decode()")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "widget-photo-390-es.png")
