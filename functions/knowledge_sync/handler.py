"""Scheduled (EventBridge, hourly): knowledge whose embedding model is no longer its organisation's
is queued to be embedded again (chatflow.knowledge.versions), and each website source whose last
sync is KNOWLEDGE_SYNC_DAYS old (a week) is queued to be crawled again (chatflow.knowledge.websites).
Both through domain events, whose listeners queue the work on the ingest queue."""

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
