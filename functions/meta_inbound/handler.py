"""SQS (Meta's webhooks, signature checked): each customer's message through the conversation
pipeline, answered by the AI or waiting for a person (chatflow.meta.webhooks). A message whose
handling failed is reported alone (partial batch failures) and delivered again: handling is
idempotent on the provider's message id."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.meta import webhooks
from chatflow.observability import logger, trace_handler
from chatflow.settings import get_settings

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    webhooks.handle(record.body, settings=get_settings())


@logger.inject_lambda_context
@trace_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)


cold_start.finished()
