"""Scheduled (EventBridge, hourly): knowledge whose embedding model is no longer its organisation's
is queued to be embedded again (chatflow.knowledge.versions), and each website source whose last
sync is KNOWLEDGE_SYNC_DAYS old (a week) is queued to be crawled again (chatflow.knowledge.websites).
Both through domain events, whose listeners queue the work on the ingest queue."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow import outbox
from chatflow.db import connection
from chatflow.knowledge.versions import reembed_changed_models
from chatflow.knowledge.websites import queue_due_syncs
from chatflow.observability import logger, metrics, trace_handler
from chatflow.settings import get_settings


@logger.inject_lambda_context
@trace_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, int]:
    settings = get_settings()
    with connection() as conn:
        model_changes = reembed_changed_models(conn, settings)
        syncs = queue_due_syncs(conn, settings)
    outbox.signal([*model_changes, *syncs], settings=settings)
    metrics.add_metric(name="KnowledgeModelChanges", unit=MetricUnit.Count, value=len(model_changes))
    metrics.add_metric(name="WebsiteSyncsQueued", unit=MetricUnit.Count, value=len(syncs))
    return {"modelChanges": len(model_changes), "websiteSyncs": len(syncs)}


cold_start.finished()
