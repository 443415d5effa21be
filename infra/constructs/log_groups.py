"""Log groups, each encrypted with its stack's own KMS key for logs.

Functions' logs hold what visitors and operators sent (an error's context, an address); CloudWatch
Logs encrypts at rest with a key of its own unless told otherwise. One customer-managed key per
stack (rotated yearly, its use recorded in CloudTrail) keeps who may read the logs in IAM's hands
and lets an account owner revoke it. CloudWatch Logs uses the key on a log group's behalf only for
this account's log groups (the encryption context condition); readers need kms:Decrypt through IAM,
which the key's default policy delegates to the account.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import EnvironmentSizing

__all__ = ["LOGS_KEY_ID", "encrypted_log_group", "logs_key"]

# The key's construct id, directly under its stack.
LOGS_KEY_ID = "LogsKey"


def logs_key(scope: Construct, sizing: EnvironmentSizing) -> kms.IKey:
    """The stack's key for logs, made by the first log group that asks for it."""
    stack = Stack.of(scope)
    found = stack.node.try_find_child(LOGS_KEY_ID)
    if isinstance(found, kms.Key):
        return found
    key = kms.Key(
        stack,
        LOGS_KEY_ID,
        description=f"ChatFlow360: CloudWatch Logs of {stack.stack_name}",
        enable_key_rotation=True,
        # As the log groups it opens: kept with them in production.
        removal_policy=RemovalPolicy.RETAIN if sizing.protect_data else RemovalPolicy.DESTROY,
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    )
                }
            },
        )
    )
    return key


def encrypted_log_group(
    scope: Construct, construct_id: str, *, sizing: EnvironmentSizing, log_group_name: str | None = None
) -> logs.LogGroup:
    """A log group kept `sizing.log_retention`, encrypted with the stack's key for logs, and kept
    (with the key) when the stack goes only where data is protected."""
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        retention=sizing.log_retention,
        encryption_key=logs_key(scope, sizing),
        removal_policy=RemovalPolicy.RETAIN if sizing.protect_data else RemovalPolicy.DESTROY,
    )
