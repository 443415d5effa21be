"""The one public origin: the dashboard and the widget from a private bucket, the API under /api/,
security headers on every answer, a short cache for the widget script, only existing builds deployed."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from infra.constructs.static_site import site_sources
from infra.functions import ROOT
from tests.infra.conftest import Synthesized
from tests.infra.support import environment, props, referenced_logical_ids, resources


@pytest.fixture(scope="module")
def template(dev: Synthesized) -> Template:
    return dev.app_stack


def test_the_site_bucket_is_private_encrypted_and_tls_only(template: Template) -> None:
    site_id = _site_bucket_id(template)
    bucket = props(resources(template, "AWS::S3::Bucket")[site_id])
    policy = next(
        props(p)["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if site_id in referenced_logical_ids(props(p)["Bucket"])
    )

    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in str(s["Condition"]) for s in policy)
    # Reads come from CloudFront only, signed by origin access control.
    assert any(s.get("Principal") == {"Service": "cloudfront.amazonaws.com"} for s in policy)


def test_cloudfront_reads_the_bucket_through_origin_access_control(template: Template) -> None:
    template.resource_count_is("AWS::CloudFront::OriginAccessControl", 2)  # the site's, the pictures' bucket
    distribution = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))
    origin = next(o for o in distribution["DistributionConfig"]["Origins"] if "S3OriginConfig" in o)

    assert "OriginAccessControlId" in origin
    assert distribution["DistributionConfig"]["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def _joined(value: object) -> str:
    """A string as CloudFormation joins it, each reference written <bucket> (only the bucket's are there)."""
    if isinstance(value, str):
        return value
    assert isinstance(value, dict)
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "<bucket>" for p in parts)


def test_every_answer_carries_the_security_headers(template: Template) -> None:
    config = props(next(iter(resources(template, "AWS::CloudFront::ResponseHeadersPolicy").values())))
    headers = config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = _joined(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])

    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    # The API is on the same origin; the attachments' bucket (thumbnails, presigned uploads) beside it.
    assert "connect-src 'self' https://<bucket>.s3.amazonaws.com https://<bucket>;" in csp
    assert "img-src 'self' data: https://<bucket>.s3.amazonaws.com https://<bucket>;" in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    distribution = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))
    behaviors = [
        distribution["DistributionConfig"]["DefaultCacheBehavior"],
        *distribution["DistributionConfig"]["CacheBehaviors"],
    ]
    assert all("ResponseHeadersPolicyId" in behavior for behavior in behaviors)


def test_the_widget_script_is_cached_for_five_minutes_at_most(template: Template) -> None:
    distribution = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))
    widget = next(b for b in distribution["DistributionConfig"]["CacheBehaviors"] if b["PathPattern"] == "widget/*")
    policy = props(resources(template, "AWS::CloudFront::CachePolicy")[widget["CachePolicyId"]["Ref"]])

    assert policy["CachePolicyConfig"]["MaxTTL"] == 300
    assert policy["CachePolicyConfig"]["DefaultTTL"] == 300


_CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # managed; keys on (so serves) gzip and brotli


def test_the_dashboard_and_the_widget_go_out_compressed_with_brotli_or_gzip(template: Template) -> None:
    config = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))["DistributionConfig"]
    dashboard = config["DefaultCacheBehavior"]
    widget = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "widget/*")
    widget_policy = props(resources(template, "AWS::CloudFront::CachePolicy")[widget["CachePolicyId"]["Ref"]])
    encodings = widget_policy["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]

    assert dashboard["Compress"] is True
    assert dashboard["CachePolicyId"] == _CACHING_OPTIMIZED
    assert widget["Compress"] is True
    # CloudFront compresses only for the encodings its cache policy keys on.
    assert encodings["EnableAcceptEncodingBrotli"] is True
    assert encodings["EnableAcceptEncodingGzip"] is True


def test_what_is_deployed_of_the_widget_is_its_minified_build() -> None:
    widget = next(s for s in site_sources() if s.prefix == "widget/")

    assert widget.directory == ROOT / "widget" / "dist"


def test_requests_are_logged(template: Template) -> None:
    template.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": Match.object_like({"Logging": Match.object_like({"Prefix": "cloudfront/"})})},
    )


def test_what_exists_is_deployed_and_nothing_else(template: Template) -> None:
    deployments = resources(template, "Custom::CDKBucketDeployment")

    assert sorted(props(d)["DestinationBucketKeyPrefix"] for d in deployments.values()) == sorted(
        source.prefix for source in site_sources()
    )


