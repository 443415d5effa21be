"""The VPC: NAT gateways for the functions' way out to OpenAI, isolated subnets for the data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Template

from infra.config import load_config
from infra.stacks.network_stack import NetworkStack
from tests.infra.conftest import Synthesized, cdk_context
from tests.infra.support import props, resources


@pytest.fixture(scope="module")
def template(dev: Synthesized) -> Template:
    return dev.network


def _subnets_by_type(template: Template) -> dict[str, int]:
    counts: dict[str, int] = {}
    for subnet in resources(template, "AWS::EC2::Subnet").values():
        kind = next(tag["Value"] for tag in props(subnet)["Tags"] if tag["Key"] == "aws-cdk:subnet-type")
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_two_azs_of_public_private_and_isolated_subnets(template: Template) -> None:
    assert _subnets_by_type(template) == {"Public": 2, "Private": 2, "Isolated": 2}


def test_dev_pays_for_one_nat_gateway_and_prod_for_one_per_az(template: Template, prod: Synthesized) -> None:
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    prod.network.resource_count_is("AWS::EC2::NatGateway", 2)


def test_every_flow_is_logged(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )


def test_s3_goes_through_the_free_gateway_endpoint_and_no_interface_endpoint_is_paid_for(template: Template) -> None:
    endpoints = [props(endpoint) for endpoint in resources(template, "AWS::EC2::VPCEndpoint").values()]

    assert [endpoint["VpcEndpointType"] for endpoint in endpoints] == ["Gateway"]


def test_the_default_security_group_is_stripped(template: Template) -> None:
    template.resource_count_is("Custom::VpcRestrictDefaultSG", 1)


def test_the_database_and_its_proxy_live_in_the_isolated_subnets(dev: Synthesized) -> None:
    subnet_group = props(next(iter(resources(dev.data, "AWS::RDS::DBSubnetGroup").values())))
    proxy = props(next(iter(resources(dev.data, "AWS::RDS::DBProxy").values())))

    for subnets in (subnet_group["SubnetIds"], proxy["VpcSubnetIds"]):
        names = [subnet["Fn::GetStackOutput"]["OutputName"] for subnet in subnets]
        assert len(names) == 2
        assert all("DataSubnet" in name for name in names)


def test_an_interface_endpoint_is_one_name_in_the_sizing() -> None:
    # A stack of its own, without cdk-nag: only the endpoint wiring is under test.
    config = load_config(App(context=cdk_context("dev")).node)
    sizing = replace(config.sizing, interface_endpoints=("secretsmanager",))
    app = App()
    stack = NetworkStack(
        app,
        "Probe",
        config=replace(config, sizing=sizing),
        env=Environment(account=config.account, region=config.region),
    )
    endpoints = [props(e) for e in resources(Template.from_stack(stack), "AWS::EC2::VPCEndpoint").values()]
    interface = [e for e in endpoints if e["VpcEndpointType"] == "Interface"]

    assert [e["ServiceName"] for e in interface] == ["com.amazonaws.us-east-1.secretsmanager"]
    assert interface[0]["PrivateDnsEnabled"] is True
