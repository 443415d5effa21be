"""Everything that runs code or serves the product and holds no data of its own: the functions and
their layer, the REST and WebSocket APIs, the CloudFront origin with the dashboard and the widget,
both web ACLs, the schedules and the ingest queue, notification mail, alarms and the dashboard of
metrics.

The site lives here rather than in a stack of its own because the two depend on each other: the
distribution forwards /api/ to this API, and the functions put the distribution's address in the
mail they send (DASHBOARD_URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.constructs.api import STAGE_NAME, Api
from infra.constructs.attachments import AttachmentStore
from infra.constructs.checkov import skip
from infra.constructs.database import DATABASE_NAME, Database
from infra.constructs.email import NotificationEmail
from infra.constructs.firewall import EdgeFirewall, OriginGuard
from infra.constructs.jobs import Jobs
from infra.constructs.layer import CommonLayer
from infra.constructs.migration import Migrations
from infra.constructs.monitoring import Monitoring
from infra.constructs.nag import acknowledge
from infra.constructs.network import Network
from infra.constructs.realtime import REALTIME_STAGE_NAME, RealtimeApi
from infra.constructs.service_function import DatabaseAccess, FunctionSpec, ServiceFunction, SharedServices
from infra.constructs.static_site import ApiOrigin, RealtimeOrigin, SiteSource, StaticSite, site_sources
from infra.routes import (
    CORS_HEADERS,
    CORS_METHODS,
    QUEUE_FUNCTIONS,
    ROUTES,
    SCHEDULED_FUNCTIONS,
    WEBSOCKET_ROUTE_SELECTION,
    WEBSOCKET_ROUTES,
)
from infra.stacks.data_stack import DataStack

__all__ = [
    "ATTACHMENT_ERASERS",
    "ATTACHMENT_READERS",
    "ATTACHMENT_WRITERS",
    "EVENT_WRITERS",
    "FUNCTION_SPECS",
    "INGEST_SENDERS",
    "AppStack",
    "spec_for",
]

# Sizing and permissions per function. API functions stay under API Gateway's 29 s integration
# timeout. chat and dashboard_api get the most memory (and so CPU): chat imports the OpenAI SDK and
# waits on the model (8 s timeout × up to 3 attempts), dashboard_api imports FastAPI on a cold start.
FUNCTION_SPECS: Mapping[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec(
            "chat",
            "POST /api/chat: a visitor's message in, the AI's answer out",
            memory_mb=1024,
            timeout=cdk.Duration.seconds(28),
            reads_encryption_key=True,
            publishes_live=True,  # streams the AI's answer (message.delta) as the provider writes it
        ),
        FunctionSpec("history", "GET /api/chat/{conversationId}: a visitor's conversation"),
        FunctionSpec("close", "PATCH /api/chat/{conversationId}: the visitor ends the conversation"),
        FunctionSpec("chat_handoff", "POST /api/chat/{conversationId}/handoff: the visitor asks for a person"),
        FunctionSpec(
            "attachments",
            "POST /api/chat/{conversationId}/attachments[/{attachmentId}]: a visitor's upload granted, then checked",
            # Reads an uploaded file (up to 10 MB) back and re-encodes images with Pillow.
            memory_mb=1024,
            timeout=cdk.Duration.seconds(28),
        ),
        FunctionSpec("chat_rating", "POST /api/chat/{conversationId}/rating: the visitor rates the conversation"),
        FunctionSpec("chat_transcript", "POST /api/chat/{conversationId}/transcript: a copy by email"),
        FunctionSpec("chat_offline", "POST /api/chat/offline: a message left outside business hours"),
        FunctionSpec("widget_config", "GET /api/channels/{publicKey}/config: a channel's look and language"),
        FunctionSpec(
            "dashboard_api",
            "ANY /api/dashboard/{proxy+}: the operators' API (FastAPI behind Mangum)",
            memory_mb=1024,
            timeout=cdk.Duration.seconds(28),
            reads_encryption_key=True,  # super admins store the platform's and organisations' keys
            sends_email=True,  # invitations
            manages_operators=True,
        ),
        FunctionSpec(
            "realtime",
            "WebSocket $connect (authenticates), $disconnect, $default (ping)",
            verifies_operator_tokens=True,
            publishes_live=True,  # answers a ping with a pong on the same connection
        ),
        FunctionSpec(
            "ingest",
            "SQS: fetches, chunks and embeds knowledge entries into pgvector",
            memory_mb=1024,
            # A sixth of the queue's visibility timeout (AWS's advice for SQS-fed functions).
            timeout=cdk.Duration.seconds(150),
            reads_encryption_key=True,  # embeddings are made with the organisation's own OpenAI key
        ),
        FunctionSpec(
            "dispatch",
            "SQS: runs the listeners of domain events (live updates, notification emails, webhooks)",
            # A sixth of the queue's visibility timeout (AWS's advice for SQS-fed functions).
            timeout=cdk.Duration.seconds(60),
            reads_encryption_key=True,  # webhook endpoints' signing secrets are stored encrypted
            sends_email=True,  # handoff and over-limit notices to organisations' admins
            publishes_live=True,
        ),
        FunctionSpec(
            "meta_webhooks",
            "GET/POST /api/webhooks/{whatsapp,messenger}: Meta's handshake; signed events queued for meta_inbound",
            reads_encryption_key=True,  # channels' app secrets, stored encrypted, check the signatures
        ),
        FunctionSpec(
            "meta_inbound",
            "SQS: WhatsApp and Messenger messages through the conversation pipeline (AI, handoff, billing)",
            # A sixth of the queue's visibility timeout; an AI answer per message.
            timeout=cdk.Duration.seconds(60),
            reads_encryption_key=True,  # answers with the organisation's own OpenAI key
        ),
        FunctionSpec(
            "cleanup",
            "Scheduled: closes conversations idle for over two hours, sweeps the outbox",
            timeout=cdk.Duration.minutes(2),
        ),
        FunctionSpec(
            "knowledge_sync",
            "Scheduled: queues knowledge of a former embedding model to re-embed, and websites due a weekly sync",
            timeout=cdk.Duration.minutes(2),
            reads_encryption_key=True,  # which model an organisation embeds with depends on which key resolves
        ),
    )
}


# Attachments (chatflow.attachments): who signs uploads and writes checked files, and who only signs GETs
# (the widget's history, the live frames of dispatch).
# meta_inbound keeps WhatsApp customers' media as attachments (chatflow.meta.media).
ATTACHMENT_WRITERS: tuple[str, ...] = ("attachments", "dashboard_api", "meta_inbound")
ATTACHMENT_READERS: tuple[str, ...] = ("history", "dispatch")
# Erasure (the widget's DELETE, served by close) and retention (cleanup) delete a conversation's files.
ATTACHMENT_ERASERS: tuple[str, ...] = ("close", "cleanup")

# The functions that queue knowledge to embed (chatflow.knowledge.service.enqueue_many).
INGEST_SENDERS: tuple[str, ...] = ("dashboard_api", "dispatch", "ingest")

# The functions whose writes produce domain events (chatflow.outbox): they signal the dispatch queue.
EVENT_WRITERS: tuple[str, ...] = (
    "chat",
    "close",
    "chat_handoff",
    "chat_rating",
    "chat_transcript",
    "chat_offline",
    "dashboard_api",
    "cleanup",
    "meta_inbound",
    "knowledge_sync",
)


def spec_for(function: str) -> FunctionSpec:
    """A function the route table names without a spec gets the least: the database, 10 s, 512 MB."""
    return FUNCTION_SPECS.get(function) or FunctionSpec(function, f"functions/{function}")


class AppStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: Network,
        data: DataStack,
        deploy_nonce: str,
        sources: list[SiteSource] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Declared before any grant: a KMS key in the data stack then trusts this stack's roles
        # through IAM instead of naming them in its key policy, which would make the data stack
        # depend on this one (a cycle).
        self.add_stack_dependency(data)
        self.layer = CommonLayer(self, "CommonLayer").layer_version
        self.email = NotificationEmail(self, "Email", identity=config.email_identity, sender=config.email_sender)
        self.functions = self._build_functions(config, network, data)
        self.migrations = self._build_migrations(config, network, data, deploy_nonce)
        # Customers' files; kept (RemovalPolicy.RETAIN) whatever happens to this stack. Here rather than in
        # the data stack so that the functions' grants name it within one stack (no wildcard on an import).
        self.attachments = AttachmentStore(self, "Attachments", key=data.key)
        self._grant_attachments()
        # The triggers invoke each function's live alias (SnapStart snapshots published versions only).
        handlers: dict[str, lambda_.IFunction] = {name: fn.invocable for name, fn in self.functions.items()}
        self.api = Api(
            self,
            "Api",
            routes=ROUTES,
            cors_methods=CORS_METHODS,
            cors_headers=CORS_HEADERS,
            handlers=handlers,
            sizing=config.sizing,
            env_name=config.name,
        )
        self.realtime = RealtimeApi(
            self,
            "Realtime",
            routes=WEBSOCKET_ROUTES,
            route_selection=WEBSOCKET_ROUTE_SELECTION,
            handlers=handlers,
            sizing=config.sizing,
            env_name=config.name,
        )
        self.site = self._build_site(config, sources)
        for function in self.functions.values():
            function.set_dashboard_url(self.site.dashboard_url)
            function.connect_realtime(self.realtime)
        self.jobs = Jobs(
            self, "Jobs", schedules=SCHEDULED_FUNCTIONS, queue_functions=QUEUE_FUNCTIONS, handlers=handlers
        )
        # Knowledge to embed is queued by the dashboard API (entries), dispatch (the listeners that queue
        # websites' syncs and re-embeddings) and ingest itself (a website's pages, found while crawling);
        # each may only send, to that queue only.
        for name in INGEST_SENDERS:
            self.jobs.ingest_queue.grant_send_messages(self.functions[name].function)
            self.functions[name].function.add_environment("INGEST_QUEUE_URL", self.jobs.ingest_queue.queue_url)
        # Meta's webhooks, once their signature is checked, wait in the inbound queue.
        self.jobs.inbound_queue.grant_send_messages(self.functions["meta_webhooks"].function)
        self.functions["meta_webhooks"].function.add_environment("INBOUND_QUEUE_URL", self.jobs.inbound_queue.queue_url)
        # Every function that writes events signals them; dispatch also delays its own retries, and
        # sends webhook deliveries' retries to its own queue with a delay (chatflow.webhooks).
        for name in (*EVENT_WRITERS, "dispatch"):
            lambda_function = self.functions[name].function
            self.jobs.dispatch_queue.grant_send_messages(lambda_function)
            lambda_function.add_environment("DISPATCH_QUEUE_URL", self.jobs.dispatch_queue.queue_url)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            env_name=config.name,
            sizing=config.sizing,
            # The function's own metrics count every version and alias.
            functions={
                **{name: fn.function for name, fn in self.functions.items()},
                "migrate": self.migrations.runner.function,
            },
            api=self.api.rest_api,
            cluster=data.database.cluster,
            max_connections=Database.max_connections(config.sizing),
            dead_letter_queues=[
                self.jobs.ingest_dead_letters,
                self.jobs.dispatch_dead_letters,
                self.jobs.inbound_dead_letters,
            ],
            alarm_email=config.alarm_email,
        )
        self._build_outputs()
        self._acknowledge_cdk_providers()

    def _build_functions(
        self, config: EnvironmentConfig, network: Network, data: DataStack
    ) -> dict[str, ServiceFunction]:
        """One function per name in the route tables (REST, WebSocket) and the schedules, each with its
        own role."""
        through_proxy = DatabaseAccess(
            host=data.database.proxy.endpoint,
            name=DATABASE_NAME,
            secret=data.database.secret,
            endpoint=data.database.proxy,
        )
        services = SharedServices(
            encryption_key=data.encryption_key,
            email=self.email,
            user_pool=data.auth.user_pool,
            user_pool_client=data.auth.client,
        )
        names = dict.fromkeys(
            [route.function for route in ROUTES]
            + [route.function for route in WEBSOCKET_ROUTES]
            + [schedule.function for schedule in SCHEDULED_FUNCTIONS]
            + [queued.function for queued in QUEUE_FUNCTIONS]
        )
        return {
            name: ServiceFunction(
                self,
                f"{name.title().replace('_', '')}Function",
                spec=spec_for(name),
                layer=self.layer,
                vpc=network.vpc,
                subnets=network.app_subnets,
                database=through_proxy,
                sizing=config.sizing,
                services=services,
            )
            for name in names
        }

    def _grant_attachments(self) -> None:
        access: dict[str, Literal["read", "write", "delete"]] = {
            **dict.fromkeys(ATTACHMENT_ERASERS, "delete"),
            **dict.fromkeys(ATTACHMENT_READERS, "read"),
            **dict.fromkeys(ATTACHMENT_WRITERS, "write"),
        }
        for name, granted in access.items():
            function = self.functions[name]
            self.attachments.grant(function.role, granted)
            function.function.add_environment("ATTACHMENTS_BUCKET", self.attachments.bucket.bucket_name)

    def _build_migrations(
        self, config: EnvironmentConfig, network: Network, data: DataStack, deploy_nonce: str
    ) -> Migrations:
        migrations = Migrations(
            self,
            "Migrations",
            layer=self.layer,
            vpc=network.vpc,
            subnets=network.app_subnets,
            cluster_host=data.database.cluster.cluster_endpoint.hostname,
            cluster=data.database.cluster,
            secret=data.database.secret,
            database_name=DATABASE_NAME,
            sizing=config.sizing,
            deploy_nonce=deploy_nonce,
            after=data.database.cluster,
        )
        migrations.run_before(*(fn.function for fn in self.functions.values()))
        return migrations

    def _build_site(self, config: EnvironmentConfig, sources: list[SiteSource] | None) -> StaticSite:
        verify = secretsmanager.Secret(
            self,
            "OriginVerify",
            description="ChatFlow360: the header value CloudFront adds and the API's web ACL requires",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True),
        )
        acknowledge(
            verify,
            "AwsSolutions-SMG4",
            "A token shared by CloudFront and the API's web ACL, resolved by CloudFormation at deploy; it guards "
            "no data. Rotating it means a new value and a redeploy of both (DEPLOY.md).",
        )
        skip(
            verify,
            "CKV_AWS_149",
            "Not a credential to any data: a value CloudFront sends and the API's web ACL matches, read only by "
            "CloudFormation at deploy. Secrets Manager's own key encrypts it; a key of ours would guard nothing more.",
        )
        # A dynamic reference ({{resolve:secretsmanager:…}}), resolved by CloudFormation: the value
        # itself is never in the template.
        token = verify.secret_value.unsafe_unwrap()
        OriginGuard(self, "ApiOriginGuard", env_name=config.name, stage=self.api.stage, token=token)
        edge = EdgeFirewall(
            self,
            "EdgeFirewall",
            env_name=config.name,
            requests_per_ip_per_5_minutes=config.sizing.waf_requests_per_ip_per_5_minutes,
        )
        return StaticSite(
            self,
            "Site",
            sizing=config.sizing,
            api=ApiOrigin(
                # Built from the API's id and the stage's name, not from the stage resource: the
                # stage depends on the functions, which depend on this distribution (DASHBOARD_URL).
                domain_name=f"{self.api.rest_api.rest_api_id}.execute-api.{self.region}.{self.url_suffix}",
                stage_name=STAGE_NAME,
                verify_token=token,
            ),
            realtime=RealtimeOrigin(domain_name=self.realtime.domain_name, stage_name=REALTIME_STAGE_NAME),
            web_acl_arn=edge.web_acl.attr_arn,
            domain=config.web_domain,
            sources=site_sources() if sources is None else sources,
            attachment_origins=self.attachments.browser_origins,
            media_bucket=self.attachments.bucket,
        )

    def _build_outputs(self) -> None:
        cdk.CfnOutput(self, "SiteUrl", value=self.site.url, description="The product's public origin")
        cdk.CfnOutput(self, "DashboardUrl", value=self.site.dashboard_url)
        cdk.CfnOutput(self, "WidgetScriptUrl", value=f"{self.site.url}/widget/chatflow360.js")
        cdk.CfnOutput(self, "WebSocketUrl", value=f"{self.site.url.replace('https://', 'wss://', 1)}/ws")
        cdk.CfnOutput(
            self,
            "DistributionDomainName",
            value=self.site.distribution.domain_name,
            description="CNAME (or alias) target for the custom domain",
        )
        cdk.CfnOutput(self, "IngestQueueUrl", value=self.jobs.ingest_queue.queue_url)
        cdk.CfnOutput(self, "DispatchQueueUrl", value=self.jobs.dispatch_queue.queue_url)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)

    def _acknowledge_cdk_providers(self) -> None:
        """CDK's own handlers: BucketDeployment copies the built files from the asset bucket into the
        site bucket; in dev the auto-delete provider empties buckets before deletion."""
        site_bucket = self.site.bucket.node.default_child
        assert isinstance(site_bucket, cdk.CfnElement)
        qualifier = cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
        copy_reason = (
            "CDK's BucketDeployment handler: it reads the uploaded build from the CDK asset bucket and syncs it "
            "into the site bucket (list, get, put, delete under the prefix); its policy is generated by aws-cdk-lib."
        )
        copy_findings = [
            "AwsSolutions-IAM5[Resource::*]",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]",
            "AwsSolutions-IAM5[Action::s3:GetObject*]",
            "AwsSolutions-IAM5[Action::s3:List*]",
            "AwsSolutions-IAM5[Action::s3:Abort*]",
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
            f"AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-{qualifier}-assets-{self.account}-{self.region}/*]",
            f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(site_bucket)}.Arn>/*]",
        ]
        for child in self.node.children:
            if not child.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            for finding in copy_findings:
                acknowledge(child, finding, copy_reason)
            acknowledge(
                child,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "CDK's BucketDeployment handler writes its own logs with AWS's basic execution policy.",
            )
            acknowledge(
                child,
                "AwsSolutions-L1",
                "CDK's BucketDeployment handler: its runtime is chosen, and updated, by aws-cdk-lib.",
            )