def test_absent_or_empty_builds_are_skipped(tmp_path: Path) -> None:
    widget, dashboard = tmp_path / "widget", tmp_path / "dist"
    widget.mkdir()
    assert site_sources(widget, dashboard) == []

    (widget / "chatflow360.js").write_text("// widget", encoding="utf-8")
    dashboard.mkdir()
    (dashboard / "index.html").write_text("<!doctype html>", encoding="utf-8")
    sources = site_sources(widget, dashboard)

    assert [(s.prefix, s.cache_control, s.exclude) for s in sources] == [
        ("app/", "public, max-age=300", ()),
        ("widget/", "public, max-age=300", ("*.html",)),  # the demo page stays on the laptop
    ]
    # A tab or a launcher loaded before a deploy asks for chunks of its own build, which a deploy must keep.
    assert [s.prune for s in sources] == [False, False]


def test_dev_buckets_are_emptied_on_delete_and_prod_buckets_kept(template: Template, prod: Synthesized) -> None:
    assert resources(template, "Custom::S3AutoDeleteObjects")
    assert not resources(prod.app_stack, "Custom::S3AutoDeleteObjects")
    for bucket in resources(prod.app_stack, "AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"


def test_the_api_is_served_under_api_on_the_same_origin_uncached(template: Template) -> None:
    config = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))["DistributionConfig"]
    api = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "api/*")
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    api_id = next(iter(resources(template, "AWS::ApiGateway::RestApi")))

    assert api["ViewerProtocolPolicy"] == "https-only"  # a redirect would turn a POST into a GET
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    assert api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AllViewerExceptHostHeader
    assert origin["OriginPath"] == "/v1"
    assert api_id in referenced_logical_ids(origin["DomainName"])
    assert [h["HeaderName"] for h in origin["OriginCustomHeaders"]] == ["x-origin-verify"]


def test_websockets_connect_on_ws_as_on_the_laptop(template: Template) -> None:
    config = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))["DistributionConfig"]
    ws = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "ws")
    origin = next(o for o in config["Origins"] if o["Id"] == ws["TargetOriginId"])
    rewrite_id = ws["FunctionAssociations"][0]["FunctionARN"]["Fn::GetAtt"][0]
    api_id = next(iter(resources(template, "AWS::ApiGatewayV2::Api")))

    assert api_id in referenced_logical_ids(origin["DomainName"])
    assert ws["ViewerProtocolPolicy"] == "https-only"
    assert ws["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    code = props(resources(template, "AWS::CloudFront::Function")[rewrite_id])["FunctionCode"]
    assert "event.request.uri = '/v1'" in code


def test_the_root_goes_to_the_dashboard_and_its_deep_links_to_its_index(template: Template) -> None:
    code = next(
        props(f)["FunctionCode"]
        for f in resources(template, "AWS::CloudFront::Function").values()
        if "/app/index.html" in props(f)["FunctionCode"]
    )

    assert "location: {value: '/app/'}" in code
    assert "request.uri = '/app/index.html'" in code


@pytest.mark.parametrize("name", ["dispatch", "dashboard_api"])
def test_mail_and_embed_snippets_link_to_the_dashboard_on_cloudfront(template: Template, name: str) -> None:
    distribution_id = next(iter(resources(template, "AWS::CloudFront::Distribution")))
    url = environment(template, name)["DASHBOARD_URL"]["Fn::Join"][1]

    assert url[0] == "https://"
    assert distribution_id in referenced_logical_ids(url[1])
    assert url[2] == "/app"


def _site_bucket_id(template: Template) -> str:
    return next(i for i, b in resources(template, "AWS::S3::Bucket").items() if "LoggingConfiguration" in props(b))


def test_public_pictures_are_served_at_media_from_the_attachments_bucket_read_only(template: Template) -> None:
    distribution = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))[
        "DistributionConfig"
    ]
    media = next(b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "media/*")
    origin = next(o for o in distribution["Origins"] if o["Id"] == media["TargetOriginId"])
    attachments = next(k for k in resources(template, "AWS::S3::Bucket") if k.startswith("AttachmentsBucket"))

    assert media["AllowedMethods"] == ["GET", "HEAD"]
    assert media["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "OriginAccessControlId" in origin
    assert origin["DomainName"] == {"Fn::GetAtt": [attachments, "RegionalDomainName"]}


def test_the_distribution_may_read_only_the_public_pictures_of_the_attachments_bucket(template: Template) -> None:
    attachments = next(k for k in resources(template, "AWS::S3::Bucket") if k.startswith("AttachmentsBucket"))
    statements = next(
        props(p)["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if attachments in referenced_logical_ids(props(p)["Bucket"])
    )
    cloudfront_reads = [s for s in statements if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}]

    assert [s["Resource"] for s in cloudfront_reads] == [
        {"Fn::Join": ["", [{"Fn::GetAtt": [attachments, "Arn"]}, "/media/*"]]}
    ]
    assert all(s["Action"] == "s3:GetObject" and "AWS:SourceArn" in str(s["Condition"]) for s in cloudfront_reads)
