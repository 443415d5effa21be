"""Reading synthesized CloudFormation: resources by type, a function by name, a role's statements,
an API Gateway resource's full path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aws_cdk.assertions import Template

Resource = dict[str, Any]


def resources(template: Template, type_: str) -> dict[str, Resource]:
    return {logical_id: dict(resource) for logical_id, resource in template.find_resources(type_).items()}


def props(resource: Resource) -> dict[str, Any]:
    properties: dict[str, Any] = resource.get("Properties", {})
    return properties


def function(template: Template, name: str) -> tuple[str, Resource]:
    """The Lambda function for functions/<name>, recognised by its Powertools service name."""
    service = f"chatflow-{name.replace('_', '-')}"
    matches = [
        (logical_id, resource)
        for logical_id, resource in resources(template, "AWS::Lambda::Function").items()
        if props(resource).get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME") == service
    ]
    assert len(matches) == 1, f"expected one function {name}, found {[m[0] for m in matches]}"
    return matches[0]


def live_alias(template: Template, name: str) -> str:
    """The logical id of functions/<name>'s `live` alias: what its triggers invoke (SnapStart)."""
    function_id, _ = function(template, name)
    versions = {
        logical_id
        for logical_id, resource in resources(template, "AWS::Lambda::Version").items()
        if referenced_logical_ids(props(resource)["FunctionName"]) == {function_id}
    }
    matches = [
        logical_id
        for logical_id, resource in resources(template, "AWS::Lambda::Alias").items()
        if props(resource)["Name"] == "live" and referenced_logical_ids(props(resource)["FunctionVersion"]) <= versions
    ]
    assert len(matches) == 1, f"expected one live alias of {name}, found {matches}"
    return matches[0]


def environment(template: Template, name: str) -> dict[str, Any]:
    variables: dict[str, Any] = props(function(template, name)[1])["Environment"]["Variables"]
    return variables


def role_of(template: Template, name: str) -> str:
    role = props(function(template, name)[1])["Role"]
    logical_id: str = role["Fn::GetAtt"][0]
    return logical_id


def statements(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the role (inline and AWS::IAM::Policy)."""
    found: list[dict[str, Any]] = []
    role = resources(template, "AWS::IAM::Role")[role_logical_id]
    for policy in props(role).get("Policies", []):
        found += policy["PolicyDocument"]["Statement"]
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in props(policy)["Roles"]:
            found += props(policy)["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(statement: dict[str, Any]) -> list[str]:
    return [str(action) for action in as_list(statement["Action"])]


def api_methods(template: Template) -> Iterator[tuple[str, str, Resource]]:
    """(HTTP method, full path, method resource) for every API Gateway method."""
    api_resources = resources(template, "AWS::ApiGateway::Resource")

    def path_of(reference: Any) -> str:
        if isinstance(reference, dict) and "Ref" in reference:
            resource = api_resources[reference["Ref"]]
            return f"{path_of(props(resource)['ParentId'])}/{props(resource)['PathPart']}"
        return ""  # the API's root resource (Fn::GetAtt RootResourceId)

    for method in resources(template, "AWS::ApiGateway::Method").values():
        yield props(method)["HttpMethod"], path_of(props(method)["ResourceId"]) or "/", method


def referenced_logical_ids(value: Any) -> set[str]:
    """Logical ids named by Ref / Fn::GetAtt anywhere inside value."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for item in value.values():
            found |= referenced_logical_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_logical_ids(item)
    return found


def stack_outputs_named(value: Any) -> set[str]:
    """OutputName of every Fn::GetStackOutput (a weak cross-stack reference) inside value."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Fn::GetStackOutput" in value:
            found.add(value["Fn::GetStackOutput"]["OutputName"])
        for item in value.values():
            found |= stack_outputs_named(item)
    elif isinstance(value, list):
        for item in value:
            found |= stack_outputs_named(item)
    return found
