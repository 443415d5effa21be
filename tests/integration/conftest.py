"""Integration fixtures: a tenant with a channel, in the real test database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from tests.support.attachments_s3 import LocalS3, local_s3
from tests.support.callers import super_admin
from tests.support.widget import WidgetClient


@dataclass(frozen=True)
class Tenant:
    organization_id: UUID
    channel_id: UUID
    public_key: UUID


@pytest.fixture
def tenant(db: psycopg.Connection[dict[str, Any]]) -> Tenant:
    """An organisation with the default AI settings and one website channel."""
    organization_id = create_organization(db, name="Acme Coffee", system_prompt="We sell coffee. Open 8-18.")
    channel = create_channel(db, super_admin(), organization_id, name="Website")
    return Tenant(organization_id, channel.id, channel.public_key)


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    """moto's S3 server with the attachments bucket, one per test module that stores files."""
    with local_s3() as started:
        yield started


@pytest.fixture
def visitor(tenant: Tenant) -> WidgetClient:
    return WidgetClient(tenant.public_key, uuid4())
