"""What `-c env=prod` changes, and what a wrong configuration says."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App

from infra.config import load_config
from tests.infra.conftest import Synthesized, cdk_context
from tests.infra.support import function, props, resources

FUNCTIONS = ("chat", "history", "close", "widget_config", "dashboard_api", "realtime", "cleanup", "migrate")


def _cluster(synth: Synthesized) -> dict[str, Any]:
    return next(iter(resources(synth.data, "AWS::RDS::DBCluster").values()))


def test_prod_protects_the_database_and_dev_lets_it_go(dev: Synthesized, prod: Synthesized) -> None:
    assert props(_cluster(prod))["DeletionProtection"] is True
    assert _cluster(prod)["DeletionPolicy"] == "Snapshot"
    assert props(_cluster(prod))["BackupRetentionPeriod"] == 14
    assert props(_cluster(dev))["DeletionProtection"] is False
    assert _cluster(dev)["DeletionPolicy"] == "Delete"
    assert props(_cluster(dev))["BackupRetentionPeriod"] == 1


def test_prod_keeps_a_warm_reader_in_another_az(dev: Synthesized, prod: Synthesized) -> None:
    dev.data.resource_count_is("AWS::RDS::DBInstance", 1)
    prod.data.resource_count_is("AWS::RDS::DBInstance", 2)
    assert props(_cluster(prod))["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 1, "MaxCapacity": 16}


def test_prod_keeps_users_keys_and_logs(prod: Synthesized) -> None:
    pool = next(iter(resources(prod.data, "AWS::Cognito::UserPool").values()))
    assert props(pool)["DeletionProtection"] == "ACTIVE"
    assert pool["DeletionPolicy"] == "Retain"
    for key in resources(prod.data, "AWS::KMS::Key").values():
        assert key["DeletionPolicy"] == "Retain"
    for secret in resources(prod.data, "AWS::SecretsManager::Secret").values():
        assert secret["DeletionPolicy"] in {"Retain", "Snapshot"}
    log_groups = resources(prod.app_stack, "AWS::Logs::LogGroup")
    ours = [props(function(prod.app_stack, name)[1])["LoggingConfig"]["LogGroup"]["Ref"] for name in FUNCTIONS]
    for logical_id in ours:
        assert props(log_groups[logical_id])["RetentionInDays"] == 90
        assert log_groups[logical_id]["DeletionPolicy"] == "Retain"


def test_prod_stateful_stacks_are_termination_protected(dev: Synthesized, prod: Synthesized) -> None:
    assert prod.stacks.network.termination_protection
    assert prod.stacks.data.termination_protection
    assert not dev.stacks.data.termination_protection


def test_prod_throttles_the_stage_higher(prod: Synthesized) -> None:
    stage = props(next(iter(resources(prod.app_stack, "AWS::ApiGateway::Stage").values())))

    assert stage["MethodSettings"][0]["ThrottlingRateLimit"] == 500
    assert stage["MethodSettings"][0]["ThrottlingBurstLimit"] == 1000


def test_stacks_are_named_by_environment_and_deploy_to_its_account(prod: Synthesized) -> None:
    names = [s.stack_name for s in (prod.stacks.network, prod.stacks.data, prod.stacks.app)]

    assert names == ["ChatFlow360-prod-Network", "ChatFlow360-prod-Data", "ChatFlow360-prod-App"]
    assert prod.stacks.app.account == "222222222222"
    assert prod.stacks.app.region == "us-east-1"


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown environment 'staging'"):
        load_config(App(context=cdk_context("staging")).node)


def test_an_environment_without_an_account_is_refused() -> None:
    context = cdk_context("dev")
    context["chatflow:environments"] = {"dev": {"region": "us-east-1", "emailIdentity": "a@example.com"}}

    with pytest.raises(ValueError, match="needs an account"):
        load_config(App(context=context).node)


def test_command_line_context_overrides_cdk_json() -> None:
    config = load_config(App(context=cdk_context("prod", emailIdentity="mail.example.org")).node)

    assert config.email_identity == "mail.example.org"
    assert config.email_sender == "notifications@mail.example.org"


def test_a_custom_domain_needs_its_certificate() -> None:
    with pytest.raises(ValueError, match="certificate ARN"):
        load_config(App(context=cdk_context("prod", webDomain="chat.example.com")).node)


def test_a_region_other_than_cloudfronts_is_refused() -> None:
    with pytest.raises(ValueError, match="us-east-1"):
        load_config(App(context=cdk_context("prod", region="eu-west-1")).node)
