"""What checkov's CloudFormation checks found real for us and is fixed in the templates (issue #23,
item 16; `make iac-scan` prints what is left): every log group of ours is encrypted with its stack's
key for logs, the functions' network-interface writes name this account's resources, the database
reports its OS metrics, and the site's files keep their previous versions."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.constructs.log_groups import LOGS_KEY_ID
from tests.infra.conftest import Synthesized
from tests.infra.support import actions, as_list, props, referenced_logical_ids, resources, role_of, statements

# Log groups the CDK makes for its own deploy-time helpers (skipped for checkov, with the reason).
_CDK_HELPERS = ("CustomCDKBucketDeployment",)


def _templates(synthesized: Synthesized) -> dict[str, Template]:
    return {"network": synthesized.network, "data": synthesized.data, "app": synthesized.app_stack}


def _logs_key_id(template: Template) -> str:
    [key_id] = [k for k in resources(template, "AWS::KMS::Key") if k.startswith(LOGS_KEY_ID)]
    return key_id


@pytest.mark.parametrize("stack", ["network", "data", "app"])
def test_every_log_group_is_encrypted_with_its_stacks_key_for_logs(dev: Synthesized, stack: str) -> None:
    template = _templates(dev)[stack]
    key_id = _logs_key_id(template)
    ours = {i: g for i, g in resources(template, "AWS::Logs::LogGroup").items() if not i.startswith(_CDK_HELPERS)}

    assert ours
    for logical_id, group in ours.items():
        assert referenced_logical_ids(props(group).get("KmsKeyId")) == {key_id}, logical_id


def test_cloudwatch_logs_may_use_the_key_for_this_accounts_log_groups_only(dev: Synthesized) -> None:
    key = props(resources(dev.app_stack, "AWS::KMS::Key")[_logs_key_id(dev.app_stack)])
    [statement] = [s for s in key["KeyPolicy"]["Statement"] if s.get("Sid") == "CloudWatchLogsOfThisAccount"]

    assert key["EnableKeyRotation"] is True
    assert "kms:GenerateDataKey*" in statement["Action"]
    assert "kms:EncryptionContext:aws:logs:arn" in statement["Condition"]["ArnLike"]


def test_prod_keeps_its_keys_for_logs_with_the_logs(prod: Synthesized) -> None:
    for template in _templates(prod).values():
        assert resources(template, "AWS::KMS::Key")[_logs_key_id(template)]["DeletionPolicy"] == "Retain"


def test_network_interface_writes_name_this_accounts_resources_not_any(dev: Synthesized) -> None:
    template = dev.app_stack
    role = role_of(template, "chat")

    wildcard: set[str] = set()
    scoped: list[Any] = []
    for statement in statements(template, role):
        if "*" in as_list(statement["Resource"]):
            wildcard |= set(actions(statement))
        elif "ec2:CreateNetworkInterface" in actions(statement):
            scoped = as_list(statement["Resource"])

    assert {a for a in wildcard if a.startswith("ec2:")} == {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
    assert len(scoped) == 1
    assert "ec2:" in str(scoped[0])


def test_the_database_instances_report_their_os_metrics_each_minute(dev: Synthesized) -> None:
    for instance in resources(dev.data, "AWS::RDS::DBInstance").values():
        assert props(instance)["MonitoringInterval"] == 60


def test_the_site_bucket_keeps_previous_versions_for_a_month(dev: Synthesized) -> None:
    buckets = resources(dev.app_stack, "AWS::S3::Bucket")
    [site] = [props(b) for i, b in buckets.items() if i.startswith("Site") and not i.startswith("SiteLogs")]

    assert site["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = site["LifecycleConfiguration"]["Rules"]
    assert {"NoncurrentVersionExpiration": {"NoncurrentDays": 30}, "Status": "Enabled"} in rules
