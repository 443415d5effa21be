"""SQS (knowledge to embed): each message names an entry; fetch, chunk, embed and store it.
Messages that fail are reported one by one (partial batch failures) so that only they are retried."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
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


cold_start.finished()
