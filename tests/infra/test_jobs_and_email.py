"""Schedules from infra.routes, the ingest queue feeding functions/ingest, and the SES identity."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from infra.routes import QUEUE_FUNCTIONS, SCHEDULED_FUNCTIONS
from tests.infra.conftest import Synthesized
from tests.infra.support import (
    actions,
    environment,
    function,
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
        function_id, _ = function(template, scheduled.function)
        rule = next(rule for rule in rules if function_id in referenced_logical_ids(rule["Targets"]))
        assert rule["ScheduleExpression"] == "rate(1 hour)"  # cleanup: every 60 minutes
        assert rule["Targets"][0]["RetryPolicy"]["MaximumRetryAttempts"] == 2


def test_the_ingest_queue_is_encrypted_and_redrives_to_an_encrypted_dead_letter_queue(template: Template) -> None:
    queues = resources(template, "AWS::SQS::Queue")
    main_id, main = next((i, q) for i, q in queues.items() if "RedrivePolicy" in props(q))
    dead_id = next(i for i in queues if i != main_id)

    assert props(main)["RedrivePolicy"]["maxReceiveCount"] == 5
    assert dead_id in referenced_logical_ids(props(main)["RedrivePolicy"])
    assert props(main)["VisibilityTimeout"] == 900
    for queue in queues.values():
        assert props(queue)["SqsManagedSseEnabled"] is True


def test_the_queues_refuse_unencrypted_transport(template: Template) -> None:
    policies = [
        props(policy)["PolicyDocument"]["Statement"] for policy in resources(template, "AWS::SQS::QueuePolicy").values()
    ]

    assert len(policies) == 2
    for statements in policies:
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        )


def _ingest_queue_id(template: Template) -> str:
    queues = resources(template, "AWS::SQS::Queue")
    return next(i for i, q in queues.items() if "RedrivePolicy" in props(q))


def test_ingest_consumes_the_queue_reporting_batch_item_failures(template: Template) -> None:
    [queued] = QUEUE_FUNCTIONS
    function_id, _ = function(template, queued.function)
    [mapping] = resources(template, "AWS::Lambda::EventSourceMapping").values()

    assert referenced_logical_ids(props(mapping)["FunctionName"]) == {function_id}
    assert referenced_logical_ids(props(mapping)["EventSourceArn"]) == {_ingest_queue_id(template)}
    assert props(mapping)["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props(mapping)["BatchSize"] == queued.batch_size


def test_only_ingest_receives_and_only_the_dashboard_api_sends_to_the_queue(template: Template) -> None:
    queue_id = _ingest_queue_id(template)
    for name in ("chat", "history", "close", "realtime", "cleanup", "dashboard_api", "ingest"):
        granted_statements = role_statements(template, role_of(template, name))
        sqs = [s for s in granted_statements if any(a.startswith("sqs:") for a in actions(s))]
        granted = {a for s in sqs for a in actions(s)}
        for statement in sqs:
            assert referenced_logical_ids(statement["Resource"]) == {queue_id}
        if name == "ingest":
            assert "sqs:ReceiveMessage" in granted
            assert "sqs:DeleteMessage" in granted
            assert "sqs:SendMessage" not in granted
        elif name == "dashboard_api":
            assert "sqs:SendMessage" in granted
            assert "sqs:ReceiveMessage" not in granted
        else:
            assert not granted
    assert referenced_logical_ids(environment(template, "dashboard_api")["INGEST_QUEUE_URL"]) == {queue_id}


def test_ingest_fits_six_times_in_the_queue_visibility_timeout(template: Template) -> None:
    _, ingest = function(template, "ingest")
    queue = resources(template, "AWS::SQS::Queue")[_ingest_queue_id(template)]
    assert props(ingest)["Timeout"] * 6 <= props(queue)["VisibilityTimeout"]
    assert "ENCRYPTION_KEY_SECRET_ARN" in environment(template, "ingest")


def test_dev_mails_from_a_verified_address_and_prod_from_a_domain_with_dkim(
    template: Template, prod: Synthesized
) -> None:
    template.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "notifications@example.com"})
    prod.app_stack.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "example.com"})
    dkim_outputs = [name for name in prod.app_stack.find_outputs("*") if name.startswith("EmailDkimRecord")]
    assert len(dkim_outputs) == 3
