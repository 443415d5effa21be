"""One Lambda function of functions/<name>/ with everything it owns: its role, its log group, its
security group, and exactly the environment and permissions its spec asks for."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Annotations, CfnElement, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import EnvironmentSizing
from infra.constructs.checkov import skip
from infra.constructs.database import POSTGRES_PORT
from infra.constructs.email import NotificationEmail
from infra.constructs.layer import ARCHITECTURE, RUNTIME, function_code
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.nag import acknowledge
from infra.constructs.realtime import REALTIME_STAGE_NAME, RealtimeApi
from infra.functions import FUNCTIONS_DIR

__all__ = [
    "LIVE_ALIAS",
    "OPERATOR_ADMIN_ACTIONS",
    "DatabaseAccess",
    "FunctionSpec",
    "ServiceFunction",
    "SharedServices",
]

METRICS_NAMESPACE = "ChatFlow360"
# The alias every trigger (API Gateway, the WebSocket API, SQS, EventBridge) invokes: SnapStart works on
# published versions only, and each deploy that changes a function publishes a new one and moves this.
LIVE_ALIAS = "live"
# What chatflow.auth.cognito does with IAM credentials; sign-in, refresh, sign-out and password
# resets are Cognito's public client API and need no permission.
OPERATOR_ADMIN_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminDisableUser",
)


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """What a function needs; anything not asked for here, it does not get."""

    name: str  # the folder under functions/
    description: str
    memory_mb: int = 512
    timeout: Duration = field(default_factory=lambda: Duration.seconds(10))
    # Decrypts (and, for the dashboard, encrypts) organisations' and the platform's OpenAI keys.
    reads_encryption_key: bool = False
    # Notification mail (handoffs, over-limit notices, invitations): SES from our identity only.
    sends_email: bool = False
    # Checks operators' Cognito access tokens (COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID; no permission).
    verifies_operator_tokens: bool = False
    # Invites, enables, disables and deletes operators in the Cognito user pool.
    manages_operators: bool = False
    # Publishes live updates to WebSocket connections (WEBSOCKET_MANAGEMENT_URL, ManageConnections).
    publishes_live: bool = False
    # Lambda SnapStart (see `ServiceFunction.invocable`); off only where an initialisation per
    # invocation is what happens anyway (the migration trigger runs once per deploy).
    snap_start: bool = True

    @property
    def service_name(self) -> str:
        return f"chatflow-{self.name.replace('_', '-')}"


@dataclass(frozen=True, slots=True)
class DatabaseAccess:
    """Where a function reaches PostgreSQL: the proxy for the API, the cluster for migrations."""

    host: str
    name: str
    secret: secretsmanager.ISecret
    # What the function's security group must be allowed to reach on POSTGRES_PORT.
    endpoint: ec2.IConnectable


@dataclass(frozen=True, slots=True)
class SharedServices:
    """What a spec may ask for beyond the database."""

    encryption_key: secretsmanager.ISecret
    email: NotificationEmail
    user_pool: cognito.IUserPool
    user_pool_client: cognito.IUserPoolClient


class ServiceFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        layer: lambda_.ILayerVersion,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        database: DatabaseAccess,
        sizing: EnvironmentSizing,
        services: SharedServices | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if services is None and (
            spec.reads_encryption_key or spec.sends_email or spec.manages_operators or spec.verifies_operator_tokens
        ):
            raise ValueError(f"{spec.name} asks for shared services but none were given")
        self.spec = spec
        self.role = self._build_role()
        self.log_group = self._build_log_group(sizing)
        self.security_group = self._build_security_group(vpc)
        self.function = lambda_.Function(
            self,
            "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.lambda_handler",
            code=function_code(FUNCTIONS_DIR / spec.name),
            layers=[layer],
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[self.security_group],
            environment=self._base_environment(spec, database, sizing),
            # Lambda initialises the function once per published version and resumes new execution
            # environments from a snapshot of it: the cold start's imports are paid at deploy time.
            # chatflow.snapstart closes the pool and re-seeds `random` around the snapshot.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if spec.snap_start else None,
            # A replaced version is deleted, not retained (CDK's default): each version's snapshot is
            # billed for as long as the version exists.
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
        )
        # What the triggers invoke: with SnapStart, the alias of the version published from this very
        # configuration (current_version hashes it, so a change publishes a new version and moves the
        # alias; $LATEST is never snapshotted); without, the function itself.
        self.invocable: lambda_.IFunction = (
            lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version)
            if spec.snap_start
            else self.function
        )
        if spec.snap_start:  # the CDK warns of SnapStart on any function whose versions it cannot see
            Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "the alias Live invokes the version current_version publishes from this configuration",
            )
        skip(
            self.function,
            "CKV_AWS_173",
            "The environment holds no secret (keys and credentials are Secrets Manager ARNs, read at cold start); "
            "Lambda encrypts it at rest with its own key.",
        )
        skip(
            self.function,
            "CKV_AWS_116",
            "Invoked synchronously (API Gateway, the WebSocket API, a trigger) or by an SQS event source whose "
            "queue has its own dead-letter queue: a function DLQ would never receive anything.",
        )
        skip(
            self.function,
            "CKV_AWS_115",
            "No reserved concurrency: reserving it per function would carve up the account's pool and cap the "
            "visitor-facing functions below their bursts; API Gateway's stage throttling and the web ACLs bound "
            "the load instead.",
        )
        self._grant_database(database)
        if services is not None:
            self._wire_services(spec, services)
        self._acknowledge_unavoidable_wildcards()

    @property
    def needs_dashboard_url(self) -> bool:
        """Mail and invitations link to the dashboard; the dashboard API also shows embed snippets."""
        return self.spec.sends_email or self.spec.manages_operators

    def set_dashboard_url(self, url: str) -> None:
        if self.needs_dashboard_url:
            self.function.add_environment("DASHBOARD_URL", url)

    def connect_realtime(self, realtime: RealtimeApi) -> None:
        """Once the WebSocket API exists (its routes need the functions first)."""
        if not self.spec.publishes_live:
            return
        self.function.add_environment("WEBSOCKET_MANAGEMENT_URL", realtime.management_url)
        realtime.grant_publish(self.role)
        stack = Stack.of(self)
        api = realtime.api.node.default_child
        assert isinstance(api, CfnElement)
        # cdk-nag names the finding after the ARN as rendered: a literal partition, the API's logical id.
        partition = "<AWS::Partition>" if Token.is_unresolved(stack.partition) else stack.partition
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::arn:{partition}:execute-api:{stack.region}:{stack.account}:"
            f"<{stack.get_logical_id(api)}>/{REALTIME_STAGE_NAME}/*/@connections/*]",
            "Connections are created by visitors and operators at run time: any connection of this API's stage, "
            "and nothing else, is what publishing needs.",
        )

    def _build_role(self) -> iam.Role:
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"functions/{self.spec.name} only",
        )
        # What AWSLambdaVPCAccessExecutionRole grants, minus its logs:* on every log group. Lambda
        # creates and deletes the function's network interfaces with this role: the writes on this
        # account's EC2 resources in this region only (the form Lambda's documentation gives; an ENI's
        # id is not known before Lambda makes it), the two descriptions on "*", the only resource
        # they accept.
        stack = Stack.of(self)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
                resources=["*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=[f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:*/*"],
            )
        )
        return role

    def _build_log_group(self, sizing: EnvironmentSizing) -> logs.LogGroup:
        log_group = encrypted_log_group(self, "Logs", sizing=sizing)
        log_group.grant_write(self.role)
        return log_group

    def _build_security_group(self, vpc: ec2.IVpc) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"functions/{self.spec.name}: HTTPS out, PostgreSQL to its database endpoint",
            allow_all_outbound=False,
        )
        # AWS APIs (Secrets Manager, SES, Cognito) and OpenAI; nothing leaves on any other port.
        group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and OpenAI")
        return group

    def _grant_secret_read(self, secret: secretsmanager.ISecret) -> None:
        """GetSecretValue on this one secret, and its KMS key only through Secrets Manager.

        Written out rather than `secret.grant_read`: that grant would also name this role in the
        key's policy, in the data stack, making the data stack depend on this one. The key's policy
        already delegates to IAM in the account.
        """
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[secret.secret_arn],
            )
        )
        if secret.encryption_key is not None:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[secret.encryption_key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{Stack.of(self).region}.amazonaws.com"}
                    },
                )
            )

    def _grant_database(self, database: DatabaseAccess) -> None:
        self._grant_secret_read(database.secret)
        # Called from the function's side on purpose: the proxy's ingress rule then lives in this
        # (the consuming) stack, and the data stack never depends on the app stack.
        self.function.connections.allow_to(database.endpoint, ec2.Port.tcp(POSTGRES_PORT), "PostgreSQL")

    def _wire_services(self, spec: FunctionSpec, services: SharedServices) -> None:
        if spec.reads_encryption_key:
            self._grant_secret_read(services.encryption_key)
            self.function.add_environment("ENCRYPTION_KEY_SECRET_ARN", services.encryption_key.secret_arn)
        if spec.sends_email:
            services.email.grant_send(self.role)
            self.function.add_environment("SES_SENDER", services.email.sender)
        if spec.manages_operators:
            services.user_pool.grant(self.role, *OPERATOR_ADMIN_ACTIONS)
        if spec.manages_operators or spec.verifies_operator_tokens:
            self.function.add_environment("COGNITO_USER_POOL_ID", services.user_pool.user_pool_id)
            self.function.add_environment("COGNITO_CLIENT_ID", services.user_pool_client.user_pool_client_id)

    @staticmethod
    def _base_environment(spec: FunctionSpec, database: DatabaseAccess, sizing: EnvironmentSizing) -> dict[str, str]:
        # Names and ARNs only: secrets are read from Secrets Manager at cold start (chatflow.secrets).
        return {
            "POWERTOOLS_SERVICE_NAME": spec.service_name,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": sizing.log_level,
            "ALLOW_OFFLINE_AI": "false",
            "DATABASE_HOST": database.host,
            "DATABASE_PORT": str(POSTGRES_PORT),
            "DATABASE_NAME": database.name,
            "DATABASE_SECRET_ARN": database.secret.secret_arn,
            "DB_SSLMODE": "require",
            # Behind RDS Proxy, prepared statements and startup options pin a client to one database
            # connection; the cluster's parameter group sets the timezone and statement timeout instead.
            "DB_PREPARE_STATEMENTS": "false",
            "DB_SESSION_OPTIONS": "false",
            # Every request reaches the API through CloudFront, which appends the viewer's address to
            # X-Forwarded-For: the rate limits count that address, not CloudFront's.
            "TRUSTED_PROXIES": "1",
        }

    def _acknowledge_unavoidable_wildcards(self) -> None:
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeNetworkInterfaces/DescribeSubnets (Lambda's VPC ENIs) and "
            "xray:PutTraceSegments/PutTelemetryRecords (active tracing) do not support resource-level "
            "permissions; every other statement names its resource.",
        )
        stack = Stack.of(self)
        partition = "<AWS::Partition>" if Token.is_unresolved(stack.partition) else stack.partition
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::arn:{partition}:ec2:{stack.region}:{stack.account}:*/*]",
            "Lambda makes and removes the function's network interfaces with its role; their ids are not known "
            "before, so the writes are limited to this account's EC2 resources in this region, as Lambda's "
            "documentation gives them.",
        )
        skip(
            self.role.node.find_child("DefaultPolicy"),
            "CKV_AWS_111",
            'The only write actions on "*" are xray:PutTraceSegments and xray:PutTelemetryRecords (active '
            "tracing), which accept no resource; the network interfaces' writes are limited to this account's "
            "EC2 resources in this region, every other statement names its resource.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Python 3.12 on purpose: the common layer's wheels are built for cp312 "
            "(infra/constructs/layer.py); the runtime and the layer move together.",
        )
