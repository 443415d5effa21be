"""Work that no visitor waits for: EventBridge schedules from infra.routes.SCHEDULED_FUNCTIONS and
the knowledge-ingestion queue (with its dead-letter queue).

functions/ingest does not exist yet. When it lands it is wired here as the queue's consumer
(`SqsEventSource(self.ingest_queue, batch_size=…, report_batch_item_failures=True)`) and the
dashboard API gets INGEST_QUEUE_URL plus `ingest_queue.grant_send_messages`; nothing else reads or
writes the queue today.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.routes import ScheduledFunction

__all__ = ["INGEST_VISIBILITY_TIMEOUT", "Jobs"]

# Six times the longest an ingest run may take (AWS's advice for SQS-fed functions): embedding a
# large document is a handful of OpenAI calls, budgeted at 2.5 minutes.
INGEST_VISIBILITY_TIMEOUT = Duration.minutes(15)


class Jobs(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schedules: Iterable[ScheduledFunction],
        handlers: Mapping[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules = self._build_schedules(tuple(schedules), handlers)
        self.ingest_dead_letters, self.ingest_queue = self._build_ingest_queue()

    def _build_schedules(
        self, schedules: tuple[ScheduledFunction, ...], handlers: Mapping[str, lambda_.IFunction]
    ) -> dict[str, events.Rule]:
        rules: dict[str, events.Rule] = {}
        for schedule in schedules:
            rules[schedule.function] = events.Rule(
                self,
                f"{schedule.function.title()}Schedule",
                description=f"functions/{schedule.function} every {schedule.rate_minutes} minutes",
                schedule=events.Schedule.rate(Duration.minutes(schedule.rate_minutes)),
                targets=[
                    targets.LambdaFunction(
                        handlers[schedule.function],
                        # The next run repeats the work anyway: a couple of retries, never a backlog.
                        retry_attempts=2,
                        max_event_age=Duration.minutes(min(schedule.rate_minutes, 60)),
                    )
                ],
            )
        return rules

    def _build_ingest_queue(self) -> tuple[sqs.Queue, sqs.Queue]:
        dead_letters = sqs.Queue(
            self,
            "IngestDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),  # the most SQS keeps: time to look and redrive
        )
        queue = sqs.Queue(
            self,
            "IngestQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=INGEST_VISIBILITY_TIMEOUT,
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=5),
        )
        return dead_letters, queue
