"""The operators' directory: a Cognito user pool (e-mail as the username, invitation only), the
dashboard's public app client (USER_PASSWORD_AUTH + refresh tokens), and the CustomMessage trigger
that words Cognito's own emails (the password reset) in the reader's language."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import EnvironmentSizing
from infra.constructs.checkov import skip
from infra.constructs.layer import ARCHITECTURE, RUNTIME, CommonLayer, function_code
from infra.constructs.log_groups import encrypted_log_group
from infra.constructs.nag import acknowledge
from infra.functions import FUNCTIONS_DIR

__all__ = ["Auth"]


class Auth(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sizing: EnvironmentSizing, env_name: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = self._build_user_pool(sizing, env_name)
        self.client = self._build_client()
        self.messages_function = self._build_messages_function(sizing)
        self.user_pool.add_trigger(cognito.UserPoolOperation.CUSTOM_MESSAGE, self.messages_function)

    def _build_user_pool(self, sizing: EnvironmentSizing, env_name: str) -> cognito.UserPool:
        pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"chatflow360-{env_name}-operators",
            # Operators are invited by an admin (admin_create_user); nobody signs up alone.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                # As long as the invitation's link (chatflow.organizations.INVITATION_DAYS): one email, one expiry.
                temp_password_validity=Duration.days(7),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Threat protection (formerly "advanced security"): compromised-credential and adaptive
            # checks, enforced. It needs the Plus plan, billed per monthly active operator.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=sizing.protect_data,
            removal_policy=RemovalPolicy.RETAIN if sizing.protect_data else RemovalPolicy.DESTROY,
        )
        acknowledge(
            pool,
            "AwsSolutions-COG2",
            "MFA is optional (TOTP) until the dashboard ships its enrolment screen; it becomes REQUIRED then. "
            "Threat protection is enforced meanwhile.",
        )
        return pool

    def _build_client(self) -> cognito.UserPoolClient:
        return self.user_pool.add_client(
            "DashboardClient",
            user_pool_client_name="dashboard",
            # A browser app cannot keep a secret.
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True),  # + ALLOW_REFRESH_TOKEN_AUTH, always
            disable_o_auth=True,  # no hosted UI: the dashboard has its own sign-in form
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            # Without read access to email the ID token carries no email claim.
            read_attributes=cognito.ClientAttributes().with_standard_attributes(
                email=True, email_verified=True, fullname=True
            ),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )

    def _build_messages_function(self, sizing: EnvironmentSizing) -> lambda_.Function:
        """functions/auth_messages: no network, no database, no secret; it only answers Cognito. Its
        own copy of the common layer, since the pool lives in this stack and the app stack's layer
        after it (the bundle is built once for both)."""
        role = iam.Role(
            self,
            "MessagesRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="functions/auth_messages only",
        )
        log_group = encrypted_log_group(self, "MessagesLogs", sizing=sizing)
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            "MessagesFunction",
            description="Cognito CustomMessage trigger: the password-reset email in the reader's language",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.lambda_handler",
            code=function_code(FUNCTIONS_DIR / "auth_messages"),
            layers=[CommonLayer(self, "MessagesLayer").layer_version],
            memory_size=256,
            timeout=Duration.seconds(5),  # Cognito waits five seconds for a trigger
            role=role,
            log_group=log_group,
        )
        skip(
            function,
            "CKV_AWS_117",
            "No network on purpose: it fills in an email's text from templates and reaches no database or private "
            "resource; outside the VPC it needs no NAT and starts within Cognito's five seconds.",
        )
        skip(function, "CKV_AWS_116", "Invoked synchronously by Cognito, which waits for its answer: nothing to retry.")
        skip(
            function,
            "CKV_AWS_115",
            "Called once per password-reset email by Cognito, whose own quotas bound it; reserving concurrency "
            "would only carve the account's pool.",
        )
        acknowledge(
            function,
            "AwsSolutions-L1",
            "Python 3.12 on purpose: the common layer's wheels are built for cp312 "
            "(infra/constructs/layer.py); the runtime and the layer move together.",
        )
        return function
