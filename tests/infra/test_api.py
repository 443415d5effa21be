"""The API in AWS is built from infra.routes and from nothing else, and only CloudFront reaches it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.routes import CORS_HEADERS, CORS_METHODS, ROUTES, WEBSOCKET_ROUTE_SELECTION, WEBSOCKET_ROUTES
from tests.infra.conftest import Synthesized
from tests.infra.support import api_methods, live_alias, props, referenced_logical_ids, resources


@pytest.fixture(scope="module")
def template(dev: Synthesized) -> Template:
    return dev.app_stack


def _web_acl(template: Template, scope: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, acl)] = [
        (i, a) for i, a in resources(template, "AWS::WAFv2::WebACL").items() if props(a)["Scope"] == scope
    ]
    return logical_id, props(acl)


def test_every_route_in_the_table_is_a_method_and_nothing_else_is(template: Template) -> None:
    methods = {(method, path) for method, path, _ in api_methods(template) if method != "OPTIONS"}

    assert methods == {(route.method, route.path) for route in ROUTES}


def test_each_route_invokes_its_own_function_through_a_proxy_integration(template: Template) -> None:
    by_route = {(method, path): resource for method, path, resource in api_methods(template)}
    for route in ROUTES:
        integration = props(by_route[(route.method, route.path)])["Integration"]

        assert integration["Type"] == "AWS_PROXY"
        # Its live alias, whose published version SnapStart restores; never $LATEST.
        assert referenced_logical_ids(integration["Uri"]) == {live_alias(template, route.function)}


def test_preflight_answers_on_route_paths_only_with_the_tables_methods_and_headers(template: Template) -> None:
    preflights = {path: method for verb, path, method in api_methods(template) if verb == "OPTIONS"}

    assert set(preflights) == {route.path for route in ROUTES}
    for method in preflights.values():
        headers = props(method)["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Methods"] == f"'{','.join(CORS_METHODS)}'"
        assert headers["method.response.header.Access-Control-Allow-Headers"] == f"'{','.join(CORS_HEADERS)}'"
        assert headers["method.response.header.Access-Control-Allow-Origin"] == "'*'"


def test_the_stage_is_throttled_traced_and_access_logged(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "v1",
            "TracingEnabled": True,
            "AccessLogSetting": {"DestinationArn": Match.any_value(), "Format": Match.string_like_regexp("sourceIp")},
            "MethodSettings": [
                Match.object_like(
                    {
                        "ThrottlingRateLimit": 50,
                        "ThrottlingBurstLimit": 100,
                        "LoggingLevel": "ERROR",
                        # Request and response bodies are visitors' messages: never in the logs.
                        "DataTraceEnabled": False,
                    }
                )
            ],
        },
    )


def test_the_stage_web_acl_refuses_what_did_not_come_through_cloudfront(template: Template) -> None:
    acl_id, acl = _web_acl(template, "REGIONAL")
    [rule] = acl["Rules"]
    match = rule["Statement"]["NotStatement"]["Statement"]["ByteMatchStatement"]
    association = props(next(iter(resources(template, "AWS::WAFv2::WebACLAssociation").values())))
    stage_id = next(iter(resources(template, "AWS::ApiGateway::Stage")))
    secret_id = next(iter(referenced_logical_ids(match["SearchString"])))

    assert match["FieldToMatch"] == {"SingleHeader": {"Name": "x-origin-verify"}}
    assert match["PositionalConstraint"] == "EXACTLY"
    # A dynamic reference resolved by CloudFormation: the token is never in the template.
    assert match["SearchString"]["Fn::Join"][1][0] == "{{resolve:secretsmanager:"
    assert resources(template, "AWS::SecretsManager::Secret")[secret_id]
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 403
    assert acl_id in referenced_logical_ids(association["WebACLArn"])
    assert stage_id in referenced_logical_ids(association["ResourceArn"])


def test_the_edge_web_acl_limits_each_viewer_ip_on_the_api(template: Template) -> None:
    acl_id, acl = _web_acl(template, "CLOUDFRONT")
    rate_rule = next(rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"])
    rate = rate_rule["Statement"]["RateBasedStatement"]
    distribution = props(next(iter(resources(template, "AWS::CloudFront::Distribution").values())))

    assert (rate["AggregateKeyType"], rate["Limit"], rate["EvaluationWindowSec"]) == ("IP", 500, 300)
    assert rate["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"] == "/api/"
    assert rate_rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert acl_id in referenced_logical_ids(distribution["DistributionConfig"]["WebACLId"])


def test_the_edge_leaves_out_rules_that_would_block_code_pasted_into_a_chat(template: Template) -> None:
    _, acl = _web_acl(template, "CLOUDFRONT")
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }

    assert "AWSManagedRulesCommonRuleSet" not in managed
    assert "AWSManagedRulesAmazonIpReputationList" in managed


def test_errors_api_gateway_answers_itself_keep_the_apis_error_shape(template: Template) -> None:
    responses = {
        props(r)["ResponseType"]: props(r) for r in resources(template, "AWS::ApiGateway::GatewayResponse").values()
    }

    throttled = responses["THROTTLED"]
    assert throttled["StatusCode"] == "429"
    assert json.loads(throttled["ResponseTemplates"]["application/json"])["error"]["code"] == "rate_limited"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    for response in responses.values():
        assert response["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"


def test_prod_allows_more_traffic_per_ip_than_dev(prod: Synthesized) -> None:
    _, acl = _web_acl(prod.app_stack, "CLOUDFRONT")
    rate_rule = next(rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"])

    assert rate_rule["Statement"]["RateBasedStatement"]["Limit"] == 2000


def test_every_websocket_route_in_the_table_is_a_route_and_nothing_else_is(template: Template) -> None:
    integrations = resources(template, "AWS::ApiGatewayV2::Integration")
    routes: dict[str, Any] = {}
    for resource in resources(template, "AWS::ApiGatewayV2::Route").values():
        integration_id = next(iter(referenced_logical_ids(props(resource)["Target"])))
        routes[props(resource)["RouteKey"]] = props(integrations[integration_id])["IntegrationUri"]
    api = props(next(iter(resources(template, "AWS::ApiGatewayV2::Api").values())))

    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == WEBSOCKET_ROUTE_SELECTION
    assert set(routes) == {route.route_key for route in WEBSOCKET_ROUTES}
    for route in WEBSOCKET_ROUTES:
        assert live_alias(template, route.function) in referenced_logical_ids(routes[route.route_key])


def test_the_websocket_stage_is_throttled_and_logged_without_bodies(template: Template) -> None:
    stage = props(next(iter(resources(template, "AWS::ApiGatewayV2::Stage").values())))

    assert stage["StageName"] == "v1"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}
    assert json.loads(stage["AccessLogSettings"]["Format"])["routeKey"] == "$context.routeKey"


def test_metas_webhooks_reach_their_own_function_for_the_handshake_and_the_messages(template: Template) -> None:
    by_route = {(method, path): resource for method, path, resource in api_methods(template)}
    alias_id = live_alias(template, "meta_webhooks")
    for kind in ("whatsapp", "messenger"):
        for method in ("GET", "POST"):  # Meta's verification handshake, then its signed webhooks
            integration = props(by_route[(method, f"/api/webhooks/{kind}")])["Integration"]

            assert alias_id in referenced_logical_ids(integration["Uri"])
