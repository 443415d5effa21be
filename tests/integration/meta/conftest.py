"""WhatsApp and Messenger: webhooks are handled in the process that receives them (no inbound queue),
as their events are dispatched in it (no dispatch queue), so that a test reads their effects at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatflow.settings import get_settings
from infra.local.fake_meta import Account, FakeMeta
from tests.integration.meta.test_inbound_webhooks import PAGE, PHONE, TOKEN


@pytest.fixture(autouse=True)
def _handled_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INBOUND_QUEUE_URL", raising=False)
    monkeypatch.delenv("DISPATCH_QUEUE_URL", raising=False)


@pytest.fixture
def fake_meta(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeta]:
    """The fake Graph API with Brisa's number and page, retries without waiting."""
    fake = FakeMeta()
    fake.add_account(PHONE, Account(token=TOKEN, fields={"verified_name": "Brisa"}))
    fake.add_account(PAGE, Account(token=TOKEN, fields={"name": "Brisa"}, kind="messenger"))
    monkeypatch.setenv("META_GRAPH_API_URL", fake.base_url)
    monkeypatch.setenv("DISPATCH_RETRY_BASE_SECONDS", "0")
    get_settings.cache_clear()
    yield fake
    fake.close()
