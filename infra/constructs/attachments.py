"""The attachments' bucket (chatflow.attachments): private, encrypted with the data key, reached only
through presigned URLs that the functions sign, with the CORS rule browsers need to POST an upload and
GET a file from any site that embeds the widget (and the dashboard)."""

from __future__ import annotations

from typing import Literal

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.checkov import skip
from infra.constructs.nag import acknowledge

__all__ = ["INFREQUENT_ACCESS_AFTER_DAYS", "UPLOADS_PREFIX", "AttachmentStore"]

# Where browsers' presigned POSTs land (chatflow.attachments.models.UPLOADS_PREFIX; infra imports no
# business logic, a test keeps the two equal).
UPLOADS_PREFIX = "uploads/"

# Files are read in the days around their conversation; later rarely, if ever.
INFREQUENT_ACCESS_AFTER_DAYS = 60


class AttachmentStore(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,  # one KMS call per bucket key, not per object
            enforce_ssl=True,
            # A presigned POST from the widget (on any customer's site) or the dashboard; a presigned GET
            # for thumbnails and files. The policy and the signature decide what passes, not the origin.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age=600,
                )
            ],
            lifecycle_rules=[
                # A browser's upload is one POST, but a failed multipart upload of the server's would linger.
                s3.LifecycleRule(
                    id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=cdk.Duration.days(1)
                ),
                # Browsers' uploads are checked and stored elsewhere within the hour; what is left is
                # a late re-use of a presigned POST or an upload never confirmed.
                s3.LifecycleRule(id="ExpireUploads", prefix=UPLOADS_PREFIX, expiration=cdk.Duration.days(1)),
                s3.LifecycleRule(
                    id="InfrequentAccess",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=cdk.Duration.days(INFREQUENT_ACCESS_AFTER_DAYS),
                        )
                    ],
                ),
            ],
            # Customers' files: kept when the stack goes, in every environment.
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Every access is a URL our functions presign for one key after checking the caller (or the functions' "
            "own calls), and the functions log each grant; S3 server access logs would repeat that per request.",
        )
        skip(
            self.bucket,
            "CKV_AWS_18",
            "Every access is a URL our functions presign for one key after checking the caller; the functions log it.",
        )
        skip(
            self.bucket,
            "CKV_AWS_21",
            "Each key is written once by the server; deleting a visitor's data must delete their files, which "
            "versions would keep.",
        )

    @property
    def browser_origins(self) -> list[str]:
        """Where browsers fetch and post (the content security policy's img-src and connect-src): the
        bucket's global and regional virtual-hosted names, either of which a presigned URL may name."""
        return [
            f"https://{self.bucket.bucket_name}.s3.amazonaws.com",
            f"https://{self.bucket.bucket_regional_domain_name}",
        ]

    def grant(self, role: iam.IRole, access: Literal["read", "write", "delete"]) -> None:
        """`read`: signing GETs. `write`: also signing uploads, re-writing checked files and deleting
        refused ones. `delete`: deleting the files of erased or expired conversations, nothing else.
        Objects only, never the bucket's listing or configuration."""
        actions = {
            "read": ["s3:GetObject"],
            "write": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "delete": ["s3:DeleteObject"],
        }[access]
        role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[self.bucket.arn_for_objects("*")]))
        if access != "delete":  # deleting an object needs no key
            key_actions = ["kms:Decrypt"] + (["kms:GenerateDataKey", "kms:Encrypt"] if access == "write" else [])
            role.add_to_principal_policy(iam.PolicyStatement(actions=key_actions, resources=[self.key.key_arn]))
        stack = cdk.Stack.of(role)
        bucket = self.bucket.node.default_child
        assert isinstance(bucket, cdk.CfnElement)
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(bucket)}.Arn>/*]",
            "Attachment keys are made at run time, one per file under its organisation and conversation; the "
            "functions check the caller before they touch or sign one.",
        )
