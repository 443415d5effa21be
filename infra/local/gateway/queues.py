"""Lambda's SQS event source mapping: each queue of a queue-fed function (given by URL) is
long-polled, the function invoked with the SQS event, and the messages that did not fail
(`batchItemFailures`) deleted; the others come back after their visibility timeout.

Like Lambda's, which starts with five batches in flight, a queue has several pollers: one slow
batch (a message fanned out to hundreds of sockets) does not hold up the next one behind it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool

from infra.local.gateway.events import sqs_event
from infra.local.gateway.invoker import Functions
from infra.routes import QueueFunction

__all__ = ["poll_queue", "pollers_per_queue"]

_logger = logging.getLogger(__name__)


# Lambda's event source starts with five concurrent batches; more than the gateway's worker
# processes would only wait for a worker.
_LAMBDA_INITIAL_POLLERS = 5


def pollers_per_queue(workers: int) -> int:
    return max(1, min(_LAMBDA_INITIAL_POLLERS, workers // 2))


async def poll_queue(functions: Functions, function: QueueFunction, queue_url: str, wait_seconds: int) -> None:
    """Feed the function from its queue until cancelled."""
    poller: _QueuePoller | None = None
    while True:
        try:
            if poller is None:  # made (and remade after a failure) off the event loop: it calls SQS
                poller = await run_in_threadpool(_QueuePoller, function, queue_url, wait_seconds)
            # Abandoned on shutdown rather than waited for: a long poll may take its whole wait.
            messages = await anyio.to_thread.run_sync(poller.receive, abandon_on_cancel=True)
            if messages:
                event = sqs_event(messages, queue_arn=poller.queue_arn)
                result = await run_in_threadpool(functions.invoke, function.function, event, str(uuid.uuid4()))
                await run_in_threadpool(poller.settle, messages, result)
        except Exception:
            _logger.exception("queue function %s failed; its messages come back later", function.function)
            await anyio.sleep(1)


class _QueuePoller:
    """One queue's side of the event source mapping: receive a batch, then delete what succeeded."""

    def __init__(self, function: QueueFunction, queue_url: str, wait_seconds: int) -> None:
        import boto3

        self._sqs: Any = boto3.client("sqs")
        self._function = function
        self._url = queue_url
        self._wait = wait_seconds
        self.queue_arn: str = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    def receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=min(self._function.batch_size, 10),
            WaitTimeSeconds=self._wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def settle(self, messages: list[dict[str, Any]], result: Any) -> None:
        """Delete every message but those the function reported as failed (Lambda's
        ReportBatchItemFailures); a result that is not a batch response fails the whole batch."""
        if not isinstance(result, dict) or not isinstance(result.get("batchItemFailures"), list):
            _logger.error("queue function %s answered no batchItemFailures", self._function.function)
            return
        failed = {f.get("itemIdentifier") for f in result["batchItemFailures"] if isinstance(f, dict)}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if failed:
            _logger.warning("queue function %s: %d message(s) to retry", self._function.function, len(failed))
