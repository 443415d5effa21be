"""EventBridge's schedule rules: a scheduled function runs once at start, then at its interval,
with the event EventBridge sends."""

from __future__ import annotations

import logging
import uuid

import anyio
from starlette.concurrency import run_in_threadpool

from infra.local.gateway.events import scheduled_event
from infra.local.gateway.invoker import Functions
from infra.routes import ScheduledFunction

__all__ = ["run_on_schedule"]

_logger = logging.getLogger(__name__)


async def run_on_schedule(functions: Functions, function: ScheduledFunction, interval_seconds: float | None) -> None:
    """Run the function until cancelled: every `rate_minutes` of the table, or every
    `interval_seconds` when given."""
    interval = interval_seconds or function.rate_minutes * 60
    while True:
        try:
            result = await run_in_threadpool(
                functions.invoke, function.function, scheduled_event(function.function), str(uuid.uuid4())
            )
            _logger.info("scheduled function %s answered %s", function.function, result)
        except Exception:
            _logger.exception("scheduled function %s failed", function.function)
        await anyio.sleep(interval)
