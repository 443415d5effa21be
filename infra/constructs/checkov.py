"""checkov skips, one check on one resource at a time and never without a reason: checkov reads them
from the resource's `Metadata.checkov.skip` in the template (`make iac-scan`)."""

from __future__ import annotations

import aws_cdk as cdk
import jsii
from constructs import IConstruct

__all__ = ["SkipForCdkInternals", "skip"]


def skip(resource: IConstruct, check_id: str, reason: str) -> None:
    """Skip checkov's `check_id` (e.g. CKV_AWS_27) on this L1 resource or the default child of an L2."""
    if not reason.strip():
        raise ValueError(f"skipping {check_id} needs a reason")
    cfn = resource if isinstance(resource, cdk.CfnResource) else resource.node.default_child
    if not isinstance(cfn, cdk.CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource to skip {check_id} on")
    found = cfn.get_metadata("checkov") or {}
    skips = [*found.get("skip", []), {"id": check_id, "comment": reason}]
    cfn.add_metadata("checkov", {**found, "skip": skips})


# CDK's own helpers: the stack-level providers of its custom resources (S3 auto-delete, the default
# security group's restriction, triggers) and the bucket deployment's singleton function. Their code,
# roles and logs are the CDK's, made for one deploy-time call each.
_CDK_INTERNALS = ("Custom::", "AWSCDK.")
_CDK_INTERNAL_SKIPS: dict[str, tuple[tuple[str, str], ...]] = {
    "AWS::Lambda::Function": (
        (
            "CKV_AWS_115",
            "The CDK's deploy-time helper, run by CloudFormation once per change: no concurrency to reserve.",
        ),
        ("CKV_AWS_116", "The CDK's deploy-time helper, invoked synchronously by CloudFormation: nothing to retry."),
        ("CKV_AWS_117", "The CDK's deploy-time helper: it calls AWS APIs only and reaches nothing in the VPC."),
        ("CKV_AWS_173", "The CDK's deploy-time helper: its environment holds no secret."),
    ),
    "AWS::Logs::LogGroup": (
        ("CKV_AWS_158", "The CDK's deploy-time helper's log: which files were copied to the site bucket, no data."),
    ),
    "AWS::IAM::Policy": (
        (
            "CKV_AWS_111",
            "The CDK bucket deployment's role: cloudfront:CreateInvalidation on the distribution it deploys to, "
            'granted by the CDK on "*".',
        ),
    ),
}


@jsii.implements(cdk.IAspect)
class SkipForCdkInternals:
    """Skips, with their reasons, the checks that do not apply to the CDK's own helper resources."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, cdk.CfnResource):
            return
        checks = _CDK_INTERNAL_SKIPS.get(node.cfn_resource_type)
        # The app, the stack, then the stack's child: the CDK puts its helpers directly under the stack.
        scopes = node.node.scopes
        if checks is None or len(scopes) < 3 or not scopes[2].node.id.startswith(_CDK_INTERNALS):
            return
        for check_id, reason in checks:
            skip(node, check_id, reason)
