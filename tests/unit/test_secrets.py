"""Secrets: the environment on a laptop, Secrets Manager in AWS (moto plays it)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chatflow import secrets
from chatflow.settings import Settings


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    secrets._secret_string.cache_clear()
    with mock_aws():
        yield boto3.client("secretsmanager")
    secrets._secret_string.cache_clear()


def test_database_url_comes_from_the_environment_when_set() -> None:
    settings = Settings(database_url="postgresql://u@h/db")  # type: ignore[arg-type]

    assert secrets.database_url(settings) == "postgresql://u@h/db"


def test_database_url_is_built_from_the_rds_secret_and_the_proxy_host(secretsmanager: object) -> None:
    arn = secretsmanager.create_secret(  # type: ignore[attr-defined]
        Name="db", SecretString=json.dumps({"username": "chatflow", "password": "p@ss/word"})
    )["ARN"]
    settings = Settings(
        database_url=None,
        database_host="proxy.example",
        database_secret_arn=arn,
        database_name="chatflow",
        db_sslmode="require",
    )

    assert (
        secrets.database_url(settings)
        == "postgresql://chatflow:p%40ss%2Fword@proxy.example:5432/chatflow?sslmode=require"
    )


def test_no_database_configuration_is_a_clear_error() -> None:
    with pytest.raises(secrets.MissingConfiguration):
        secrets.database_url(Settings(database_url=None))


def test_the_encryption_key_is_read_from_secrets_manager(secretsmanager: object) -> None:
    arn = secretsmanager.create_secret(Name="enc", SecretString="cd" * 32)["ARN"]  # type: ignore[attr-defined]

    settings = Settings(encryption_key=None, encryption_key_secret_arn=arn)

    assert secrets.encryption_key(settings) == bytes.fromhex("cd" * 32)


def test_a_malformed_encryption_key_counts_as_none() -> None:
    assert secrets.encryption_key(Settings(encryption_key="too-short")) is None  # type: ignore[arg-type]
