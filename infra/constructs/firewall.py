"""Two AWS WAF web ACLs, one per place a request can enter.

Browsers reach the API through CloudFront (the widget calls the origin it was loaded from), so
the viewer's IP is only known at the edge: the per-IP rate limit and the managed rule groups live
in a CLOUDFRONT web ACL. Behind CloudFront every request comes from a CloudFront address, so the
REGIONAL web ACL on the API stage does one thing: it refuses whatever did not come through our
distribution (a secret header only CloudFront adds), so nobody can skip the edge's limits by
calling execute-api directly.
"""

from __future__ import annotations

import json

from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.constructs.checkov import skip

__all__ = ["ORIGIN_VERIFY_HEADER", "EdgeFirewall", "OriginGuard"]

# Added by CloudFront to every request it forwards to the API (infra.constructs.static_site).
ORIGIN_VERIFY_HEADER = "x-origin-verify"
_CLOUDFRONT_REGION = "us-east-1"


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _error_body(code: str, message: str) -> wafv2.CfnWebACL.CustomResponseBodyProperty:
    # The API's own error shape, {"error": {"code", "message"}}, so the widget reads it like any other.
    return wafv2.CfnWebACL.CustomResponseBodyProperty(
        content_type="APPLICATION_JSON", content=json.dumps({"error": {"code": code, "message": message}})
    )


def _managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(vendor_name="AWS", name=name)
        ),
        visibility_config=_visibility(name),
    )


class EdgeFirewall(Construct):
    """The CLOUDFRONT web ACL: per-IP rate limit on /api/, IP reputation and known bad inputs."""

    def __init__(
        self, scope: Construct, construct_id: str, *, env_name: str, requests_per_ip_per_5_minutes: int
    ) -> None:
        super().__init__(scope, construct_id)
        if Stack.of(self).region != _CLOUDFRONT_REGION:
            # CloudFront only accepts web ACLs (and certificates) made in us-east-1.
            raise ValueError(f"the edge web ACL must be created in {_CLOUDFRONT_REGION}")
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"chatflow360-{env_name}-edge",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("Edge"),
            custom_response_bodies={
                "rate_limited": _error_body(
                    "rate_limited", "Too many requests from this address; retry in a few minutes."
                )
            },
            rules=[
                self._rate_per_ip(requests_per_ip_per_5_minutes),
                # Low false-positive groups only. The Core rule set is left out on purpose: its
                # cross-site-scripting and SQL body rules would block visitors who paste code or SQL
                # into a chat message, and the API never renders or interpolates message text.
                _managed("AWSManagedRulesAmazonIpReputationList", 1),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
            ],
        )

    @staticmethod
    def _rate_per_ip(limit: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name="RatePerIp",
            priority=0,
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP",
                    limit=limit,
                    evaluation_window_sec=300,
                    # Only API calls count: the dashboard's and widget's files are cached at the edge.
                    scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                            positional_constraint="STARTS_WITH",
                            search_string="/api/",
                            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
                        )
                    ),
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=429,
                        custom_response_body_key="rate_limited",
                        response_headers=[
                            # Readable by the widget on a customer's page, and told when to retry.
                            wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Access-Control-Allow-Origin", value="*"),
                            wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Retry-After", value="300"),
                        ],
                    )
                )
            ),
            visibility_config=_visibility("RatePerIp"),
        )


class OriginGuard(Construct):
    """The REGIONAL web ACL on the API stage: only requests that came through CloudFront pass."""

    def __init__(self, scope: Construct, construct_id: str, *, env_name: str, stage: apigw.Stage, token: str) -> None:
        super().__init__(scope, construct_id)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"chatflow360-{env_name}-api-origin",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("ApiOrigin"),
            custom_response_bodies={
                "not_through_cloudfront": _error_body("forbidden", "Call the API through its public address.")
            },
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="OnlyThroughCloudFront",
                    priority=0,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        not_statement=wafv2.CfnWebACL.NotStatementProperty(
                            statement=wafv2.CfnWebACL.StatementProperty(
                                byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                                        single_header={"Name": ORIGIN_VERIFY_HEADER}
                                    ),
                                    positional_constraint="EXACTLY",
                                    search_string=token,
                                    text_transformations=[
                                        wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                                    ],
                                )
                            )
                        )
                    ),
                    action=wafv2.CfnWebACL.RuleActionProperty(
                        block=wafv2.CfnWebACL.BlockActionProperty(
                            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                                response_code=403, custom_response_body_key="not_through_cloudfront"
                            )
                        )
                    ),
                    visibility_config=_visibility("OnlyThroughCloudFront"),
                )
            ],
        )
        skip(
            self.web_acl,
            "CKV_AWS_192",
            "This ACL only admits requests through CloudFront; the edge web ACL in front of it runs "
            "AWSManagedRulesKnownBadInputsRuleSet (Log4j's lookups included) on every request first.",
        )
        association = wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
        # The stage ARN is built from names, not a reference: wait for the stage to exist.
        association.node.add_dependency(stage)
