"""The CDK app: `npx cdk synth|deploy -c env=dev|prod` (cdk.json runs `python -m infra.app`).

One environment per run: Network → Data → App, checked by cdk-nag's AWS Solutions rules
on every synth (a finding that is not acknowledged, with its reason, fails the synth).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import EnvironmentConfig, load_config
from infra.constructs.checkov import SkipForCdkInternals
from infra.stacks.app_stack import AppStack
from infra.stacks.data_stack import DataStack
from infra.stacks.network_stack import NetworkStack

__all__ = ["EnvironmentStacks", "build_app", "build_stacks", "main"]

DEPLOY_NONCE_CONTEXT_KEY = "deployNonce"


class EnvironmentStacks:
    """The three stacks of one environment."""

    def __init__(self, app: cdk.App, config: EnvironmentConfig, *, deploy_nonce: str) -> None:
        env = cdk.Environment(account=config.account, region=config.region)
        protect = config.sizing.protect_data
        self.network = NetworkStack(
            app,
            config.stack_name("Network"),
            config=config,
            env=env,
            description="ChatFlow360 network: VPC, NAT, endpoints",
            termination_protection=protect,
        )
        self.data = DataStack(
            app,
            config.stack_name("Data"),
            config=config,
            network=self.network.network,
            env=env,
            description="ChatFlow360 data: Aurora PostgreSQL, RDS Proxy, secrets, Cognito",
            termination_protection=protect,
        )
        self.app = AppStack(
            app,
            config.stack_name("App"),
            config=config,
            network=self.network.network,
            data=self.data,
            deploy_nonce=deploy_nonce,
            env=env,
            description="ChatFlow360 application: functions, API, CloudFront site, WAF, jobs, e-mail, monitoring",
        )


def build_stacks(app: cdk.App) -> EnvironmentStacks:
    config = load_config(app.node)
    nonce = app.node.try_get_context(DEPLOY_NONCE_CONTEXT_KEY) or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stacks = EnvironmentStacks(app, config, deploy_nonce=str(nonce))
    # The RDS Proxy target group takes no tags (CloudFormation rejects them).
    untaggable = ["AWS::RDS::DBProxyTargetGroup"]
    cdk.Tags.of(app).add("project", "chatflow360", exclude_resource_types=untaggable)
    cdk.Tags.of(app).add("environment", config.name, exclude_resource_types=untaggable)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    cdk.Aspects.of(app).add(SkipForCdkInternals())
    return stacks


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> tuple[cdk.App, EnvironmentStacks]:
    """The app with its stacks; tests pass cdk.json's context themselves (the CLI passes it here)."""
    app = cdk.App(context=dict(context) if context is not None else None, outdir=outdir)
    return app, build_stacks(app)


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
