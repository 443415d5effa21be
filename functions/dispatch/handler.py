"""SQS (domain events to deliver): each message names events of the outbox; run their listeners.
A message whose listeners failed is reported alone (partial batch failures) and comes back after a
delay that doubles with each attempt; a listener given up on is counted in ListenerFailed.

The same queue carries webhook deliveries due (`{"webhookDeliveries": [...]}`, sent with a delay
for a retry): attempt them (chatflow.webhooks; their own schedule, their own records)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow import outbox, webhooks
from chatflow.aws import client
from chatflow.listeners import LISTENERS
from chatflow.observability import logger, metrics, trace_handler
from chatflow.settings import get_settings

# A batch that fails whole is reported item by item too, so that the queue retries each alone.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class ListenersToRetry(Exception):
    """Reported to SQS as this message's failure, so that it is delivered again."""


def record_handler(record: SQSRecord) -> None:
    settings = get_settings()
    deliveries = webhooks.parse_signal(record.body)
    if deliveries is not None:
        sent = webhooks.deliver(deliveries, settings=settings)
        logger.info(
            "webhook deliveries attempted",
            extra={"delivered": sent.delivered, "retrying": sent.retrying, "given_up": sent.given_up},
        )
        return
    outcome = outbox.dispatch(outbox.parse_signal(record.body), LISTENERS, settings=settings)
    if outcome.given_up:
        metrics.add_metric(name="ListenerFailed", unit=MetricUnit.Count, value=outcome.given_up)
    logger.info("events dispatched", extra={"ran": outcome.ran, "failed": outcome.failed, "given_up": outcome.given_up})
    if outcome.retry_after_seconds is not None:
        if not settings.dispatch_queue_url:
            raise ListenersToRetry(f"{outcome.failed} listener runs to retry")
        # The message comes back when the earliest failed run is due again, not at the queue's default.
        client("sqs", settings.aws_region).change_message_visibility(
            QueueUrl=settings.dispatch_queue_url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=int(outcome.retry_after_seconds),
        )
        raise ListenersToRetry(f"{outcome.failed} listener runs to retry")


@logger.inject_lambda_context
@trace_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)


cold_start.finished()
