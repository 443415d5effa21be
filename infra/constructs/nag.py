"""cdk-nag acknowledgements, one finding at a time and never without a reason."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

__all__ = ["acknowledge"]


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (e.g. `AwsSolutions-IAM5[Resource::*]`) on scope and below.

    Acknowledge on the narrowest construct that raises it: a stack-wide acknowledgement would also
    hide the next, unintended, instance of the same finding.
    """
    if not reason.strip():
        raise ValueError(f"acknowledging {rule} needs a reason")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
