"""Alarms on what someone must act on, all to one encrypted SNS topic, and one dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.infra.conftest import Synthesized
from tests.infra.support import function, props, referenced_logical_ids, resources

FUNCTIONS = ("chat", "history", "close", "widget_config", "dashboard_api", "realtime", "cleanup", "migrate")


@pytest.fixture(scope="module")
def template(dev: Synthesized) -> Template:
    return dev.app_stack


@pytest.fixture(scope="module")
def alarms(template: Template) -> list[dict[str, Any]]:
    return [props(alarm) for alarm in resources(template, "AWS::CloudWatch::Alarm").values()]


def _alarms_on(alarms: list[dict[str, Any]], namespace: str, metric: str) -> list[dict[str, Any]]:
    return [a for a in alarms if a.get("Namespace") == namespace and a.get("MetricName") == metric]


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_each_function_alarms_on_errors_and_throttles(
    template: Template, alarms: list[dict[str, Any]], name: str, metric: str
) -> None:
    function_id, _ = function(template, name)
    matching = [
        alarm
        for alarm in _alarms_on(alarms, "AWS/Lambda", metric)
        if function_id in referenced_logical_ids(alarm["Dimensions"])
    ]

    assert len(matching) == 1
    assert matching[0]["Threshold"] == 1


def test_the_api_alarms_on_5xx(alarms: list[dict[str, Any]]) -> None:
    assert len(_alarms_on(alarms, "AWS/ApiGateway", "5XXError")) == 1


def test_the_database_alarms_on_cpu_and_connections(alarms: list[dict[str, Any]], prod: Synthesized) -> None:
    assert _alarms_on(alarms, "AWS/RDS", "CPUUtilization")[0]["Threshold"] == 80
    # 80% of max_connections at 4 ACUs (dev) and 16 ACUs (prod): LEAST(memory / 9531392, 5000).
    assert _alarms_on(alarms, "AWS/RDS", "DatabaseConnections")[0]["Threshold"] == 720
    prod_alarms = [props(a) for a in resources(prod.app_stack, "AWS::CloudWatch::Alarm").values()]
    assert _alarms_on(prod_alarms, "AWS/RDS", "DatabaseConnections")[0]["Threshold"] == 2883


def test_a_message_in_any_dead_letter_queue_alarms(template: Template, alarms: list[dict[str, Any]]) -> None:
    dead_letters = {i for i, q in resources(template, "AWS::SQS::Queue").items() if "RedrivePolicy" not in props(q)}
    queue_alarms = _alarms_on(alarms, "AWS/SQS", "ApproximateNumberOfMessagesVisible")

    assert len(dead_letters) == 3  # ingest, dispatch, Meta's inbound webhooks
    assert {i for alarm in queue_alarms for i in referenced_logical_ids(alarm["Dimensions"])} == dead_letters
    assert all(alarm["Threshold"] == 1 for alarm in queue_alarms)


def test_every_alarm_and_recovery_goes_to_the_encrypted_topic(template: Template, alarms: list[dict[str, Any]]) -> None:
    topic_id, topic = next(iter(resources(template, "AWS::SNS::Topic").items()))

    assert "KmsMasterKeyId" in props(topic)
    for alarm in alarms:
        assert [action["Ref"] for action in alarm["AlarmActions"]] == [topic_id]
        assert [action["Ref"] for action in alarm["OKActions"]] == [topic_id]


def test_cloudwatch_may_use_the_topics_key(template: Template) -> None:
    topic = props(next(iter(resources(template, "AWS::SNS::Topic").values())))
    [key_id] = referenced_logical_ids(topic["KmsMasterKeyId"])
    key = props(resources(template, "AWS::KMS::Key")[key_id])

    assert any(
        statement.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        for statement in key["KeyPolicy"]["Statement"]
    )


def test_one_dashboard_per_environment(template: Template) -> None:
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "ChatFlow360-dev"})


@pytest.mark.parametrize("name", FUNCTIONS)
def test_logs_are_kept_a_week_in_dev(template: Template, name: str) -> None:
    log_group_id = props(function(template, name)[1])["LoggingConfig"]["LogGroup"]["Ref"]

    assert props(resources(template, "AWS::Logs::LogGroup")[log_group_id])["RetentionInDays"] == 7


def test_a_listener_given_up_alarms(alarms: list[dict[str, Any]]) -> None:
    [alarm] = _alarms_on(alarms, "ChatFlow360", "ListenerFailed")

    assert alarm["Dimensions"] == [{"Name": "service", "Value": "chatflow-dispatch"}]
    assert alarm["Threshold"] == 1
