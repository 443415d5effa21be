"""Scheduled (EventBridge): close open and pending conversations idle for over two hours, forget
what no longer counts (closed WebSocket connections, ended rate-limit windows), and sweep the
outbox (events a crash left undelivered are signalled again)."""

import gc
import os

# The cyclic collector waits while the cold start imports (it would scan the growing heap again and
# again: 5-45 ms of CPU per function here), and what the import built is then frozen out of its reach
# (gc.freeze at the end of this module): it lives as long as the process (docs/benchmarks.md).
gc.disable()
# No pydantic plugin is used: without this, the first model built reads every installed package's
# entry points to look for one (10-17 ms of CPU here).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.cleanup import close_stale_conversations
from chatflow.observability import logger, metrics, trace_handler


@logger.inject_lambda_context
@trace_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, int]:
    closed = close_stale_conversations()
    metrics.add_metric(name="StaleConversationsClosed", unit=MetricUnit.Count, value=len(closed))
    return {"closed": len(closed)}


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
