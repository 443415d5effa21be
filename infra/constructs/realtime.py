"""Live updates: the WebSocket API, its routes from infra.routes.WEBSOCKET_ROUTES, and what a
function needs to publish to its connections (the management URL and ManageConnections).

Browsers connect to `wss://<site>/ws` (CloudFront, infra.constructs.static_site), as to the local
gateway's /ws. API Gateway cannot put a WAF web ACL on a WebSocket API: $connect authenticates in
functions/realtime, and the stage is throttled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import jsii
from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import EnvironmentSizing
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.nag import acknowledge
from infra.routes import WebSocketRoute

__all__ = ["REALTIME_STAGE_NAME", "RealtimeApi"]

REALTIME_STAGE_NAME = "v1"


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        # WebSocket APIs have their own context variables (no httpMethod or resourcePath); never a
        # message body.
        return apigw.AccessLogFormat.custom(
            json.dumps(
                {
                    "requestId": "$context.requestId",
                    "ip": "$context.identity.sourceIp",
                    "requestTime": "$context.requestTime",
                    "routeKey": "$context.routeKey",
                    "eventType": "$context.eventType",
                    "status": "$context.status",
                    "connectionId": "$context.connectionId",
                    "integrationError": "$context.integrationErrorMessage",
                }
            )
        )


class RealtimeApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: Iterable[WebSocketRoute],
        route_selection: str,
        handlers: Mapping[str, lambda_.IFunction],
        sizing: EnvironmentSizing,
        env_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=f"chatflow360-{env_name}-realtime",
            description="ChatFlow360 live updates (infra/routes.py WEBSOCKET_ROUTES)",
            route_selection_expression=route_selection,
        )
        for route in routes:
            self.api.add_route(
                route.route_key,
                integration=integrations.WebSocketLambdaIntegration(
                    f"{route.route_key.strip('$').title()}Integration", handlers[route.function]
                ),
            )
        access_logs = encrypted_log_group(self, "AccessLogs", sizing=sizing)
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=REALTIME_STAGE_NAME,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=sizing.api_rate_limit, burst_limit=sizing.api_burst_limit),
            access_log_settings=_AccessLogs(access_logs),
        )
        self._acknowledge()

    @property
    def domain_name(self) -> str:
        return f"{self.api.api_id}.execute-api.{Stack.of(self).region}.{Stack.of(self).url_suffix}"

    @property
    def management_url(self) -> str:
        """WEBSOCKET_MANAGEMENT_URL: the @connections endpoint's base, https://{api}.execute-api…/{stage}.

        Built from the API's id and the stage's name, not from the stage resource: the stage deploys
        the routes, whose integrations are the functions that read this URL.
        """
        return f"https://{self.domain_name}/{REALTIME_STAGE_NAME}"

    def grant_publish(self, role: iam.IRole) -> None:
        """execute-api:ManageConnections on this API's stage only: post to, read and drop connections."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["execute-api:ManageConnections"],
                resources=[
                    Stack.of(self).format_arn(
                        service="execute-api",
                        resource=self.api.api_id,
                        resource_name=f"{REALTIME_STAGE_NAME}/*/@connections/*",
                    )
                ],
            )
        )

    def _acknowledge(self) -> None:
        acknowledge(
            self.api,
            "AwsSolutions-APIG4",
            "$connect authenticates in functions/realtime: an operator's Cognito token, or a widget's publicKey, "
            "visitorId and conversationId; a refused handshake opens no socket. Other routes only run on "
            "connections $connect accepted.",
        )
