"""Secrets: from the environment on a laptop, from Secrets Manager in AWS (read once per cold start)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:  # at run time only the values are read: no pydantic-settings import here
    from chatflow.settings import Settings

__all__ = ["MissingConfiguration", "database_url", "encryption_key", "forget_secrets"]


class MissingConfiguration(RuntimeError):
    """The environment names neither a value nor a secret for something the function needs."""


@lru_cache(maxsize=8)
def _secret_string(secret_id: str) -> str:
    # Imported here: boto3 costs ~0.15 s to import and a local stack never calls this.
    import boto3

    value: str = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return value


def forget_secrets() -> None:
    """The next read asks Secrets Manager again (after a SnapStart restore: chatflow.snapstart)."""
    _secret_string.cache_clear()


def database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    if settings.database_host and settings.database_secret_arn:
        secret = json.loads(_secret_string(settings.database_secret_arn))
        user, password = quote(secret["username"], safe=""), quote(secret["password"], safe="")
        return (
            f"postgresql://{user}:{password}@{settings.database_host}:{settings.database_port}/"
            f"{quote(settings.database_name, safe='')}?sslmode={settings.db_sslmode}"
        )
    raise MissingConfiguration("set DATABASE_URL, or DATABASE_HOST and DATABASE_SECRET_ARN")


def encryption_key(settings: Settings) -> bytes | None:
    """The AES-256 key for API keys at rest; None when none is configured or it is malformed."""
    # Imported here: `cryptography` costs tens of ms of every cold start, and most requests never decrypt.
    from chatflow.crypto import EncryptionKeyError, parse_key

    if settings.encryption_key is not None:
        raw = settings.encryption_key.get_secret_value()
    elif settings.encryption_key_secret_arn:
        raw = _secret_string(settings.encryption_key_secret_arn)
    else:
        return None
    try:
        return parse_key(raw)
    except EncryptionKeyError:
        return None
