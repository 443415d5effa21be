"""checkov skips, one check on one resource at a time and never without a reason: checkov reads them
from the resource's `Metadata.checkov.skip` in the template (`make iac-scan`)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

__all__ = ["skip"]


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
