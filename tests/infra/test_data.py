"""The data stack: Aurora PostgreSQL with pgvector behind RDS Proxy, the secrets, the user pool;
and the migrations the app stack runs against it on every deploy."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from infra.constructs.database import ENGINE_VERSION
from tests.infra.conftest import TEST_NONCE, Synthesized
from tests.infra.support import function, props, referenced_logical_ids, resources


@pytest.fixture(scope="module")
def template(dev: Synthesized) -> Template:
    return dev.data


def test_aurora_postgresql_17_serverless_v2_is_encrypted_with_our_key(template: Template) -> None:
    key_id = next(iter(resources(template, "AWS::KMS::Key")))
    cluster = props(next(iter(resources(template, "AWS::RDS::DBCluster").values())))

    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineVersion"].startswith("17.")  # pgvector 0.8
    assert ENGINE_VERSION.aurora_postgres_major_version == "17"
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4}
    assert cluster["StorageEncrypted"] is True
    assert key_id in referenced_logical_ids(cluster["KmsKeyId"])
    assert cluster["DatabaseName"] == "chatflow"
    assert cluster["EnableCloudwatchLogsExports"] == ["postgresql"]
    template.has_resource_properties("AWS::RDS::DBInstance", {"DBInstanceClass": "db.serverless"})


def test_operators_reach_sql_through_the_iam_gated_data_api_only(template: Template) -> None:
    cluster = props(next(iter(resources(template, "AWS::RDS::DBCluster").values())))
    instance = props(next(iter(resources(template, "AWS::RDS::DBInstance").values())))

    assert cluster["EnableHttpEndpoint"] is True
    assert instance["PubliclyAccessible"] is False


def test_the_database_accepts_tls_only(template: Template) -> None:
    template.has_resource_properties(
        "AWS::RDS::DBClusterParameterGroup", {"Parameters": Match.object_like({"rds.force_ssl": "1"})}
    )


def test_credentials_are_generated_into_secrets_manager_under_our_key(template: Template) -> None:
    key_id = next(iter(resources(template, "AWS::KMS::Key")))
    secret = props(resources(template, "AWS::SecretsManager::Secret")[_database_secret_id(template)])

    assert secret["GenerateSecretString"]["SecretStringTemplate"] == '{"username":"chatflow_admin"}'
    assert key_id in referenced_logical_ids(secret["KmsKeyId"])


def test_the_proxy_requires_tls_and_authenticates_with_the_database_secret(template: Template) -> None:
    proxy = props(next(iter(resources(template, "AWS::RDS::DBProxy").values())))

    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["RequireTLS"] is True
    assert proxy["DebugLogging"] is False  # would log SQL text, i.e. visitors' messages
    assert [auth["AuthScheme"] for auth in proxy["Auth"]] == ["SECRETS"]


def test_only_the_proxy_may_connect_to_the_cluster_from_this_stack(template: Template) -> None:
    ingress = [props(rule) for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values()]

    assert len(ingress) == 1  # the migration runner's rule lives in the app stack
    assert "ProxySecurityGroup" in next(iter(referenced_logical_ids(ingress[0]["SourceSecurityGroupId"])))


def test_the_encryption_key_is_64_hex_digits_generated_at_deploy_and_never_deleted(template: Template) -> None:
    secrets = resources(template, "AWS::SecretsManager::Secret")
    logical_id, secret = next((i, s) for i, s in secrets.items() if "ENCRYPTION_KEY" in props(s)["Description"])
    generator = props(secret)["GenerateSecretString"]
    allowed = {chr(c) for c in range(33, 127)} - set(generator["ExcludeCharacters"])
    allowed = {c for c in allowed if not c.isupper() and c.isalnum()}

    assert generator["PasswordLength"] == 64
    assert generator["ExcludePunctuation"] is True
    assert allowed == set("0123456789abcdef")
    assert logical_id != _database_secret_id(template)


def test_the_data_key_rotates(template: Template) -> None:
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_operators_sign_in_with_their_email_by_invitation_only(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "UsernameAttributes": ["email"],
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                    }
                )
            },
            "UserPoolTier": "PLUS",
            "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
            "MfaConfiguration": "OPTIONAL",
        },
    )


def test_cognitos_own_emails_are_worded_by_the_auth_messages_trigger_outside_any_network(
    template: Template,
) -> None:
    pool = props(next(iter(resources(template, "AWS::Cognito::UserPool").values())))
    functions = resources(template, "AWS::Lambda::Function")
    [(trigger_id, trigger)] = [(i, f) for i, f in functions.items() if "reader's language" in props(f)["Description"]]

    assert pool["LambdaConfig"]["CustomMessage"] == {"Fn::GetAtt": [trigger_id, "Arn"]}
    assert props(trigger)["Handler"] == "handler.lambda_handler"
    assert "VpcConfig" not in props(trigger)
    assert "Environment" not in props(trigger)  # no secret, no database: it only words emails
    assert props(trigger)["Timeout"] <= 5


def test_the_dashboard_client_signs_in_with_a_password_and_refreshes_tokens(template: Template) -> None:
    client = props(next(iter(resources(template, "AWS::Cognito::UserPoolClient").values())))

    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert client["GenerateSecret"] is False
    assert "email" in client["ReadAttributes"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_migrations_run_by_a_trigger_on_every_deploy_before_the_functions_change(dev: Synthesized) -> None:
    app = dev.app_stack
    migrate_id, _ = function(app, "migrate")
    trigger_id, trigger = next(iter(resources(app, "Custom::Trigger").items()))
    versions = resources(app, "AWS::Lambda::Version")
    handler_version = props(trigger)["HandlerArn"]["Ref"]

    assert referenced_logical_ids(props(versions[handler_version])["FunctionName"]) == {migrate_id}
    assert props(trigger)["InvocationType"] == "RequestResponse"  # a failed migration fails the deploy
    assert props(trigger)["DeployNonce"] == TEST_NONCE  # changes with every synth: runs on every deploy
    for name in ("chat", "history", "close", "widget_config", "cleanup"):
        _, resource = function(app, name)
        assert trigger_id in resource.get("DependsOn", [])


def test_the_migration_runner_waits_for_the_cluster(dev: Synthesized) -> None:
    assert dev.stacks.data in dev.stacks.app.dependencies


def _database_secret_id(template: Template) -> str:
    cluster = props(next(iter(resources(template, "AWS::RDS::DBCluster").values())))
    return next(iter(referenced_logical_ids(cluster["MasterUserPassword"])))
