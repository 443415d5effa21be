"""Work that no visitor waits for: EventBridge schedules from infra.routes.SCHEDULED_FUNCTIONS, the
knowledge-ingestion queue, the domain events' dispatch queue and Meta's inbound webhooks' queue (each
with its dead-letter queue), consumed by the queue functions of infra.routes.QUEUE_FUNCTIONS
(functions/ingest, functions/dispatch, functions/meta_inbound) through SQS event sources that report
batch item failures, so that only the failed messages are retried. The event source mapping grants
each consumer exactly what it needs on its queue; the writers are granted sending (app_stack).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.checkov import skip
from infra.routes import QueueFunction, ScheduledFunction

__all__ = [
    "DISPATCH_MAX_RECEIVES",
    "DISPATCH_VISIBILITY_TIMEOUT",
    "INBOUND_VISIBILITY_TIMEOUT",
    "INGEST_VISIBILITY_TIMEOUT",
    "Jobs",
]

# Six times the longest an ingest run may take (AWS's advice for SQS-fed functions): embedding a
# large document is a handful of OpenAI calls, budgeted at 2.5 minutes.
INGEST_VISIBILITY_TIMEOUT = Duration.minutes(15)
# Six times functions/dispatch's timeout. A dispatch that fails sets its message's own, doubling
# delay (DISPATCH_RETRY_BASE_SECONDS); the runs' attempts are counted in PostgreSQL
# (DISPATCH_MAX_ATTEMPTS, 5), so the queue gives a message up only well after they have.
DISPATCH_VISIBILITY_TIMEOUT = Duration.minutes(6)
DISPATCH_MAX_RECEIVES = 10
# Six times functions/meta_inbound's timeout (an AI answer per message). Handling is idempotent on
# Meta's message ids, so a redelivery stores nothing twice.
INBOUND_VISIBILITY_TIMEOUT = Duration.minutes(6)


class Jobs(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        schedules: Iterable[ScheduledFunction],
        handlers: Mapping[str, lambda_.IFunction],
        queue_functions: Iterable[QueueFunction] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules = self._build_schedules(tuple(schedules), handlers)
        self.ingest_dead_letters, self.ingest_queue = self._build_queue(
            "Ingest", visibility_timeout=INGEST_VISIBILITY_TIMEOUT, max_receives=5
        )
        self.dispatch_dead_letters, self.dispatch_queue = self._build_queue(
            "Dispatch", visibility_timeout=DISPATCH_VISIBILITY_TIMEOUT, max_receives=DISPATCH_MAX_RECEIVES
        )
        self.inbound_dead_letters, self.inbound_queue = self._build_queue(
            "Inbound", visibility_timeout=INBOUND_VISIBILITY_TIMEOUT, max_receives=5
        )
        self._connect_consumers(tuple(queue_functions), handlers)

    def _connect_consumers(
        self, queue_functions: tuple[QueueFunction, ...], handlers: Mapping[str, lambda_.IFunction]
    ) -> None:
        queues = {"ingest": self.ingest_queue, "dispatch": self.dispatch_queue, "inbound": self.inbound_queue}
        for queued in queue_functions:
            handler = handlers[queued.function]
            assert isinstance(handler, lambda_.Function | lambda_.Alias)
            handler.add_event_source(
                event_sources.SqsEventSource(
                    queues[queued.queue],
                    batch_size=queued.batch_size,
                    report_batch_item_failures=True,
                    max_batching_window=Duration.seconds(1),
                )
            )

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

    def _build_queue(
        self, name: str, *, visibility_timeout: Duration, max_receives: int
    ) -> tuple[sqs.Queue, sqs.Queue]:
        dead_letters = sqs.Queue(
            self,
            f"{name}DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),  # the most SQS keeps: time to look and redrive
        )
        queue = sqs.Queue(
            self,
            f"{name}Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=max_receives),
        )
        for each in (dead_letters, queue):
            skip(
                each,
                "CKV_AWS_27",
                "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled); a customer-managed KMS key "
                "would add a key policy and per-request KMS cost for ids that hold no personal data.",
            )
        return dead_letters, queue
