"""The environments the CDK app deploys: `dev` and `prod`, chosen with `-c env=<name>`.

Two kinds of settings, kept apart on purpose:

- **Sizes and policies** (NAT gateways, database capacity, retention, throttling) live here, in code,
  because a change to them deserves a review and a test.
- **Where and under which names** (account, region, e-mail identity, domains, the alarm mailbox) live in
  `cdk.json` under `chatflow:environments.<env>`, because they differ per company and hold no logic.
  Any of those keys may also be given on the command line (`-c emailIdentity=example.com`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node

__all__ = [
    "ENVIRONMENTS",
    "CustomDomain",
    "EnvironmentConfig",
    "EnvironmentSizing",
    "load_config",
]

ENV_CONTEXT_KEY = "env"
ENVIRONMENTS_CONTEXT_KEY = "chatflow:environments"
_ACCOUNT = re.compile(r"^\d{12}$")
EDGE_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class EnvironmentSizing:
    """What differs between dev and prod in cost, resilience and how much data we keep."""

    # Network. One NAT gateway is a single point of failure for outbound calls (OpenAI); prod pays for
    # one per AZ so that losing an AZ does not take the AI down with it.
    max_azs: int
    nat_gateways: int
    # Interface endpoints by service name ("secretsmanager", "sqs", ...). Empty by default: with a NAT
    # gateway already paid for, each endpoint costs more than the traffic it would carry (DEPLOY.md).
    interface_endpoints: tuple[str, ...]

    # Aurora Serverless v2, in ACUs (1 ACU ≈ 2 GiB of memory).
    db_min_capacity: float
    db_max_capacity: float
    db_readers: int  # a reader in another AZ turns a writer failure into a ~30 s failover
    db_backup_days: int

    # Data that would be lost: prod keeps it (deletion protection, RETAIN/SNAPSHOT), dev cleans up.
    protect_data: bool
    log_retention: logs.RetentionDays
    access_log_expiry_days: int

    # API Gateway stage throttling (all clients together) and the WAF's per-IP rate, per 5 minutes.
    api_rate_limit: int
    api_burst_limit: int
    waf_requests_per_ip_per_5_minutes: int

    log_level: str = "INFO"


ENVIRONMENTS: Mapping[str, EnvironmentSizing] = {
    "dev": EnvironmentSizing(
        max_azs=2,
        nat_gateways=1,
        interface_endpoints=(),
        db_min_capacity=0.5,
        db_max_capacity=4,
        db_readers=0,
        db_backup_days=1,
        protect_data=False,
        log_retention=logs.RetentionDays.ONE_WEEK,
        access_log_expiry_days=14,
        api_rate_limit=50,
        api_burst_limit=100,
        waf_requests_per_ip_per_5_minutes=500,
    ),
    "prod": EnvironmentSizing(
        max_azs=2,
        nat_gateways=2,
        interface_endpoints=(),
        db_min_capacity=1,
        db_max_capacity=16,
        db_readers=1,
        db_backup_days=14,
        protect_data=True,
        log_retention=logs.RetentionDays.THREE_MONTHS,
        access_log_expiry_days=90,
        api_rate_limit=500,
        api_burst_limit=1000,
        # The widget's own limits (PostgreSQL) allow a visitor ~90 calls a minute; several visitors
        # share an office or mobile-carrier IP, so the WAF only stops floods.
        waf_requests_per_ip_per_5_minutes=2000,
    ),
}


@dataclass(frozen=True, slots=True)
class CustomDomain:
    """A name we serve on, with an ACM certificate (in us-east-1, for CloudFront) issued out of band:
    DNS validation lives wherever the company's DNS lives."""

    name: str
    certificate_arn: str


@dataclass(frozen=True, slots=True)
class EnvironmentConfig:
    name: str
    account: str
    region: str
    sizing: EnvironmentSizing
    # A domain ("example.com": DKIM records to publish) or one address ("ops@example.com").
    email_identity: str
    alarm_email: str | None = None
    # The product's one public name (dashboard, widget and API), on CloudFront.
    web_domain: CustomDomain | None = None

    @property
    def email_sender(self) -> str:
        """The From address of notification mail (SES_SENDER)."""
        if "@" in self.email_identity:
            return self.email_identity
        return f"notifications@{self.email_identity}"

    def stack_name(self, part: str) -> str:
        return f"ChatFlow360-{self.name}-{part}"


def load_config(node: Node) -> EnvironmentConfig:
    """The environment named by `-c env=...` (dev when absent), with its cdk.json settings."""
    name = str(node.try_get_context(ENV_CONTEXT_KEY) or "dev")
    if name not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {name!r}: choose one of {', '.join(ENVIRONMENTS)} with -c env=...")
    environments = node.try_get_context(ENVIRONMENTS_CONTEXT_KEY) or {}
    block: Mapping[str, Any] = environments.get(name) or {}

    def setting(key: str) -> Any:
        # A command-line -c key=value wins over cdk.json's block for the environment.
        value = node.try_get_context(key)
        return block.get(key) if value is None else value

    account, region = str(setting("account") or ""), str(setting("region") or "")
    if not _ACCOUNT.match(account) or not region:
        raise ValueError(
            f"{ENVIRONMENTS_CONTEXT_KEY}.{name} in cdk.json needs an account (12 digits) and a region; got "
            f"account={account!r} region={region!r}"
        )
    if region != EDGE_REGION:
        # CloudFront takes its web ACL and certificate from us-east-1 only; one region keeps the app
        # one set of stacks without cross-region references.
        raise ValueError(f"ChatFlow360 deploys to {EDGE_REGION} (CloudFront's region); got {region!r}")
    email_identity = str(setting("emailIdentity") or "")
    if not email_identity:
        raise ValueError(f"{ENVIRONMENTS_CONTEXT_KEY}.{name}.emailIdentity: a domain or an address for SES")
    return EnvironmentConfig(
        name=name,
        account=account,
        region=region,
        sizing=ENVIRONMENTS[name],
        email_identity=email_identity,
        alarm_email=setting("alarmEmail") or None,
        web_domain=_domain(setting("webDomain"), setting("webCertificateArn")),
    )


def _domain(name: str | None, certificate_arn: str | None) -> CustomDomain | None:
    if not name:
        return None
    if not certificate_arn:
        raise ValueError(f"the custom domain {name!r} needs its ACM certificate ARN as well")
    return CustomDomain(name=name, certificate_arn=certificate_arn)
