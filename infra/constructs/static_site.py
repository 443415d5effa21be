"""The product's one public origin, as on the laptop: CloudFront serves the dashboard under /app/,
the widget under /widget/ and the API under /api/ (the widget calls the origin it was loaded from).

Files come from a private S3 bucket (origin access control) and the API from API Gateway, which
only accepts requests carrying CloudFront's origin-verify header (infra.constructs.firewall).
Every answer gets the security headers; the widget script, which customers' pages load from us and
which must pick up fixes within minutes, is cached for five minutes at most. Files go out compressed
(brotli or gzip, as the browser accepts; docs/widget-build.md), as the local gateway sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import CustomDomain, EnvironmentSizing
from infra.constructs.checkov import skip
from infra.constructs.firewall import ORIGIN_VERIFY_HEADER
from infra.constructs.nag import acknowledge
from infra.functions import ROOT
from infra.security_headers import content_security_policy

__all__ = [
    "DASHBOARD_BUILD_DIR",
    "DASHBOARD_PATH",
    "WIDGET_DIR",
    "WIDGET_MAX_AGE",
    "ApiOrigin",
    "RealtimeOrigin",
    "SiteSource",
    "StaticSite",
    "content_security_policy",
    "site_sources",
]

# The widget's minified build (`make widget`, run by `make synth`), never its readable sources.
WIDGET_DIR = ROOT / "widget" / "dist"
# Where the dashboard's build writes its static files (it does not exist yet).
DASHBOARD_BUILD_DIR = ROOT / "dashboard" / "dist"
# Where the dashboard is served, as on the local stack (chatflow.settings: DASHBOARD_URL).
DASHBOARD_PATH = "/app"
WIDGET_PREFIX = "widget/"
MEDIA_PREFIX = "media/"  # chatflow.media.models.MEDIA_PREFIX
WIDGET_MAX_AGE = Duration.minutes(5)

# "/" goes to the dashboard; the dashboard is a single-page app, so a deep link under /app/ (a last
# path segment without a dot) answers with its index.html. Not on /widget/* nor /api/*.
_VIEWER_REQUEST = """
function handler(event) {
  var request = event.request;
  if (request.uri === '/') {
    return {statusCode: 302, statusDescription: 'Found', headers: {location: {value: '/app/'}}};
  }
  if (request.uri.indexOf('/app/') === 0 || request.uri === '/app') {
    var last = request.uri.split('/').pop();
    if (last.indexOf('.') === -1) {
      request.uri = '/app/index.html';
    }
  }
  return request;
}
"""

WEBSOCKET_PATH = "/ws"


def _websocket_rewrite(stage_name: str) -> str:
    # API Gateway answers a WebSocket handshake on /<stage> only; browsers use /ws, as on the laptop.
    return f"""
function handler(event) {{
  event.request.uri = '/{stage_name}';
  return event.request;
}}
"""


@dataclass(frozen=True, slots=True)
class ApiOrigin:
    """API Gateway's stage, as CloudFront reaches it."""

    domain_name: str  # <api id>.execute-api.<region>.amazonaws.com
    stage_name: str
    # Sent in ORIGIN_VERIFY_HEADER; a dynamic reference to a secret, never its value.
    verify_token: str


@dataclass(frozen=True, slots=True)
class RealtimeOrigin:
    """The WebSocket API's stage, which browsers reach as wss://<site>/ws."""

    domain_name: str
    stage_name: str


@dataclass(frozen=True, slots=True)
class SiteSource:
    """A folder of built files to publish under a key prefix ("" for the bucket's root)."""

    directory: Path
    prefix: str
    cache_control: str
    exclude: tuple[str, ...] = ()
    # Whether a deploy deletes what the build no longer has.
    prune: bool = True


def _has_files(directory: Path) -> bool:
    return directory.is_dir() and any(path.is_file() and not path.name.startswith(".") for path in directory.rglob("*"))


