"""WhatsApp and Messenger: webhooks are handled in the process that receives them (no inbound queue),
as their events are dispatched in it (no dispatch queue), so that a test reads their effects at once."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _handled_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INBOUND_QUEUE_URL", raising=False)
    monkeypatch.delenv("DISPATCH_QUEUE_URL", raising=False)
