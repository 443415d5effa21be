"""Cognito, SES, SQS and S3 for the local stack, played by moto's server on loopback.

The functions reach it the way they reach AWS: boto3 reads the standard AWS_ENDPOINT_URL variable
and dummy credentials, so no code path differs between a laptop and an account. moto keeps
everything in memory, so the user pool (and the super admin's `sub`) is new on every start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from infra.local.gateway import REGION

__all__ = ["DISPATCH_QUEUE_NAME", "INBOUND_QUEUE_NAME", "INGEST_QUEUE_NAME", "LocalAws", "start"]

INGEST_QUEUE_NAME = "chatflow-ingest"
DISPATCH_QUEUE_NAME = "chatflow-dispatch"
INBOUND_QUEUE_NAME = "chatflow-inbound"
ATTACHMENTS_BUCKET = "chatflow-attachments-local"


@dataclass(frozen=True, slots=True)
class LocalAws:
    endpoint_url: str
    user_pool_id: str
    client_id: str
    ses_sender: str
    ingest_queue_url: str
    dispatch_queue_url: str
    inbound_queue_url: str
    admin_sub: str
    _server: ThreadedMotoServer

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint_url}/{self.user_pool_id}/.well-known/jwks.json"

    def environment(self) -> dict[str, str]:
        """What the functions read to find these services."""
        return {
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
            "COGNITO_JWKS_URL": self.jwks_url,
            "SES_SENDER": self.ses_sender,
            "INGEST_QUEUE_URL": self.ingest_queue_url,
            "DISPATCH_QUEUE_URL": self.dispatch_queue_url,
            "INBOUND_QUEUE_URL": self.inbound_queue_url,
            "ATTACHMENTS_BUCKET": ATTACHMENTS_BUCKET,
        }

    def queue_urls(self) -> dict[str, str]:
        """The queues of infra.routes.QUEUE_FUNCTIONS, by logical name, for the gateway's pollers."""
        return {"ingest": self.ingest_queue_url, "dispatch": self.dispatch_queue_url, "inbound": self.inbound_queue_url}

    def stop(self) -> None:
        self._server.stop()


def start(*, host: str, port: int, admin_email: str, admin_password: str, ses_sender: str) -> LocalAws:
    """Start moto, point this process's AWS SDK at it, and create the pool, the super admin,
    the verified sender and the queues (knowledge to ingest, events to dispatch, Meta's webhooks). The caller
    checks first that the port is free: moto's server waits forever for a port it cannot bind."""
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    endpoint_url = f"http://{host}:{port}"
    try:
        _point_sdk_at(endpoint_url)
        user_pool_id, client_id, admin_sub = _cognito(admin_email, admin_password)
        boto3.client("ses").verify_email_identity(EmailAddress=ses_sender)
        sqs = boto3.client("sqs")
        queue_url: str = sqs.create_queue(QueueName=INGEST_QUEUE_NAME)["QueueUrl"]
        dispatch_queue_url: str = sqs.create_queue(QueueName=DISPATCH_QUEUE_NAME)["QueueUrl"]
        inbound_queue_url: str = sqs.create_queue(QueueName=INBOUND_QUEUE_NAME)["QueueUrl"]
        # Attachments (chatflow.attachments); browsers reach it through the gateway's /s3 (infra.local.gateway.s3).
        boto3.client("s3").create_bucket(Bucket=ATTACHMENTS_BUCKET)
    except BaseException:
        server.stop()
        raise
    return LocalAws(
        endpoint_url=endpoint_url,
        user_pool_id=user_pool_id,
        client_id=client_id,
        ses_sender=ses_sender,
        ingest_queue_url=queue_url,
        dispatch_queue_url=dispatch_queue_url,
        inbound_queue_url=inbound_queue_url,
        admin_sub=admin_sub,
        _server=server,
    )


def _point_sdk_at(endpoint_url: str) -> None:
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    os.environ["AWS_ACCESS_KEY_ID"] = "local"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105  # moto accepts any
    # One region for everything local, whatever the developer's shell says: pool ids, queue URLs
    # and the gateway's ARNs then agree.
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ["AWS_REGION"] = REGION
    # A developer's own profile or session must never sign requests meant for the local stack.
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)


def _cognito(admin_email: str, admin_password: str) -> tuple[str, str, str]:
    """(user pool id, app client id, the super admin's sub)."""
    cognito: Any = boto3.client("cognito-idp")
    pool_id: str = cognito.create_user_pool(
        PoolName="chatflow-local",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        # As in AWS (infra/constructs/auth.py): an invitation's temporary password lasts as long as its link.
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 7,
            }
        },
    )["UserPool"]["Id"]
    client_id: str = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="chatflow-dashboard",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        # Without them the IdToken carries no email.
        ReadAttributes=["email", "email_verified", "name"],
    )["UserPoolClient"]["ClientId"]
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=admin_email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": admin_email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": "Super Admin"},
        ],
    )["User"]
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=admin_email, Password=admin_password, Permanent=True)
    sub: str = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    return pool_id, client_id, sub
