"""The attachments' bucket (issue #19, item 1): private, encrypted with the data key, TLS only, CORS for a
browser's presigned POST and GET, lifecycle rules, kept when the stack goes; and least privilege: the
functions that check uploads may read, write and delete objects, those that only show them may read,
and nobody else gets anything."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.stacks.app_stack import ATTACHMENT_ERASERS, ATTACHMENT_READERS, ATTACHMENT_WRITERS, FUNCTION_SPECS
from tests.infra.conftest import Synthesized
from tests.infra.support import actions, environment, props, referenced_logical_ids, resources, role_of, statements


@pytest.fixture(scope="module")
def data(dev: Synthesized) -> Template:
    """The app stack, where the bucket lives (it names the data stack's key)."""
    return dev.app_stack


@pytest.fixture(scope="module")
def app(dev: Synthesized) -> Template:
    return dev.app_stack


def _bucket(data: Template) -> tuple[str, dict[str, Any]]:
    logical_id, resource = next(
        (i, r) for i, r in resources(data, "AWS::S3::Bucket").items() if i.startswith("Attachments")
    )
    return logical_id, resource


def test_the_bucket_is_private_encrypted_with_the_data_key_and_kept(data: Template) -> None:
    _logical_id, resource = _bucket(data)
    bucket = props(resource)
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]

    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "DataKey" in str(encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])  # the data stack's key
    assert encryption["BucketKeyEnabled"] is True
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert resource["DeletionPolicy"] == "Retain"


def test_only_tls_reaches_the_bucket(data: Template) -> None:
    logical_id, _resource = _bucket(data)
    policy = next(
        props(p)["PolicyDocument"]["Statement"]
        for p in resources(data, "AWS::S3::BucketPolicy").values()
        if logical_id in referenced_logical_ids(props(p)["Bucket"])
    )

    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in str(s["Condition"]) for s in policy)


def test_browsers_may_post_uploads_and_get_files_from_any_site(data: Template) -> None:
    rules = props(_bucket(data)[1])["CorsConfiguration"]["CorsRules"]

    assert rules == [
        {
            "AllowedMethods": ["POST", "GET", "HEAD"],
            "AllowedOrigins": ["*"],
            "AllowedHeaders": ["*"],
            "ExposedHeaders": ["ETag"],
            "MaxAge": 600,
        }
    ]


def test_lifecycle_rules_abort_stale_uploads_and_move_old_files_to_infrequent_access(data: Template) -> None:
    from chatflow.attachments.models import UPLOADS_PREFIX
    from infra.constructs.attachments import UPLOADS_PREFIX as INFRA_UPLOADS_PREFIX

    rules = {r["Id"]: r for r in props(_bucket(data)[1])["LifecycleConfiguration"]["Rules"]}

    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rules["InfrequentAccess"]["Transitions"] == [{"StorageClass": "STANDARD_IA", "TransitionInDays": 60}]
    # Only browsers' raw uploads expire (checked files are stored elsewhere); customers' files never do.
    assert INFRA_UPLOADS_PREFIX == UPLOADS_PREFIX
    assert (rules["ExpireUploads"]["Prefix"], rules["ExpireUploads"]["ExpirationInDays"]) == (UPLOADS_PREFIX, 1)
    assert [i for i, r in rules.items() if "ExpirationInDays" in r] == ["ExpireUploads"]
    assert all(r["Status"] == "Enabled" for r in rules.values())


def _s3_actions(app: Template, name: str) -> set[str]:
    found: set[str] = set()
    for statement in statements(app, role_of(app, name)):
        found |= {a for a in actions(statement) if a.startswith("s3:")}
    return found


@pytest.mark.parametrize("name", ATTACHMENT_WRITERS)
def test_the_functions_that_check_uploads_read_write_and_delete_objects_only(app: Template, name: str) -> None:
    assert _s3_actions(app, name) == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    assert "ATTACHMENTS_BUCKET" in environment(app, name)


@pytest.mark.parametrize("name", ATTACHMENT_READERS)
def test_the_functions_that_show_attachments_only_read(app: Template, name: str) -> None:
    assert _s3_actions(app, name) == {"s3:GetObject"}
    assert "ATTACHMENTS_BUCKET" in environment(app, name)


@pytest.mark.parametrize("name", ATTACHMENT_ERASERS)
def test_the_functions_that_erase_conversations_only_delete_files(app: Template, name: str) -> None:
    assert _s3_actions(app, name) == {"s3:DeleteObject"}
    assert "ATTACHMENTS_BUCKET" in environment(app, name)


def test_no_other_function_touches_the_bucket(app: Template) -> None:
    others = set(FUNCTION_SPECS) - set(ATTACHMENT_WRITERS) - set(ATTACHMENT_READERS) - set(ATTACHMENT_ERASERS)

    for name in others:
        assert _s3_actions(app, name) == set(), name
        assert "ATTACHMENTS_BUCKET" not in environment(app, name), name


def test_the_dashboard_may_show_and_post_to_the_bucket(app: Template) -> None:
    policy = next(iter(resources(app, "AWS::CloudFront::ResponseHeadersPolicy").values()))
    csp = str(props(policy)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"])

    assert "AttachmentsBucket" in csp  # the bucket's names
    assert "s3.amazonaws.com" in csp
