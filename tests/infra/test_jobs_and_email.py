"""Schedules from infra.routes, the queues feeding functions/ingest and functions/dispatch, and the SES
identity."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from infra.constructs.jobs import DISPATCH_MAX_RECEIVES
from infra.routes import QUEUE_FUNCTIONS, SCHEDULED_FUNCTIONS, QueueFunction
from infra.stacks.app_stack import EVENT_WRITERS, INGEST_SENDERS
from tests.infra.conftest import Synthesized
from tests.infra.support import (
    actions,
    environment,
    function,
    live_alias,
    props,
    referenced_logical_ids,
    resources,
    role_of,
)
from tests.infra.support import statements as role_statements


@pytest.fixture(scope="module")
def template(dev: Synthesized) -> Template:
    return dev.app_stack


def test_each_scheduled_function_has_its_eventbridge_schedule(template: Template) -> None:
    rules = [props(rule) for rule in resources(template, "AWS::Events::Rule").values()]

    assert len(rules) == len(SCHEDULED_FUNCTIONS)
    for scheduled in SCHEDULED_FUNCTIONS:
        alias_id = live_alias(template, scheduled.function)  # SnapStart: the published version, never $LATEST
        rule = next(rule for rule in rules if alias_id in referenced_logical_ids(rule["Targets"]))
        assert rule["ScheduleExpression"] == "rate(1 hour)"  # cleanup: every 60 minutes
        assert rule["Targets"][0]["RetryPolicy"]["MaximumRetryAttempts"] == 2


def _queue_id(template: Template, name: str) -> str:
    """The logical id of the Jobs construct's `{name}Queue` (not its dead-letter queue)."""
    return next(i for i in resources(template, "AWS::SQS::Queue") if i.startswith(f"Jobs{name}Queue"))


@pytest.mark.parametrize(
    ("name", "max_receives", "visibility_seconds"), [("Ingest", 5, 900), ("Dispatch", DISPATCH_MAX_RECEIVES, 360)]
)
def test_each_queue_is_encrypted_and_redrives_to_an_encrypted_dead_letter_queue(
    template: Template, name: str, max_receives: int, visibility_seconds: int
) -> None:
    queues = resources(template, "AWS::SQS::Queue")
    main = props(queues[_queue_id(template, name)])
    [dead_id] = referenced_logical_ids(main["RedrivePolicy"])

    assert main["RedrivePolicy"]["maxReceiveCount"] == max_receives
    assert dead_id.startswith(f"Jobs{name}DeadLetters")
    assert main["VisibilityTimeout"] == visibility_seconds
    for queue in queues.values():
        assert props(queue)["SqsManagedSseEnabled"] is True


def test_the_queues_refuse_unencrypted_transport(template: Template) -> None:
    policies = [
        props(policy)["PolicyDocument"]["Statement"] for policy in resources(template, "AWS::SQS::QueuePolicy").values()
    ]

    assert len(policies) == 6  # ingest, dispatch and inbound, each with its dead letters
    for statements in policies:
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        )


@pytest.mark.parametrize("queued", QUEUE_FUNCTIONS, ids=lambda q: q.function)
def test_each_queue_function_consumes_its_queue_reporting_batch_item_failures(
    template: Template, queued: QueueFunction
) -> None:
    alias_id = live_alias(template, queued.function)  # SnapStart: the published version, never $LATEST
    [mapping] = [
        props(m)
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if referenced_logical_ids(props(m)["FunctionName"]) == {alias_id}
    ]

    assert referenced_logical_ids(mapping["EventSourceArn"]) == {_queue_id(template, queued.queue.title())}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == queued.batch_size


def _sqs_grants(template: Template, name: str) -> dict[str, set[str]]:
    """Queue logical id -> the SQS actions the function's role is granted on it."""
    grants: dict[str, set[str]] = {}
    for statement in role_statements(template, role_of(template, name)):
        sqs_actions = {a for a in actions(statement) if a.startswith("sqs:")}
        if sqs_actions:
            for queue_id in referenced_logical_ids(statement["Resource"]):
                grants.setdefault(queue_id, set()).update(sqs_actions)
    return grants


@pytest.mark.parametrize(
    "name",
    [
        "chat",
        "history",
        "close",
        "widget_config",
        "realtime",
        "cleanup",
        "dashboard_api",
        "ingest",
        "dispatch",
        "meta_webhooks",
        "meta_inbound",
        "knowledge_sync",
    ],
)
def test_each_function_may_send_to_or_receive_from_its_queues_only(template: Template, name: str) -> None:
    ingest, dispatch = _queue_id(template, "Ingest"), _queue_id(template, "Dispatch")
    inbound = _queue_id(template, "Inbound")
    grants = _sqs_grants(template, name)

    expected_queues = {ingest} if name in INGEST_SENDERS else set()
    if name in ("meta_webhooks", "meta_inbound"):
        expected_queues.add(inbound)
    if name in EVENT_WRITERS or name == "dispatch":
        expected_queues.add(dispatch)
    assert set(grants) == expected_queues
    for queue_id, granted in grants.items():
        consumer = (
            (queue_id == ingest and name == "ingest")
            or (queue_id == dispatch and name == "dispatch")
            or (queue_id == inbound and name == "meta_inbound")
        )
        assert ("sqs:ReceiveMessage" in granted) == consumer
        # dispatch sends to its own queue too: a webhook delivery's retry waits there (chatflow.webhooks);
        # ingest to its own: the pages a website's crawl finds.
        assert ("sqs:SendMessage" in granted) == (not consumer or name in ("dispatch", "ingest"))
    if name in EVENT_WRITERS or name == "dispatch":
        assert referenced_logical_ids(environment(template, name)["DISPATCH_QUEUE_URL"]) == {dispatch}
    else:
        assert "DISPATCH_QUEUE_URL" not in environment(template, name)
    if name in INGEST_SENDERS:
        assert referenced_logical_ids(environment(template, name)["INGEST_QUEUE_URL"]) == {ingest}
    else:
        assert "INGEST_QUEUE_URL" not in environment(template, name)
    if name == "meta_webhooks":
        assert referenced_logical_ids(environment(template, name)["INBOUND_QUEUE_URL"]) == {inbound}
    else:
        assert "INBOUND_QUEUE_URL" not in environment(template, name)


@pytest.mark.parametrize(
    ("name", "queue"), [("ingest", "Ingest"), ("dispatch", "Dispatch"), ("meta_inbound", "Inbound")]
)
def test_queue_functions_fit_six_times_in_their_queues_visibility_timeout(
    template: Template, name: str, queue: str
) -> None:
    _, handler = function(template, name)
    settings = resources(template, "AWS::SQS::Queue")[_queue_id(template, queue)]
    assert props(handler)["Timeout"] * 6 <= props(settings)["VisibilityTimeout"]


def test_ingest_reads_the_encryption_key(template: Template) -> None:
    assert "ENCRYPTION_KEY_SECRET_ARN" in environment(template, "ingest")


def test_dev_mails_from_a_verified_address_and_prod_from_a_domain_with_dkim(
    template: Template, prod: Synthesized
) -> None:
    template.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "notifications@example.com"})
    prod.app_stack.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "example.com"})
    dkim_outputs = [name for name in prod.app_stack.find_outputs("*") if name.startswith("EmailDkimRecord")]
    assert len(dkim_outputs) == 3
