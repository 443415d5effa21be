"""The REST API: resources and methods from infra.routes and from nothing else, a throttled stage
with access logs, and API Gateway's own errors in the API's error shape.

Browsers reach it through CloudFront under /api/ (infra.constructs.static_site); the stage keeps
the name STAGE_NAME, which the distribution uses as its origin path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import EnvironmentSizing
from infra.constructs.checkov import skip
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.nag import acknowledge
from infra.routes import Route

__all__ = ["STAGE_NAME", "Api"]

STAGE_NAME = "v1"


def _error_body(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}})


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: Iterable[Route],
        cors_methods: Iterable[str],
        cors_headers: Iterable[str],
        handlers: Mapping[str, lambda_.IFunction],
        sizing: EnvironmentSizing,
        env_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = encrypted_log_group(self, "AccessLogs", sizing=sizing)
        self.rest_api = self._build_rest_api(sizing, env_name)
        skip(
            self.rest_api.deployment_stage,
            "CKV_AWS_120",
            "No response caching: every answer is a visitor's or an operator's own (their conversation, their "
            "organisation), and the writes are POSTs; a cache would serve one caller's data to another.",
        )
        self._build_routes(tuple(routes), tuple(cors_methods), tuple(cors_headers), handlers)
        self._build_gateway_responses()
        self._acknowledge()

    @property
    def stage(self) -> apigw.Stage:
        return self.rest_api.deployment_stage

    def _build_rest_api(self, sizing: EnvironmentSizing, env_name: str) -> apigw.RestApi:
        return apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"chatflow360-{env_name}",
            description="ChatFlow360 API: the widget's and the dashboard's (infra/routes.py)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            min_compression_size=Size.kibibytes(1),
            # Execution logs (errors only) need the account-wide API Gateway → CloudWatch role.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=sizing.api_rate_limit,
                throttling_burst_limit=sizing.api_burst_limit,
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # would log request and response bodies: visitors' messages
                metrics_enabled=False,  # per-method metrics are billed; the API-wide ones suffice
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
        )

    def _build_routes(
        self,
        routes: tuple[Route, ...],
        cors_methods: tuple[str, ...],
        cors_headers: tuple[str, ...],
        handlers: Mapping[str, lambda_.IFunction],
    ) -> None:
        for route in routes:
            method = self.rest_api.root.resource_for_path(route.path).add_method(
                route.method,
                apigw.LambdaIntegration(handlers[route.function], allow_test_invoke=False),
            )
            skip(
                method,
                "CKV_AWS_59",
                "Public by design: the widget API is keyed by a channel's public key and a visitor id, the "
                "dashboard API checks Cognito tokens itself, and the providers' webhooks their signatures; the "
                "stage only admits requests through CloudFront (the origin guard's web ACL).",
            )
        # Preflight only where a route lives: no OPTIONS on bare intermediate paths like /api.
        for path in dict.fromkeys(route.path for route in routes):
            self.rest_api.root.resource_for_path(path).add_cors_preflight(
                allow_origins=apigw.Cors.ALL_ORIGINS,
                allow_methods=list(cors_methods),
                allow_headers=list(cors_headers),
                max_age=Duration.minutes(10),
            )

    def _build_gateway_responses(self) -> None:
        """Errors API Gateway answers itself, in the API's error shape and readable cross-origin."""
        cors = {"Access-Control-Allow-Origin": "'*'"}
        self.rest_api.add_gateway_response(
            "Throttled",
            type=apigw.ResponseType.THROTTLED,
            status_code="429",
            response_headers={**cors, "Retry-After": "'1'"},
            templates={"application/json": _error_body("rate_limited", "Too many requests; retry in a moment.")},
        )
        # An unknown path is a 404, as on the local gateway, not API Gateway's 403.
        self.rest_api.add_gateway_response(
            "UnknownRoute",
            type=apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
            status_code="404",
            response_headers=cors,
            templates={"application/json": _error_body("not_found", "No such route.")},
        )
        self.rest_api.add_gateway_response(
            "Default4xx",
            type=apigw.ResponseType.DEFAULT_4_XX,
            response_headers=cors,
            templates={
                "application/json": '{"error": {"code": "bad_request", "message": $context.error.messageString}}'
            },
        )
        self.rest_api.add_gateway_response(
            "Default5xx",
            type=apigw.ResponseType.DEFAULT_5_XX,
            response_headers=cors,
            templates={
                "application/json": _error_body("service_unavailable", "The service is not available right now.")
            },
        )

    def _acknowledge(self) -> None:
        reason = (
            "Authorised in the functions, as on the local gateway: the widget's calls by the channel's publicKey "
            "plus the visitor's id, the dashboard's by the Cognito JWT that chatflow.auth verifies. Only requests "
            "through CloudFront reach the stage (infra.constructs.firewall), rate-limited per IP there."
        )
        acknowledge(self.rest_api, "AwsSolutions-APIG4", reason)
        acknowledge(self.rest_api, "AwsSolutions-COG4", reason)
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG2",
            "Requests are validated in the functions (pydantic models), so the local gateway and AWS answer a "
            "malformed request identically, in the API's own error shape.",
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-wide logging role; AWS maintains exactly the permissions it needs.",
        )
