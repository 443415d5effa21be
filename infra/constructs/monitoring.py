"""Alarms to one SNS topic, and one CloudWatch dashboard for the whole environment.

Alarms cover what someone must act on: a function failing or throttled, the API answering 5xx, the
database running hot or out of connections, knowledge stuck in the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import EnvironmentSizing
from infra.constructs.service_function import METRICS_NAMESPACE, FunctionSpec

__all__ = ["Monitoring"]

_PERIOD = Duration.minutes(5)
API_5XX_THRESHOLD = 5  # per 5 minutes: one failure is a blip, five is an incident
DB_CPU_THRESHOLD = 80  # percent, for 15 minutes
DB_CONNECTIONS_RATIO = 0.8  # of max_connections at the largest size


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        sizing: EnvironmentSizing,
        functions: Mapping[str, lambda_.IFunction],
        api: apigw.RestApi,
        cluster: rds.IDatabaseCluster,
        max_connections: int,
        dead_letter_queues: Sequence[sqs.IQueue],
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = self._build_topic(sizing, alarm_email)
        self.alarms: list[cloudwatch.Alarm] = []
        self._build_function_alarms(functions)
        self._build_api_alarms(api)
        self._build_database_alarms(cluster, max_connections)
        self._build_queue_alarms(dead_letter_queues)
        self._build_listener_alarm()
        self.dashboard = self._build_dashboard(env_name, functions, api, cluster, dead_letter_queues)

    def _build_topic(self, sizing: EnvironmentSizing, alarm_email: str | None) -> sns.Topic:
        # CloudWatch cannot publish to a topic under the AWS-managed SNS key: a key of our own lets it.
        key = kms.Key(
            self,
            "TopicKey",
            description="ChatFlow360 alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN if sizing.protect_data else RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(self, "Alarms", display_name="ChatFlow360 alarms", master_key=key, enforce_ssl=True)
        if alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        return topic

    def _alarm(
        self,
        construct_id: str,
        *,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        evaluation_periods: int,
        comparison_operator: cloudwatch.ComparisonOperator,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=comparison_operator,
            # No data means no traffic, not trouble.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms.append(alarm)
        return alarm

    def _build_function_alarms(self, functions: Mapping[str, lambda_.IFunction]) -> None:
        for name, function in functions.items():
            self._alarm(
                f"{name.title()}Errors",
                description=f"functions/{name} raised errors (unhandled exceptions or timeouts)",
                metric=function.metric_errors(period=_PERIOD, statistic="Sum"),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            )
            self._alarm(
                f"{name.title()}Throttles",
                description=f"functions/{name} was throttled: concurrency limit reached",
                metric=function.metric_throttles(period=_PERIOD, statistic="Sum"),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            )

    def _build_api_alarms(self, api: apigw.RestApi) -> None:
        self._alarm(
            "Api5xx",
            description="The widget API answered 5xx",
            metric=api.metric_server_error(period=_PERIOD, statistic="Sum"),
            threshold=API_5XX_THRESHOLD,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        )

    def _build_database_alarms(self, cluster: rds.IDatabaseCluster, max_connections: int) -> None:
        self._alarm(
            "DatabaseCpu",
            description=f"Aurora CPU above {DB_CPU_THRESHOLD}% for 15 minutes: raise the maximum ACUs",
            metric=cluster.metric_cpu_utilization(period=_PERIOD, statistic="Average"),
            threshold=DB_CPU_THRESHOLD,
            evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        threshold = int(max_connections * DB_CONNECTIONS_RATIO)
        self._alarm(
            "DatabaseConnections",
            description=f"Aurora connections above {threshold} ({DB_CONNECTIONS_RATIO:.0%} of max_connections)",
            metric=cluster.metric_database_connections(period=_PERIOD, statistic="Maximum"),
            threshold=threshold,
            evaluation_periods=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )

    def _build_queue_alarms(self, dead_letter_queues: Sequence[sqs.IQueue]) -> None:
        for index, queue in enumerate(dead_letter_queues, start=1):
            self._alarm(
                f"DeadLetters{index}",
                description="Messages reached a dead-letter queue: look, fix, redrive",
                metric=queue.metric_approximate_number_of_messages_visible(period=_PERIOD, statistic="Maximum"),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            )

    def _build_listener_alarm(self) -> None:
        # Counted by functions/dispatch (Powertools' EMF, dimension `service`) when a listener fails
        # for the last time: an event some side effect (an email, a live update) was given up for.
        self._alarm(
            "ListenerFailed",
            description="A listener of domain events gave up (see listener_runs.failed_at and the dispatch logs)",
            metric=cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="ListenerFailed",
                dimensions_map={"service": FunctionSpec("dispatch", "").service_name},
                period=_PERIOD,
                statistic="Sum",
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        )

    def _build_dashboard(
        self,
        env_name: str,
        functions: Mapping[str, lambda_.IFunction],
        api: apigw.RestApi,
        cluster: rds.IDatabaseCluster,
        dead_letter_queues: Sequence[sqs.IQueue],
    ) -> cloudwatch.Dashboard:
        def per_function(title: str, metric: str, statistic: str) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(
                title=title,
                width=8,
                left=[
                    function.metric(metric, period=_PERIOD, statistic=statistic, label=name)
                    for name, function in functions.items()
                ],
            )

        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"ChatFlow360-{env_name}")
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24, height=4),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Widget API requests",
                width=8,
                left=[api.metric_count(period=_PERIOD, statistic="Sum", label="requests")],
                right=[
                    api.metric_client_error(period=_PERIOD, statistic="Sum", label="4xx"),
                    api.metric_server_error(period=_PERIOD, statistic="Sum", label="5xx"),
                ],
            ),
            cloudwatch.GraphWidget(
                title="Widget API latency (ms)",
                width=8,
                left=[
                    api.metric_latency(period=_PERIOD, statistic="p50", label="p50"),
                    api.metric_latency(period=_PERIOD, statistic="p99", label="p99"),
                ],
            ),
            per_function("Function errors", "Errors", "Sum"),
        )
        dashboard.add_widgets(
            per_function("Invocations", "Invocations", "Sum"),
            per_function("Duration p95 (ms)", "Duration", "p95"),
            per_function("Throttles", "Throttles", "Sum"),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Database CPU (%) and capacity (ACU)",
                width=8,
                left=[cluster.metric_cpu_utilization(period=_PERIOD, statistic="Average", label="CPU")],
                right=[cluster.metric("ServerlessDatabaseCapacity", period=_PERIOD, statistic="Average", label="ACU")],
            ),
            cloudwatch.GraphWidget(
                title="Database connections",
                width=8,
                left=[cluster.metric_database_connections(period=_PERIOD, statistic="Maximum", label="connections")],
            ),
            cloudwatch.GraphWidget(
                title="Dead letters",
                width=8,
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=_PERIOD, statistic="Maximum")
                    for queue in dead_letter_queues
                ],
            ),
        )
        return dashboard
