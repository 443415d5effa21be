"""Every function: its runtime and size, where it runs, what it is told, and only what it may do."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match, Template

from infra.constructs.service_function import OPERATOR_ADMIN_ACTIONS
from infra.routes import ROUTES, SCHEDULED_FUNCTIONS, WEBSOCKET_ROUTES
from infra.stacks.app_stack import FUNCTION_SPECS, spec_for
from tests.infra.conftest import Synthesized
from tests.infra.support import (
    actions,
    as_list,
    environment,
    function,
    live_alias,
    props,
    referenced_logical_ids,
    resources,
    role_of,
    stack_outputs_named,
    statements,
)

API_FUNCTIONS = sorted({route.function for route in ROUTES})
ALL_FUNCTIONS = sorted(
    {
        *API_FUNCTIONS,
        *(r.function for r in WEBSOCKET_ROUTES),
        *(s.function for s in SCHEDULED_FUNCTIONS),
        "dispatch",
        "meta_inbound",
        "migrate",
    }
)
# Writes never post their events to sockets: the dispatch function's listener does (and realtime
# answers pings). chat posts only the AI's answer as it streams (message.delta), which is no event.
PUBLISHERS = {"chat", "dispatch", "realtime"}
# The only actions granted on "*": the descriptions Lambda's VPC network interfaces need and X-Ray's,
# which accept no resource ARN (the interfaces' writes name this account's EC2 resources).
UNAVOIDABLE_WILDCARD_ACTIONS = {
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
NETWORK_INTERFACE_WRITES = {
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


@pytest.fixture(scope="module")
def template(dev: Synthesized) -> Template:
    return dev.app_stack


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_each_function_runs_python_312_on_arm64_with_the_common_layer_and_tracing(
    template: Template, name: str
) -> None:
    _, resource = function(template, name)
    layer_id = next(iter(resources(template, "AWS::Lambda::LayerVersion")))

    assert props(resource)["Runtime"] == "python3.12"
    assert props(resource)["Architectures"] == ["arm64"]
    assert props(resource)["Handler"] == "handler.lambda_handler"
    assert props(resource)["TracingConfig"] == {"Mode": "Active"}
    assert props(resource)["Layers"] == [{"Ref": layer_id}]


@pytest.mark.parametrize("name", API_FUNCTIONS)
def test_api_functions_finish_before_api_gateway_gives_up_at_29_seconds(template: Template, name: str) -> None:
    _, resource = function(template, name)

    assert props(resource)["Timeout"] <= 29
    assert props(resource)["MemorySize"] == spec_for(name).memory_mb


def test_chat_gets_the_most_memory_and_time_because_it_waits_on_the_model(template: Template) -> None:
    chat = props(function(template, "chat")[1])

    assert chat["MemorySize"] == 1024
    assert chat["Timeout"] == 28
    assert FUNCTION_SPECS["chat"].reads_encryption_key


def test_a_route_to_a_function_without_a_spec_gets_the_least() -> None:
    spec = spec_for("reports")

    assert (spec.memory_mb, spec.timeout.to_seconds()) == (512, 10)
    assert not spec.reads_encryption_key
    assert not spec.sends_email
    assert not spec.manages_operators


def test_the_common_layer_is_built_for_the_functions_platform(template: Template) -> None:
    layer = props(next(iter(resources(template, "AWS::Lambda::LayerVersion").values())))

    assert layer["CompatibleRuntimes"] == ["python3.12"]
    assert layer["CompatibleArchitectures"] == ["arm64"]


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_each_function_has_a_role_of_its_own(template: Template, name: str) -> None:
    others = {role_of(template, other) for other in ALL_FUNCTIONS if other != name}

    assert role_of(template, name) not in others


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_functions_run_in_the_private_subnets_with_egress(template: Template, name: str) -> None:
    subnets = props(function(template, name)[1])["VpcConfig"]["SubnetIds"]
    app_subnet_outputs = {
        output_name
        for output_name in stack_outputs_named(subnets)
        if "AppSubnet" in output_name  # the PRIVATE_WITH_EGRESS group of infra.constructs.network
    }

    assert len(subnets) == 2
    assert len(app_subnet_outputs) == 2


@pytest.mark.parametrize("name", [*API_FUNCTIONS, "realtime", "cleanup", "dispatch"])
def test_functions_reach_the_database_through_the_proxy_with_its_secret(template: Template, name: str) -> None:
    env = environment(template, name)

    assert stack_outputs_named(env["DATABASE_HOST"]) == {_output_like(env["DATABASE_HOST"], "Proxy")}
    assert env["DATABASE_PORT"] == "5432"
    assert env["DATABASE_NAME"] == "chatflow"
    assert "SecretAttachment" in next(iter(stack_outputs_named(env["DATABASE_SECRET_ARN"])))
    assert env["DB_SSLMODE"] == "require"
    assert env["ALLOW_OFFLINE_AI"] == "false"
    assert env["POWERTOOLS_SERVICE_NAME"] == f"chatflow-{name.replace('_', '-')}"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "ChatFlow360"
    assert env["LOG_LEVEL"] == "INFO"


@pytest.mark.parametrize("name", [*API_FUNCTIONS, "realtime", "cleanup", "dispatch"])
def test_functions_do_nothing_that_pins_rds_proxy_connections(template: Template, name: str) -> None:
    env = environment(template, name)

    assert (env["DB_PREPARE_STATEMENTS"], env["DB_SESSION_OPTIONS"]) == ("false", "false")


@pytest.mark.parametrize("name", API_FUNCTIONS)
def test_api_functions_count_rate_limits_against_the_viewer_cloudfront_forwards(template: Template, name: str) -> None:
    assert environment(template, name)["TRUSTED_PROXIES"] == "1"


def test_migrations_go_straight_to_the_cluster_not_through_the_proxy(template: Template) -> None:
    env = environment(template, "migrate")

    assert "Cluster" in _output_like(env["DATABASE_HOST"], "Cluster")
    assert "Proxy" not in next(iter(stack_outputs_named(env["DATABASE_HOST"])))


@pytest.mark.parametrize(
    ("variable", "functions"),
    [
        # meta_webhooks checks signatures with channels' app secrets; meta_inbound answers with the org's key;
        # knowledge_sync resolves each organisation's key to know which embedding model it uses.
        (
            "ENCRYPTION_KEY_SECRET_ARN",
            {"chat", "dashboard_api", "dispatch", "meta_webhooks", "meta_inbound", "knowledge_sync"},
        ),
        ("SES_SENDER", {"dashboard_api", "dispatch"}),
        ("DASHBOARD_URL", {"dashboard_api", "dispatch"}),
        ("COGNITO_USER_POOL_ID", {"dashboard_api", "realtime"}),
        ("COGNITO_CLIENT_ID", {"dashboard_api", "realtime"}),
        ("WEBSOCKET_MANAGEMENT_URL", PUBLISHERS),
    ],
)
def test_only_the_functions_that_need_it_are_told(template: Template, variable: str, functions: set[str]) -> None:
    told = {name for name in ALL_FUNCTIONS if variable in environment(template, name)}

    assert told == functions


def test_mail_is_sent_from_the_environments_sender(template: Template) -> None:
    assert environment(template, "dispatch")["SES_SENDER"] == "notifications@example.com"


def test_nothing_secret_is_in_any_environment_or_template(dev: Synthesized) -> None:
    for stack in (dev.network, dev.data, dev.app_stack):
        for resource in resources(stack, "AWS::Lambda::Function").values():
            for key in props(resource).get("Environment", {}).get("Variables", {}):
                assert key not in {"ENCRYPTION_KEY", "OPENAI_API_KEY", "DATABASE_URL"}
        for secret in resources(stack, "AWS::SecretsManager::Secret").values():
            assert "SecretString" not in props(secret)  # generated by Secrets Manager at deploy time


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_wildcard_resources_are_only_granted_for_actions_that_have_no_resource_arn(
    template: Template, name: str
) -> None:
    for statement in statements(template, role_of(template, name)):
        if "*" in as_list(statement["Resource"]):
            assert set(actions(statement)) <= UNAVOIDABLE_WILDCARD_ACTIONS
        assert not any(action.endswith(":*") or action == "*" for action in actions(statement))


def test_chat_may_read_its_two_secrets_signal_its_events_stream_and_nothing_more(template: Template) -> None:
    granted = _granted(template, "chat")

    assert set(granted) == UNAVOIDABLE_WILDCARD_ACTIONS | NETWORK_INTERFACE_WRITES | {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "kms:Decrypt",
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "execute-api:ManageConnections",
    }
    secret_resources = {
        output for resource in granted["secretsmanager:GetSecretValue"] for output in stack_outputs_named(resource)
    }
    assert len(secret_resources) == 2
    assert any("EncryptionKey" in output for output in secret_resources)


def test_chat_cannot_mail_touch_topics_or_operators(template: Template) -> None:
    services = {action.split(":")[0] for action in _granted(template, "chat")}

    assert not services & {"ses", "sns", "cognito-idp"}


@pytest.mark.parametrize("name", ["dispatch", "dashboard_api"])
def test_mail_may_only_leave_from_our_identity(template: Template, name: str) -> None:
    identity_id = next(iter(resources(template, "AWS::SES::EmailIdentity")))
    for resource in _granted(template, name)["ses:SendEmail"]:
        assert identity_id in referenced_logical_ids(resource)


def test_only_the_dashboard_api_manages_operators_and_only_in_our_pool(template: Template) -> None:
    granted = _granted(template, "dashboard_api")

    assert {action for action in granted if action.startswith("cognito-idp:")} == set(OPERATOR_ADMIN_ACTIONS)
    for action in OPERATOR_ADMIN_ACTIONS:
        assert all("UserPool" in next(iter(stack_outputs_named(r))) for r in granted[action])
    for name in ("chat", "history", "close", "widget_config", "cleanup", "migrate", "realtime"):
        assert not [a for a in _granted(template, name) if a.startswith("cognito-idp:")]


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_publishers_may_manage_the_websocket_stages_connections_and_only_them(template: Template, name: str) -> None:
    api_id = next(iter(resources(template, "AWS::ApiGatewayV2::Api")))
    granted = _granted(template, name).get("execute-api:ManageConnections", [])

    assert bool(granted) == (name in PUBLISHERS)
    for resource in granted:
        parts = resource["Fn::Join"][1]
        assert {"Ref": api_id} in parts
        assert parts[-1] == "/v1/*/@connections/*"


def test_the_management_url_is_the_websocket_stages(template: Template) -> None:
    api_id = next(iter(resources(template, "AWS::ApiGatewayV2::Api")))
    url = environment(template, "dispatch")["WEBSOCKET_MANAGEMENT_URL"]["Fn::Join"][1]

    assert url[0] == "https://"
    assert url[1] == {"Ref": api_id}
    assert url[-1] == "/v1"


def test_the_key_is_decrypted_only_through_secrets_manager(template: Template) -> None:
    for statement in statements(template, role_of(template, "chat")):
        if "kms:Decrypt" in actions(statement):
            assert statement["Condition"] == {
                "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
            }


@pytest.mark.parametrize("name", ["history", "close", "widget_config", "cleanup", "migrate"])
def test_other_functions_cannot_read_the_encryption_key(template: Template, name: str) -> None:
    for statement in statements(template, role_of(template, name)):
        for resource in as_list(statement["Resource"]):
            assert not any("EncryptionKey" in output for output in stack_outputs_named(resource))


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_functions_leave_only_on_https_and_postgresql(template: Template, name: str) -> None:
    group_id = props(function(template, name)[1])["VpcConfig"]["SecurityGroupIds"][0]["Fn::GetAtt"][0]
    group = props(resources(template, "AWS::EC2::SecurityGroup")[group_id])
    egress = list(group.get("SecurityGroupEgress", []))
    egress += [
        props(rule)
        for rule in resources(template, "AWS::EC2::SecurityGroupEgress").values()
        if group_id in referenced_logical_ids(props(rule)["GroupId"])
    ]

    assert sorted((rule["FromPort"], rule["ToPort"]) for rule in egress) == [(443, 443), (5432, 5432)]


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_the_database_side_admits_each_function_from_this_stack(template: Template, name: str) -> None:
    # The ingress rule lives in the app stack, so the data stack never depends on the app stack.
    group_id = props(function(template, name)[1])["VpcConfig"]["SecurityGroupIds"][0]["Fn::GetAtt"][0]
    ingress = [
        props(rule)
        for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if group_id in referenced_logical_ids(props(rule)["SourceSecurityGroupId"])
    ]

    assert [(rule["FromPort"], rule["ToPort"]) for rule in ingress] == [(5432, 5432)]


def _granted(template: Template, name: str) -> dict[str, list[Any]]:
    granted: dict[str, list[Any]] = {}
    for statement in statements(template, role_of(template, name)):
        for action in actions(statement):
            granted.setdefault(action, []).extend(as_list(statement["Resource"]))
    return granted


def _output_like(value: Any, fragment: str) -> str:
    outputs = stack_outputs_named(value)
    assert len(outputs) == 1, outputs
    assert fragment in next(iter(outputs)), outputs
    return next(iter(outputs))


@pytest.mark.parametrize("name", sorted(set(ALL_FUNCTIONS) - {"migrate"}))
def test_each_function_resumes_from_a_snapstart_snapshot_of_its_published_version(
    template: Template, name: str
) -> None:
    function_id, resource = function(template, name)
    alias = props(resources(template, "AWS::Lambda::Alias")[live_alias(template, name)])
    [version] = [
        props(v)
        for logical_id, v in resources(template, "AWS::Lambda::Version").items()
        if logical_id in referenced_logical_ids(alias["FunctionVersion"])
    ]

    assert props(resource)["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert referenced_logical_ids(version["FunctionName"]) == {function_id}
    assert alias["Name"] == "live"


def test_a_replaced_version_and_its_billed_snapshot_are_deleted_not_retained(template: Template) -> None:
    aliases = resources(template, "AWS::Lambda::Alias")
    live = set().union(*(referenced_logical_ids(props(a)["FunctionVersion"]) for a in aliases.values()))
    versions = [v for logical_id, v in resources(template, "AWS::Lambda::Version").items() if logical_id in live]

    assert len(versions) == len(aliases) >= len(ALL_FUNCTIONS) - 1  # every function but the migration runner
    assert {v.get("DeletionPolicy") for v in versions} == {"Delete"}


def test_the_synth_does_not_warn_that_snapstart_functions_lack_published_versions(dev: Synthesized) -> None:
    warnings = Annotations.from_stack(dev.stacks.app).find_warning("*", Match.string_like_regexp("SnapStart"))

    assert warnings == []


def test_nothing_invokes_a_snapstart_function_other_than_through_its_live_alias(template: Template) -> None:
    """API Gateway (REST and WebSocket), SQS and EventBridge name the alias: $LATEST is never snapshotted."""
    snapshotted = {function(template, name)[0] for name in ALL_FUNCTIONS if name != "migrate"}
    triggers = [
        *(
            props(m)["Integration"]["Uri"]
            for m in resources(template, "AWS::ApiGateway::Method").values()
            if "Uri" in props(m).get("Integration", {})
        ),
        *(props(i)["IntegrationUri"] for i in resources(template, "AWS::ApiGatewayV2::Integration").values()),
        *(props(m)["FunctionName"] for m in resources(template, "AWS::Lambda::EventSourceMapping").values()),
        *(props(r)["Targets"] for r in resources(template, "AWS::Events::Rule").values()),
    ]

    assert triggers
    for trigger in triggers:
        assert not referenced_logical_ids(trigger) & snapshotted


def test_the_migration_runner_is_not_snapshotted(template: Template) -> None:
    _, resource = function(template, "migrate")

    assert "SnapStart" not in props(resource)
