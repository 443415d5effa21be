"""Where the widget sits, how big it is, how it survives the host page, and how it is used from a
keyboard or a screen reader."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, Browsing, Stack, Widget, body_of, third_party_page

pytestmark = pytest.mark.e2e


def _box(widget: Widget, part: str) -> tuple[float, float, float, float]:
    box = widget.host.locator(part).bounding_box()
    assert box is not None, f"{part} is not rendered"
    return (round(box["x"]), round(box["y"]), round(box["width"]), round(box["height"]))


def _contrast(page: Page, widget: Widget, part: str) -> float:
    """WCAG contrast ratio between an element's text colour and its background colour."""
    styles = widget.host.locator(part).evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")

    def luminance(css: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(styles[0]), luminance(styles[1])), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_on_a_desktop_the_panel_expands_to_full_height_and_shrinks_back(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    page.goto(stack.demo())
    widget = Widget(page)
    width, height = DESKTOP["width"], DESKTOP["height"]
    assert _box(widget, "button.l") == (width - 20 - 58, height - 20 - 58, 58, 58)

    widget.open()
    assert _box(widget, ".p")[2:] == (380, 520)
    widget.size_toggle.click()
    assert _box(widget, ".p") == (width - 420, 0, 420, height)
    expect(widget.size_toggle).to_have_attribute("aria-label", "Shrink")
    expect(widget.launcher).to_be_hidden()  # under the full-height panel; its own close button is there
    browsing.snap("expanded")
    widget.size_toggle.click()
    assert _box(widget, ".p")[2:] == (380, 520)
    expect(widget.size_toggle).to_have_attribute("aria-label", "Expand")
    widget.send("Hello")
    expect(widget.messages("ai")).to_have_count(1)


def test_data_position_left_puts_the_launcher_and_panel_on_the_left(page: Page, stack: Stack) -> None:
    page.goto(stack.demo(position="left"))
    widget = Widget(page)

    widget.open()

    assert _box(widget, "button.l")[0] == 20
    assert _box(widget, ".p")[0] == 20


def test_on_a_phone_the_open_chat_fills_the_screen(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page = browsing.new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page.goto(stack.demo())
    widget = Widget(page)

    widget.launcher.tap()

    expect(widget.panel).to_be_visible()
    widget.settle()
    browsing.snap("welcome")
    assert _box(widget, ".p") == (0, 0, 375, 667)
    expect(widget.size_toggle).to_be_hidden()
    expect(widget.launcher).to_be_hidden()
    widget.close_button.tap()
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_visible()
    widget.launcher.tap()
    widget.settle()
    widget.send("Do you have decaf?")
    expect(widget.messages("ai")).to_have_count(1)
    assert _box(widget, ".p") == (0, 0, 375, 667)


def test_a_hostile_page_stylesheet_does_not_break_the_widget(page: Page, stack: Stack) -> None:
    url = third_party_page(
        page, stack, "hostile.html", WIDGET_SRC=f"{stack.api_url}/widget/chatflow360.js", KEY=stack.public_key
    )
    page.goto(url)
    widget = Widget(page)
    width, height = DESKTOP["width"], DESKTOP["height"]

    widget.open()  # from another origin than the API's: CORS too

    assert _box(widget, "button.l") == (width - 20 - 58, height - 20 - 58, 58, 58)
    assert _box(widget, ".p") == (width - 20 - 380, height - 92 - 520, 380, 520)
    widget.send("Hello from a page that styles everything")
    expect(widget.messages("ai")).to_have_count(1)
    bubble = widget.messages("visitor")
    assert bubble.evaluate("e => getComputedStyle(e).fontSize") == "14px"
    assert bubble.evaluate("e => getComputedStyle(e).textTransform") == "none"
    assert widget.host.locator("h2").evaluate("e => getComputedStyle(e).fontSize") == "16px"
    assert _contrast(page, widget, ".m.visitor .b") >= 4.5


def test_without_crypto_random_uuid_the_visitor_still_gets_a_uuid(page: Page, stack: Stack) -> None:
    page.add_init_script("delete Crypto.prototype.randomUUID")  # as on a plain-http page
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()

    with page.expect_request(lambda r: r.method == "POST" and "/api/chat" in r.url) as request:
        widget.send("Hello")

    sent = body_of(request.value)
    assert UUID(sent["visitorId"]).version == 4
    assert UUID(sent["clientMessageId"]).version == 4
    assert widget.storage()[f"cf360_visitor_{stack.public_key}"] == sent["visitorId"]
    expect(widget.messages("ai")).to_have_count(1)


def test_the_widget_works_from_the_keyboard_alone(page: Page, stack: Stack) -> None:
    page.goto(stack.demo())
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()

    for _ in range(40):
        page.keyboard.press("Tab")
        if widget.focused() == "button.l":
            break
    else:
        pytest.fail("Tab never reached the launcher")
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    expect(widget.launcher).to_have_accessible_name("Open chat")
    page.keyboard.press("Enter")

    expect(widget.panel).to_be_visible()
    assert widget.focused() == "textarea."
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    expect(widget.host.get_by_role("dialog", name="Demo Coffee Co.")).to_be_visible()
    expect(widget.log).to_have_attribute("aria-live", "polite")
    page.keyboard.type("Hello")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("there")
    page.keyboard.press("Enter")
    expect(widget.messages("ai")).to_have_count(1)
    assert widget.messages("visitor").inner_text() == "Hello\nthere"
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "button.l"
    page.keyboard.press("Enter")
    assert widget.focused() == "textarea."
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the close button, just before the input
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "button.l"


def test_the_composer_counts_characters_near_the_2000_limit(page: Page, stack: Stack) -> None:
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    counter = widget.host.locator(".cn")

    widget.input.fill("a" * 1700)
    expect(counter).to_be_hidden()
    widget.input.fill("a" * 1950)
    expect(counter).to_be_visible()
    expect(counter).to_have_text("1950 / 2000")
    widget.input.fill("a" * 1999)
    widget.input.press("End")
    page.keyboard.type("bcd")  # typing stops at the limit

    expect(widget.input).to_have_value("a" * 1999 + "b")
    expect(counter).to_have_text("2000 / 2000")
    widget.input.press("Enter")
    expect(widget.messages("ai")).to_have_count(1)
    expect(counter).to_be_hidden()


@pytest.mark.parametrize("color", ["#ffd400", "#1a237e", "#2f92ad", "#e91e63"])
def test_the_text_on_the_brand_colour_keeps_aa_contrast(page: Page, stack: Stack, color: str) -> None:
    page.goto(stack.demo(color=color))
    widget = Widget(page)

    widget.open()
    widget.send("Hi")
    expect(widget.messages("ai")).to_have_count(1)

    assert _contrast(page, widget, "button.l") >= 4.5
    assert _contrast(page, widget, ".h") >= 4.5
    assert _contrast(page, widget, ".m.visitor .b") >= 4.5


def test_an_invalid_data_color_falls_back_to_the_default_with_a_warning(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    page.goto(stack.demo(color="red; background: url(x)"))
    widget = Widget(page)

    expect(widget.launcher).to_have_css("background-color", "rgb(47, 146, 173)")
    assert any("data-color" in m for m in browsing.log.messages("warning"))
