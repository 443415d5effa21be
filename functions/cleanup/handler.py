"""Scheduled (EventBridge): close open and pending conversations idle for over two hours, forget
what no longer counts (closed WebSocket connections, ended rate-limit windows), and sweep the
outbox (events a crash left undelivered are signalled again)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
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


cold_start.finished()
