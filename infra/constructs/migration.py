"""Schema migrations on every deploy: functions/migrate, run by a CDK trigger once the database
exists and before any function that needs the new schema is updated."""

from __future__ import annotations

from aws_cdk import CfnResource, Duration, triggers
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from infra.config import EnvironmentSizing
from infra.constructs.service_function import DatabaseAccess, FunctionSpec, ServiceFunction

__all__ = ["MIGRATE_SPEC", "Migrations"]

MIGRATE_SPEC = FunctionSpec(
    name="migrate",
    description="Applies pending chatflow migrations under their advisory lock (CDK trigger, every deploy)",
    memory_mb=512,
    # An HNSW index build over many chunks takes minutes; the trigger waits as long.
    timeout=Duration.minutes(10),
    # Invoked once per deploy, right after the version would be published: a snapshot would never be reused.
    snap_start=False,
)


class Migrations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer: lambda_.ILayerVersion,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        cluster_host: str,
        cluster: ec2.IConnectable,
        secret: secretsmanager.ISecret,
        database_name: str,
        sizing: EnvironmentSizing,
        deploy_nonce: str,
        after: Construct,
    ) -> None:
        super().__init__(scope, construct_id)
        # Straight to the cluster's writer, not through the proxy: DDL and an advisory lock held for
        # minutes are what a proxy pins connections for, and a first deploy must not wait for the
        # proxy's targets to turn healthy.
        self.runner = ServiceFunction(
            self,
            "Runner",
            spec=MIGRATE_SPEC,
            layer=layer,
            vpc=vpc,
            subnets=subnets,
            database=DatabaseAccess(host=cluster_host, name=database_name, secret=secret, endpoint=cluster),
            sizing=sizing,
        )
        self.trigger = triggers.Trigger(
            self,
            "Trigger",
            handler=self.runner.function,
            invocation_type=triggers.InvocationType.REQUEST_RESPONSE,  # a failed migration fails the deploy
            timeout=MIGRATE_SPEC.timeout,
            execute_after=[after],
        )
        self._run_on_every_deploy(deploy_nonce)

    def run_before(self, *scopes: IConstruct) -> None:
        """New code is deployed only onto the schema it expects."""
        for scope in scopes:
            scope.node.add_dependency(self.trigger)

    def _run_on_every_deploy(self, deploy_nonce: str) -> None:
        # A trigger re-runs when its handler's version changes; a nonce that changes with every
        # synth makes it run on every deploy as well (migrate() is idempotent, and cheap when
        # nothing is pending), so a schema fixed by hand is caught up too.
        resource = self.trigger.node.find_child("Default").node.default_child
        assert isinstance(resource, CfnResource)
        resource.add_property_override("DeployNonce", deploy_nonce)
