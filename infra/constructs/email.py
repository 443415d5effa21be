"""The SES identity notification mail is sent from: a domain (DKIM records to publish) or a single
address (SES mails it a verification link)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

__all__ = ["NotificationEmail"]


class NotificationEmail(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, identity: str, sender: str) -> None:
        super().__init__(scope, construct_id)
        self.sender = sender
        self.is_domain = "@" not in identity
        self.identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=ses.Identity.domain(identity) if self.is_domain else ses.Identity.email(identity),
        )
        if self.is_domain:
            self._output_dkim_records(identity)

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """ses:SendEmail from this identity only (used by the notifications when they land)."""
        return self.identity.grant_send_email(grantee)

    def _output_dkim_records(self, domain: str) -> None:
        # Without a Route 53 zone in this app, the three CNAMEs are published by hand (DEPLOY.md).
        for index, (name, value) in enumerate(
            (
                (self.identity.dkim_dns_token_name1, self.identity.dkim_dns_token_value1),
                (self.identity.dkim_dns_token_name2, self.identity.dkim_dns_token_value2),
                (self.identity.dkim_dns_token_name3, self.identity.dkim_dns_token_value3),
            ),
            start=1,
        ):
            # At the stack's root: the output is then named EmailDkimRecord<n>, without a hash suffix.
            CfnOutput(
                Stack.of(self),
                f"EmailDkimRecord{index}",
                description=f"DKIM CNAME {index} for {domain}: name value",
                value=f"{name} {value}",
            )
