"""Schedules from infra.routes, the ingest queue waiting for functions/ingest, and the SES identity."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from infra.routes import SCHEDULED_FUNCTIONS
from tests.infra.conftest import Synthesized
from tests.infra.support import function, props, referenced_logical_ids, resources


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


def test_no_function_may_use_the_queue_until_ingest_lands(template: Template) -> None:
    for policy in resources(template, "AWS::IAM::Policy").values():
        for statement in props(policy)["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not [action for action in actions if action.startswith("sqs:")]


def test_dev_mails_from_a_verified_address_and_prod_from_a_domain_with_dkim(
    template: Template, prod: Synthesized
) -> None:
    template.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "notifications@example.com"})
    prod.app_stack.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "example.com"})
    dkim_outputs = [name for name in prod.app_stack.find_outputs("*") if name.startswith("EmailDkimRecord")]
    assert len(dkim_outputs) == 3
