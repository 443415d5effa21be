"""Property tests of the public API: generated requests against the real handlers and database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import Tenant, tenant
from tests.support.fake_openai import FakeOpenAI

__all__ = ["Tenant", "tenant", "widget_api_env"]


@pytest.fixture(autouse=True)
def widget_api_env(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Answers from the local fake model, and no rate limits: one property sends hundreds of
    requests a minute from one address, which is what the limits exist to refuse."""
    from chatflow.settings import get_settings

    for action in ("POST", "GET", "PATCH"):
        monkeypatch.setenv(f"RATE_LIMIT_CHAT_{action}_PER_MINUTE", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
