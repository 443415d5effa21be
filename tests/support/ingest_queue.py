"""The ingest queue as Lambda's event source mapping consumes it: messages received from moto's SQS,
handed to functions/ingest as the SQS event Lambda sends, deleted when handled, until the queue is
empty (what a run queues, a website's pages, is consumed in a later round)."""

from __future__ import annotations

import json
from typing import Any

from infra.functions import load_handler
from tests.support.events import LambdaContextStub, sqs_event


class IngestQueue:
    def __init__(self, queue_url: str) -> None:
        import boto3

        from chatflow import aws
        from chatflow.settings import get_settings

        get_settings.cache_clear()
        aws._client.cache_clear()  # a client made for another endpoint must not be reused
        self.url = queue_url
        self.client: Any = boto3.client("sqs", region_name="us-east-1")
        self.delivered: list[dict[str, Any]] = []

    def purge(self) -> None:
        """Forget what earlier tests queued and never consumed."""
        while self.receive():
            pass
        self.delivered.clear()

    def receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            self.client.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def waiting(self) -> list[dict[str, Any]]:
        """The bodies waiting, without consuming them (they are received, then put back)."""
        messages = self.client.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        for message in messages:
            self.client.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(m["Body"]) for m in messages]

    def drain(self, *, rounds: int = 500) -> int:
        """Feed functions/ingest until the queue is empty; how many messages it handled."""
        handled = 0
        for _ in range(rounds):
            messages = self.receive()
            if not messages:
                return handled
            bodies = [m["Body"] for m in messages]
            self.delivered.extend(json.loads(b) for b in bodies)
            result = load_handler("ingest")(sqs_event(*bodies), LambdaContextStub())
            assert result == {"batchItemFailures": []}, result
            handled += len(messages)
        raise AssertionError("the ingest queue never emptied")
