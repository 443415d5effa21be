"""What is kept of a visitor's page URL (issue #23, item 15): never the fragment, never a parameter
that carries a secret."""

from __future__ import annotations

import pytest

from chatflow.page_urls import kept_page_url, normalize_secret_parameters


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://shop.example/reset?token=abc123&lang=es#access_token=xyz", "https://shop.example/reset?lang=es"),
        ("https://shop.example/cb?code=4/0Ab&state=q&utm_source=mail", "https://shop.example/cb?utm_source=mail"),
        ("https://shop.example/p?sessionId=1&X-Amz-Signature=2&api_key=3&page=4", "https://shop.example/p?page=4"),
        ("https://shop.example/menu?item=cafe", "https://shop.example/menu?item=cafe"),
        ("https://shop.example/#/app/login", "https://shop.example/"),
    ],
)
def test_the_fragment_and_secret_parameters_are_dropped(url: str, kept: str) -> None:
    assert kept_page_url(url) == kept


def test_the_parameters_a_channel_names_are_dropped_in_any_case() -> None:
    url = "https://shop.example/order?Ref=A-77&item=latte&customer_no=991"

    assert kept_page_url(url, ["ref", "customer_no"]) == "https://shop.example/order?item=latte"


def test_a_channels_names_are_trimmed_lower_cased_and_deduplicated() -> None:
    assert normalize_secret_parameters([" Ref ", "ref", "user[id]"]) == ["ref", "user[id]"]


@pytest.mark.parametrize(
    "name", ["has space", "x" * 101, "", "a&b", "a=b"], ids=["space", "long", "empty", "amp", "eq"]
)
def test_a_name_that_is_not_a_parameters_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="query parameter"):
        normalize_secret_parameters([name])
