"""The VPC: public subnets for the NAT gateways only, private subnets with egress for the Lambdas
(they call OpenAI on the internet), and isolated subnets for the database and its proxy."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from infra.config import EnvironmentSizing
from infra.constructs.log_groups import encrypted_log_group

__all__ = ["Network"]

APP_SUBNETS = "App"
DATA_SUBNETS = "Data"


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sizing: EnvironmentSizing) -> None:
        super().__init__(scope, construct_id)
        self.vpc = self._build_vpc(sizing)
        self._build_flow_log(sizing)
        self._build_endpoints(sizing)

    @property
    def app_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_group_name=APP_SUBNETS)

    @property
    def data_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_group_name=DATA_SUBNETS)

    def _build_vpc(self, sizing: EnvironmentSizing) -> ec2.Vpc:
        return ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.36.0.0/16"),
            max_azs=sizing.max_azs,
            nat_gateways=sizing.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                # /20: every Lambda security group × subnet pair takes Hyperplane ENIs from here.
                ec2.SubnetConfiguration(name=APP_SUBNETS, subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20),
                ec2.SubnetConfiguration(name=DATA_SUBNETS, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
            ],
            # Nothing should ever use the default security group; the CDK strips its rules.
            restrict_default_security_group=True,
        )

    def _build_flow_log(self, sizing: EnvironmentSizing) -> None:
        log_group = encrypted_log_group(self, "FlowLogs", sizing=sizing)
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

    def _build_endpoints(self, sizing: EnvironmentSizing) -> None:
        # Gateway endpoints are free: S3 traffic (none today, layers and assets later) skips the NAT.
        self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        for service in sizing.interface_endpoints:
            self.vpc.add_interface_endpoint(
                f"{service.title().replace('.', '')}Endpoint",
                service=ec2.InterfaceVpcEndpointAwsService(service),
                subnets=self.app_subnets,
                private_dns_enabled=True,
            )
