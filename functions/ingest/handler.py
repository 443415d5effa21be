"""SQS (knowledge to embed): each message names an entry; fetch, chunk, embed and store it.
Messages that fail are reported one by one (partial batch failures) so that only they are retried."""

import gc
import os

# The cyclic collector waits while the cold start imports (it would scan the growing heap again and
# again: 5-45 ms of CPU per function here), and what the import built is then frozen out of its reach
# (gc.freeze at the end of this module): it lives as long as the process (docs/benchmarks.md).
gc.disable()
# No pydantic plugin is used: without this, the first model built reads every installed package's
# entry points to look for one (10-17 ms of CPU here).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.knowledge.service import ingest_message
from chatflow.observability import logger, trace_handler
from chatflow.settings import get_settings

# A batch that fails whole is reported item by item too, so that the queue retries each alone.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    outcome = ingest_message(
        record.body,
        receive_count=int(record.attributes.approximate_receive_count or 1),
        settings=get_settings(),
    )
    logger.info("knowledge ingested", extra={"status": outcome.status, "chunks": outcome.chunk_count})


@logger.inject_lambda_context
@trace_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