def site_sources(widget_dir: Path = WIDGET_DIR, dashboard_dir: Path = DASHBOARD_BUILD_DIR) -> list[SiteSource]:
    """What exists to publish: a folder that is absent or empty is skipped, not an error."""
    sources = []
    if _has_files(dashboard_dir):
        # Short as well until the build emits hashed file names that could be cached for a year.
        # Not pruned: a tab opened before a deploy loads each page's chunk (hashed names) when first visited.
        sources.append(SiteSource(dashboard_dir, DASHBOARD_PATH.strip("/") + "/", "public, max-age=300", prune=False))
    if _has_files(widget_dir):
        # The widget's demo page is the laptop's (its inline script is what our CSP refuses anyway);
        # customers' pages load the script.
        sources.append(
            SiteSource(
                widget_dir,
                WIDGET_PREFIX,
                f"public, max-age={WIDGET_MAX_AGE.to_seconds()}",
                exclude=("*.html",),
                # A launcher a browser still holds (up to WIDGET_MAX_AGE) loads the chat of its own build,
                # by its hashed name: the previous chats stay (a few KB each).
                prune=False,
            )
        )
    return sources


class StaticSite(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        sizing: EnvironmentSizing,
        api: ApiOrigin,
        realtime: RealtimeOrigin,
        web_acl_arn: str,
        domain: CustomDomain | None,
        sources: Sequence[SiteSource],
        attachment_origins: Sequence[str] = (),
        media_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Public pictures (chatflow.media: logos, operators' photos) live under media/ of the attachments'
        # bucket; only that prefix is served, at /media/…, through origin access control.
        self._media_bucket = media_bucket
        removal = RemovalPolicy.RETAIN if sizing.protect_data else RemovalPolicy.DESTROY
        self.domain = domain
        self.logs_bucket = self._build_logs_bucket(sizing, removal)
        self.bucket = self._build_site_bucket(sizing, removal)
        self.headers = self._build_headers_policy(content_security_policy(attachment_origins))
        self.distribution = self._build_distribution(api, realtime, web_acl_arn, domain)
        self._grant_media()
        self.deployments = [self._build_deployment(source) for source in sources]
        self._acknowledge(domain)

    @property
    def url(self) -> str:
        """https://<the public host>, with no trailing slash."""
        return f"https://{self.domain.name if self.domain else self.distribution.domain_name}"

    @property
    def dashboard_url(self) -> str:
        return f"{self.url}{DASHBOARD_PATH}"

    def _build_logs_bucket(self, sizing: EnvironmentSizing, removal: RemovalPolicy) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "Logs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront's standard logs are delivered with an ACL, which BucketOwnerEnforced refuses.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(sizing.access_log_expiry_days))],
            removal_policy=removal,
            auto_delete_objects=not sizing.protect_data,
        )
        skip(
            bucket,
            "CKV_AWS_18",
            "The access logs' own bucket: logging its accesses would go to itself (or to another bucket that would "
            "need the same), for objects only CloudFront and S3 write.",
        )
        skip(
            bucket,
            "CKV_AWS_21",
            "Log files are written once by CloudFront and S3 and expire by the lifecycle rule; no one overwrites "
            "them, so versions would keep nothing more, only longer.",
        )
        return bucket

    def _build_site_bucket(self, sizing: EnvironmentSizing, removal: RemovalPolicy) -> s3.Bucket:
        return s3.Bucket(
            self,
            "Site",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="s3/",
            # A deploy overwrites the site's files (earlier chunks stay, for tabs still open on them): the
            # previous versions stay recoverable a month.
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))],
            removal_policy=removal,
            auto_delete_objects=not sizing.protect_data,
        )

    def _build_headers_policy(self, csp: str) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="ChatFlow360: CSP, HSTS, nosniff, DENY framing, strict referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
            ),
        )

    def _media_behaviors(self) -> dict[str, cloudfront.BehaviorOptions]:
        if self._media_bucket is None:
            return {}
        # CDK's origin access control would let the distribution read every object of the bucket, the
        # customers' private files among them; it is given a reference it cannot grant on, and
        # _grant_media names the prefix instead.
        reference = s3.Bucket.from_bucket_attributes(
            self,
            "MediaOriginBucket",
            bucket_arn=self._media_bucket.bucket_arn,
            bucket_regional_domain_name=self._media_bucket.bucket_regional_domain_name,
        )
        return {
            f"{MEDIA_PREFIX}*": cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(reference),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                # Each picture's name is its hash: cached as long as CloudFront keeps anything.
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
            )
        }

    def _grant_media(self) -> None:
        """The distribution reads public pictures, and nothing else of the attachments' bucket."""
        if self._media_bucket is None:
            return
        Annotations.of(self).acknowledge_warning(
            "@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
            "The media origin's read is granted on media/* by StaticSite._grant_media.",
        )
        distribution_arn = Stack.of(self).format_arn(
            service="cloudfront", region="", resource="distribution", resource_name=self.distribution.distribution_id
        )
        self._media_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                resources=[self._media_bucket.arn_for_objects(f"{MEDIA_PREFIX}*")],
                conditions={"StringEquals": {"AWS:SourceArn": distribution_arn}},
            )
        )

    def _build_distribution(
        self, api: ApiOrigin, realtime: RealtimeOrigin, web_acl_arn: str, domain: CustomDomain | None
    ) -> cloudfront.Distribution:
        files = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        api_origin = origins.HttpOrigin(
            api.domain_name,
            origin_path=f"/{api.stage_name}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            custom_headers={ORIGIN_VERIFY_HEADER: api.verify_token},
        )
        widget_cache = cloudfront.CachePolicy(
            self,
            "WidgetCache",
            comment="The widget script: at most five minutes old anywhere",
            min_ttl=Duration.seconds(0),
            default_ttl=WIDGET_MAX_AGE,
            max_ttl=WIDGET_MAX_AGE,
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        viewer_request = cloudfront.Function(
            self,
            "ViewerRequest",
            comment="/ to the dashboard; dashboard deep links answer with its index.html",
            code=cloudfront.FunctionCode.from_inline(_VIEWER_REQUEST),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        return cloudfront.Distribution(
            self,
            "Distribution",
            comment="ChatFlow360: dashboard, widget and API",
            web_acl_id=web_acl_arn,
            default_behavior=cloudfront.BehaviorOptions(
                origin=files,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,  # keys on gzip and brotli
                compress=True,
                response_headers_policy=self.headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=viewer_request, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors={
                f"{WIDGET_PREFIX}*": cloudfront.BehaviorOptions(
                    origin=files,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    cache_policy=widget_cache,
                    compress=True,
                    response_headers_policy=self.headers,
                ),
                "api/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    # A redirect would turn a POST into a GET: refuse plain HTTP instead.
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    # Everything the browser sent (Origin, Authorization, ...) but Host, which API
                    # Gateway must see as its own. The viewer's IP arrives last in X-Forwarded-For.
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.headers,
                ),
                WEBSOCKET_PATH.lstrip("/"): self._websocket_behavior(realtime),
                **self._media_behaviors(),
            },
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # Only meaningful with our own certificate; *.cloudfront.net's is fixed by AWS.
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if domain else None,
            domain_names=[domain.name] if domain else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", domain.certificate_arn) if domain else None
            ),
            enable_logging=True,
            log_bucket=self.logs_bucket,
            log_file_prefix="cloudfront/",
        )

    def _websocket_behavior(self, realtime: RealtimeOrigin) -> cloudfront.BehaviorOptions:
        rewrite = cloudfront.Function(
            self,
            "WebSocketPath",
            comment="/ws to the WebSocket API's stage",
            code=cloudfront.FunctionCode.from_inline(_websocket_rewrite(realtime.stage_name)),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        return cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(realtime.domain_name, protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # The handshake's Sec-WebSocket-* headers and the query string (credentials) go through.
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=self.headers,
            function_associations=[
                cloudfront.FunctionAssociation(function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)
            ],
        )

    def _build_deployment(self, source: SiteSource) -> s3deploy.BucketDeployment:
        name = source.prefix.strip("/").title() or "Root"
        return s3deploy.BucketDeployment(
            self,
            f"Deploy{name}",
            sources=[s3deploy.Source.asset(str(source.directory), exclude=[".*", *source.exclude])],
            destination_bucket=self.bucket,
            destination_key_prefix=source.prefix or None,
            cache_control=[s3deploy.CacheControl.from_string(source.cache_control)],
            distribution=self.distribution,
            distribution_paths=[f"/{source.prefix}*"],
            prune=source.prune,
            memory_limit=256,
        )

    def _acknowledge(self, domain: CustomDomain | None) -> None:
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "No geo restriction: visitors of our customers' websites come from anywhere.",
        )
        if domain is None:
            skip(
                self.distribution,
                "CKV_AWS_174",
                "Served on *.cloudfront.net, whose default certificate's security policy AWS fixes; with a custom "
                "domain (cdk.json webDomain) the distribution sets TLSv1.2_2021.",
            )
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "Served on *.cloudfront.net, whose default certificate fixes the protocol floor; with a custom "
                "domain (cdk.json webDomain) the distribution enforces TLSv1.2_2021.",
            )
